"""Checks at the door (issue #12): each input a real export brings that used to give a wrong
number without a word, or a crash deep inside pandas. Each defect listed in the issue has a
test; those for duplicated ids, lapse before joining, renamed columns, zero-tenure events and
same-day visits already passed after #11 and stay as guards, every other one failed before."""

import functools
import warnings

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse, metrics, scales


@pytest.fixture(scope="module")
def members(lib):
    return lib.members


def test_retention_rate_refuses_a_repeated_index(lib):
    # A frame built by concatenating exports repeats index labels; label alignment then
    # multiplied every count (6x on the shipped library), silently.
    m = lib.members.copy()
    m.index = np.arange(len(m)) % (len(m) // 6)
    with pytest.raises(ValueError, match=r"repeated index: 5000 rows.*reset_index"):
        metrics.retention_rate(m, lib.as_of)
    # by position after a reset: identical to the clean table
    clean = metrics.retention_rate(lib.members, lib.as_of).data
    reset = metrics.retention_rate(m.reset_index(drop=True), lib.as_of).data
    pd.testing.assert_frame_equal(clean, reset)


def test_retention_rate_refuses_a_duplicated_member(lib):
    m = pd.concat([lib.members, lib.members.iloc[:3]], ignore_index=True)
    with pytest.raises(ValueError, match=r"'member_id' has 6 rows with a duplicated member"):
        metrics.retention_rate(m, lib.as_of)


def test_lapse_before_joining_and_join_after_as_of_are_errors(lib):
    m = lib.members.copy()
    m.loc[m.index[:4], "lapsed"] = m.loc[m.index[:4], "joined"] - pd.Timedelta(days=3)
    with pytest.raises(ValueError, match=r"'lapsed' has 4 lapse date\(s\) on or before"):
        metrics.retention_rate(m, lib.as_of)
    with pytest.raises(ValueError, match=r"'joined' has \d+ join date\(s\) after as_of"):
        metrics.retention_rate(lib.members, "2021-01-01")


@pytest.mark.parametrize("call", [
    lambda m, e, a: metrics.retention_rate(m, a),
    lambda m, e, a: metrics.usage_summary(m, e, a),
    lambda m, e, a: lapse.tenure_table(m, a),
])
def test_renamed_columns_name_the_missing_column(lib, call):
    m = lib.members.rename(columns={"joined": "dateenrolled"})
    with pytest.raises(ValueError, match=r"no column 'joined'.*'dateenrolled'.*pass its name"):
        call(m, lib.visits, lib.as_of)


def test_alpha_warns_about_99_codes_and_checks_a_declared_range(lib):
    items = ["sat1", "sat2", "sat3"]
    s = lib.survey[items].dropna().reset_index(drop=True)
    s.loc[:39, "sat1"] = 99
    # before: alpha 0.069, silently
    with pytest.warns(UserWarning, match=r"'sat1' has 40 value\(s\) 99 far outside"):
        scales.cronbach_alpha(s, items)
    with pytest.raises(ValueError, match=r"'sat1' has 40 value\(s\) outside 1-10"):
        scales.cronbach_alpha(s, items, low=1, high=10)
    with pytest.raises(ValueError, match=r"'sat1' has 40 value\(s\) outside 1-10"):
        scales.composite_reliability(s, scales.STANDARD_SCALES["satisfaction"])


def test_negative_alpha_names_the_probably_reversed_item(lib):
    s = lib.survey[["sat1", "sat2", "sat3"]].dropna()
    s = s.assign(sat3=11 - s["sat3"], sat2=11 - s["sat2"])
    with pytest.warns(UserWarning, match=r"alpha is negative .*lowest item-rest.*'sat1'"):
        res = scales.cronbach_alpha(s, ["sat1", "sat2", "sat3"])
    assert res.alpha < 0


def test_clean_items_do_not_warn(lib):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scales.cronbach_alpha(lib.survey, ["sat1", "sat2", "sat3"])


def test_as_of_is_parsed_strictly(lib):
    # before: "01/06/2024" was silently read as 6 January 2024
    with pytest.raises(ValueError, match=r"as_of='01/06/2024' is not an ISO date"):
        metrics.retention_rate(lib.members, "01/06/2024")
    with pytest.raises(ValueError, match=r"calibration_end='1/1/2023' is not an ISO date"):
        lapse.rfm_summary(lib.visits, calibration_end="1/1/2023")
    a = metrics.retention_rate(lib.members, lib.as_of).data
    b = metrics.retention_rate(lib.members, str(lib.as_of.date())).data
    pd.testing.assert_frame_equal(a, b)


def test_us_dates_name_their_layout_and_ambiguous_ones_are_refused(lib):
    m = lib.members.copy()
    m["joined"] = m["joined"].dt.strftime("%m/%d/%Y")
    with pytest.raises(TypeError, match=r"5000 value\(s\).*look like '%m/%d/%Y'.*format="):
        lapse.tenure_table(m, lib.as_of)
    amb = pd.DataFrame({"member_id": [1, 2], "joined": ["01/02/2020", "03/04/2020"],
                        "lapsed": [None, None]})
    with pytest.raises(TypeError, match=r"day and month order is ambiguous.*date_format"):
        lapse.tenure_table(amb, "2021-01-01")


@pytest.mark.parametrize("name, call", [
    ("tenure_table", lambda m, e, a: lapse.tenure_table(m, a).data["tenure"]),
    ("cohort_table", lambda m, e, a: lapse.cohort_table(m, a)),
    ("retention_rate", lambda m, e, a: metrics.retention_rate(m, a).data),
    ("rfm_summary", lambda m, e, a: lapse.rfm_summary(e, calibration_end="2023-06-30").data),
    ("usage_summary", lambda m, e, a: metrics.usage_summary(m, e, a).data),
])
def test_timezone_aware_dates_keep_their_local_day(lib, name, call):
    # before: TypeError "Invalid comparison between dtype=datetime64[ns, Europe/Paris]"
    m, e = lib.members.copy(), lib.visits.copy()
    for c in ("joined", "lapsed"):
        m[c] = m[c].dt.tz_localize("Europe/Paris")
    e["date"] = e["date"].dt.tz_localize("Europe/Paris")
    as_of = lib.as_of.tz_localize("Europe/Paris")
    expected = call(lib.members, lib.visits, lib.as_of)
    got = call(m, e, as_of)
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(got, expected)
    else:
        pd.testing.assert_frame_equal(got, expected)


def test_lapse_model_refuses_a_numeric_column_with_a_stray_word(lib):
    d = lapse.tenure_table(lib.members, lib.as_of).data.copy()
    d["distance"] = d["distance_km"].astype(object)
    d.loc[d.index[7], "distance"] = "n/a"
    # before: read as a category with ~5000 levels (a fit that never ends)
    with pytest.raises(TypeError, match=r"'distance' has 1 non-numeric value\(s\) \(e.g. 'n/a'\)"):
        lapse.fit_lapse_model(d, "tenure", "has_lapsed", ["distance"])
    d["card"] = d["member_id"].astype(str) + "x"
    with pytest.raises(ValueError, match=r"'card' has 5000 distinct values.*is it an id"):
        lapse.fit_lapse_model(d, "tenure", "has_lapsed", ["card"])


def test_rfm_counts_events_without_member_and_orders_periods(lib):
    e = lib.visits.copy()
    e["member_id"] = e["member_id"].astype(float)
    e.loc[e.index[:10], "member_id"] = np.nan
    res = lapse.rfm_summary(e, calibration_end="2023-01-01")
    assert res.excluded["events with no member id"] == 10
    with pytest.raises(ValueError, match=r"holdout_end \(2022-06-01\) must be after"):
        lapse.rfm_summary(lib.visits, calibration_end="2023-01-01", holdout_end="2022-06-01")


def test_nps_refuses_a_bool_column():
    # before: read as ratings 0/1 and reported NPS -100
    with pytest.raises(TypeError, match=r"'r' holds True/False values, not ratings"):
        metrics.nps(pd.DataFrame({"r": [True, False, True]}), "r")
    with pytest.raises(TypeError, match="True/False"):
        scales.cronbach_alpha(pd.DataFrame({"a": [True, False, True], "b": [1, 2, 3]}),
                              ["a", "b"])


def test_cohort_table_keeps_the_period_that_ends_on_as_of():
    m = pd.DataFrame({"joined": ["2021-01-01", "2021-01-01", "2021-06-01"],
                      "lapsed": [None, "2021-09-01", None]})
    out = lapse.cohort_table(m, "2022-01-01")
    # 2022-01-01 is exactly one year after the first joins: period 1 exists (lost before)
    assert out["period"].max() == 1
    row = out[out["period"] == 1].iloc[0]
    assert (row["observable"], row["retained"]) == (2, 1)


def test_person_period_keeps_zero_tenure_members_out_without_refusing_their_events():
    m = pd.DataFrame({"member_id": [1, 2], "joined": ["2020-01-01", "2021-01-01"],
                      "lapsed": [None, None]})
    e = pd.DataFrame({"member_id": [1, 2], "date": ["2020-05-01", "2021-01-01"]})
    tt = lapse.tenure_table(m, "2021-01-01")
    pp = lapse.person_period(tt, period="month", events=e)
    assert set(pp.data["member_id"]) == {1}
    assert pp.excluded["members with no time at risk (joined on as_of)"] == 1


def test_same_day_visits_are_kept_and_exact_duplicates_counted_on_the_result():
    m = pd.DataFrame({"member_id": [1], "joined": ["2020-01-01"], "lapsed": [None]})
    e = pd.DataFrame({"member_id": [1, 1, 1], "date": ["2020-02-01"] * 3,
                      "kind": ["loan", "event", "loan"]})
    res = metrics.check_events(m, e, "2020-12-31")
    assert len(res.data) == 2
    assert res.excluded["duplicates"] == 1
    assert not res.data.attrs
    us = metrics.usage_summary(m, e, "2020-12-31")
    assert us.excluded["duplicates"] == 1


def test_missing_groups_and_yes_no_ratings_are_refused_not_dropped(lib):
    # issue 24: retention_rate(by=) dropped members with a missing group without counting
    # them; evangelists took True/False as ratings that nps refuses
    m = lib.members.copy()
    m.loc[m.index[:5], "branch"] = np.nan
    with pytest.raises(ValueError, match=r"'branch' has 5 missing group\(s\)"):
        metrics.retention_rate(m, lib.as_of, by="branch")
    s = lib.survey.dropna(subset=["recommend"]).head(200).copy()
    s["recommend"] = s["recommend"] > 8
    with pytest.raises(TypeError, match=r"'recommend' holds True/False values"):
        metrics.referring_promoters(s, "recommend", "referrals")
    with pytest.raises(TypeError, match=r"'recommend' holds True/False values"):
        metrics.nps(s, "recommend")


def test_impossible_times_duplicates_late_joiners_and_empty_globs(lib, tmp_path):
    # issue 24: each of these was accepted silently or surfaced a library's own exception
    t = lapse.tenure_table(lib.members, lib.as_of)
    rc = lapse.retention_curves(t, "tenure", "has_lapsed")
    with pytest.raises(ValueError, match=r"times has 1 value\(s\) that are negative"):
        rc.at_risk([1, -2])
    from loyaltylab import simulate

    lr = simulate.lapse_reasons(lib, seed=3)
    tt = lapse.tenure_table(lr.members, lr.as_of)
    inc = lapse.cumulative_incidence(tt, "tenure", "reason", censored="member")
    with pytest.raises(ValueError, match=r"negative, missing or infinite \(e.g. nan\)"):
        inc.at([1, float("nan")])
    with pytest.raises(ValueError, match=r"'member_id' has 2 rows with a duplicated member"):
        lapse.person_period(pd.concat([t.data, t.data.iloc[:1]], ignore_index=True))
    late = lib.members.copy()
    late.loc[late.index[0], "joined"] = lib.as_of + pd.Timedelta(days=30)
    with pytest.raises(ValueError, match=r"'joined' has 1 join date\(s\) after as_of"):
        lapse.inactivity_lapse(lib.visits, as_of=lib.as_of, members=late)
    with pytest.raises(ValueError, match=r"no file matches .*loans-\*\.parquet"):
        lapse.rfm_summary(str(tmp_path / "loans-*.parquet"), calibration_end="2024-06-30")


def test_text_columns_in_pandas_3s_string_dtype_work_as_in_pandas_2(lib):
    # issue 23: pandas 3 reads text as its string dtype, not object; checks for object alone
    # turned a branch column into "non-numeric values" and missed Koha's 0000-00-00 dates
    from loyaltylab import datasets, intake, lapse

    t = lapse.tenure_table(lib.members, lib.as_of).data
    as_str = t.assign(branch=t["branch"].astype(str).astype("string"))
    a = lapse.fit_lapse_model(t.assign(branch=t["branch"].astype(str)), "tenure",
                              "has_lapsed", ["branch"]).summary()
    b = lapse.fit_lapse_model(as_str, "tenure", "has_lapsed", ["branch"]).summary()
    pd.testing.assert_frame_equal(a, b)
    if tuple(int(v) for v in pd.__version__.split(".")[:2]) < (2, 3):
        return  # pandas 2.2 infers pandas 3's strings only through pyarrow
    folder = datasets.data_path("koha_example")
    read = functools.partial(intake.read_koha, folder / "borrowers.csv", None,
                             folder / "deletedborrowers.csv", as_of="2024-12-31", grace_days=30)
    if pd.__version__.startswith("2."):
        with pd.option_context("future.infer_string", True):  # pandas 3's default
            koha = read()
    else:
        koha = read()
    assert koha.intake.reasons("borrowers")["changed: dateenrolled 0000-00-00 read as missing"] == 1


def test_one_id_rule_on_the_pandas_and_the_duckdb_paths():
    # issue 24: integer-like text ids match integer member ids, the same way on both paths;
    # a fraction, NaN, inf or a word matches no one (DuckDB's own cast rounds "925.5")
    m = pd.DataFrame({"member_id": [1, 2, 925, 926], "joined": pd.to_datetime(["2020-01-01"] * 4),
                      "lapsed": pd.NaT})
    ev = pd.DataFrame({"member_id": ["1", None, "925.0", "925.5", "nan", "inf", " 2 ", "x"],
                       "date": pd.to_datetime(["2020-02-01"] * 8)})
    checked = metrics.check_events(m, ev, "2024-12-31")
    usage = metrics.usage_summary(m, ev, "2024-12-31", window_days=None)
    assert checked.excluded["unknown member"] == usage.excluded["unknown member"] == 5
    assert usage.data["frequency"].tolist() == [1, 1, 1, 0]
    assert checked.data["member_id"].tolist() == [1, 925, 2]

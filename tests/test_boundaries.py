"""Boundaries and options pinned by reference values (issue #24): each test here would have
caught one of the mutants that survived the test suite (a lapse on ``as_of`` read as censored,
wrong plain Kaplan-Meier bands, the NPS bootstrap's upper quantile, standardized alpha with
the diagonal, activity retention counting members not present, and a period ending on
``as_of`` dropped)."""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse, metrics, scales, schema


def _members():
    return pd.DataFrame({"member_id": [1, 2, 3],
                         "joined": pd.to_datetime(["2020-01-01"] * 3),
                         "lapsed": pd.to_datetime(["2023-12-31", "2024-01-01", None])})


def test_membership_end_on_before_and_after_as_of():
    span = schema.membership_end(_members(), "2023-12-31")
    # lapsed on as_of: a lapse (on or before as_of), ending that day
    assert bool(span.loc[0, "has_lapsed"]) and span.loc[0, "end"] == pd.Timestamp("2023-12-31")
    # lapsed the day after: still a member at as_of, censored there, and counted as such
    assert not span.loc[1, "has_lapsed"] and bool(span.loc[1, "lapse_after_as_of"])
    assert span.loc[1, "end"] == pd.Timestamp("2023-12-31")
    assert span["days"].tolist() == [1460.0, 1460.0, 1460.0]
    # a lapse on the join date is refused with the member named
    bad = _members().assign(lapsed=pd.to_datetime(["2020-01-01", None, None]))
    with pytest.raises(ValueError, match="on or before the join date"):
        schema.membership_end(bad, "2023-12-31")


def test_membership_end_keeps_the_members_index():
    # rows keep their labels (a table indexed by member, or a slice of a larger one)
    m = _members().set_axis([10, 20, 30])
    span = schema.membership_end(m, "2023-12-31")
    assert span.index.tolist() == [10, 20, 30]
    assert span["has_lapsed"].tolist() == [True, False, False]


def test_a_period_ending_on_as_of_counts_and_one_ending_after_does_not():
    on = metrics.retention_rate(_members(), "2023-12-31", period="year").data
    # 2022 -> 2023 has ended on as_of: kept; the lapse on 2023-12-31 is not retained
    assert on["period"].tolist() == ["2020", "2021", "2022"]
    assert on.set_index("period").loc["2022", ["present", "retained"]].tolist() == [3, 2]
    before = metrics.retention_rate(_members(), "2023-12-30", period="year").data
    assert before["period"].tolist() == ["2020", "2021"]


def test_activity_retention_counts_only_members_active_in_the_period():
    events = pd.DataFrame({"member_id": [1, 1, 2, 3, 3],
                           "date": pd.to_datetime(["2021-03-01", "2022-03-01", "2021-05-01",
                                                   "2022-02-01", "2023-01-05"])})
    r = metrics.retention_rate(_members(), "2023-12-31", period="year", basis="activity",
                               events=events).data.set_index("period")
    # 2021: members 1 and 2 active, only 1 active again in 2022; 2022: 1 and 3, only 3 in 2023
    assert r.loc["2021", ["present", "retained"]].tolist() == [2, 1]
    assert r.loc["2022", ["present", "retained"]].tolist() == [2, 1]
    assert r.loc["2021", "members"] == 3 and r.loc["2021", "active_share"] == pytest.approx(2 / 3)


@pytest.fixture(scope="module")
def lung():
    # R's lung data, as shipped with the survival package (tests/data)
    from tests._data import lung

    return lung()


@pytest.mark.parametrize("conf_type, reference", [
    # R 4.2.2, survival 3.5.3: summary(survfit(Surv(time, status) ~ 1, data = lung,
    #   conf.type = "plain"), times = c(100, 300, 500, 800)): surv, lower, upper
    ("plain", [(0.8639689676, 0.8194577339, 0.9084802014),
               (0.5306081178, 0.4627146620, 0.5985015735),
               (0.2932691937, 0.2245179328, 0.3620204546),
               (0.0783153281, 0.0300646330, 0.1265660232)]),
    # the same with conf.type = "log-log"
    ("log-log", [(0.8639689676, 0.8122223198, 0.9023101805),
                 (0.5306081178, 0.4604652025, 0.5957896394),
                 (0.2932691937, 0.2265036771, 0.3630285997),
                 (0.0783153281, 0.0390065211, 0.1353679561)]),
])
def test_kaplan_meier_bands_of_every_conf_type_equal_r(lung, conf_type, reference):
    curves = lapse.retention_curves(lung, "time", "status", conf_type=conf_type,
                                    horizons=(100, 300, 500, 800))
    got = curves.at_horizons[["retention", "ci_low", "ci_high"]].to_numpy()
    np.testing.assert_allclose(got, reference, atol=1e-9)


def test_nps_bootstrap_interval_is_the_percentile_interval_of_its_draws():
    x = pd.DataFrame({"recommend": np.r_[np.full(120, 10), np.full(50, 7), np.full(30, 3)]})
    res = metrics.nps(x, method="bootstrap", n_boot=4000, seed=11)
    # a second implementation: the same multinomial draws, by hand
    draws = np.random.default_rng(11).multinomial(200, [120 / 200, 50 / 200, 30 / 200],
                                                  size=4000)
    scores = 100 * (draws[:, 0] - draws[:, 2]) / 200
    lo, hi = np.quantile(scores, [0.025, 0.975])
    assert (res.ci_low, res.ci_high) == pytest.approx((lo, hi))
    assert res.ci_low < res.nps < res.ci_high


def test_standardized_alpha_uses_the_mean_off_diagonal_correlation():
    d = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3, 2, 4, 5, 1], "b": [2, 2, 3, 5, 4, 3, 1, 4, 4, 2],
                      "c": [1, 3, 3, 4, 5, 2, 2, 5, 5, 1]})
    r = d.corr().to_numpy()
    rbar = r[~np.eye(3, dtype=bool)].mean()
    res = scales.cronbach_alpha(d, ["a", "b", "c"])
    assert res.standardized_alpha == pytest.approx(3 * rbar / (1 + 2 * rbar), rel=1e-12)
    # and raw alpha from the item variances
    raw = 3 / 2 * (1 - d.var().sum() / d.sum(axis=1).var())
    assert res.alpha == pytest.approx(raw, rel=1e-12)


# --- the members door's own words (survivors of make test-mutation on schema) ---------------

def test_membership_end_names_the_table_the_column_and_the_fix():
    m = _members()
    with pytest.raises(TypeError, match=r"^members must be a pandas DataFrame"):
        schema.membership_end([1, 2], "2024-01-01")
    with pytest.raises(ValueError, match=r"members has no column 'member_id', needed for the "
                                         r"end of each membership"):
        schema.membership_end(m.drop(columns="member_id"), "2024-01-01")
    with pytest.raises(ValueError, match=r"members has no column 'lapsed', needed for the end "
                                         r"of each membership"):
        schema.membership_end(m.drop(columns="lapsed"), "2024-01-01")
    # no member column asked for: the table needs no ids
    out = schema.membership_end(m.drop(columns="member_id"), "2024-01-01", member=None)
    assert out["has_lapsed"].tolist() == [True, True, False]  # a lapse on as_of counts
    with pytest.raises(ValueError, match=r"column 'member_id' has 1 row\(s\) without a member "
                                         r"id \(e\.g\. row 2\); every member needs one"):
        schema.membership_end(m.assign(member_id=[1, 2, None]), "2024-01-01")
    with pytest.raises(ValueError, match=r"column 'member_id' has 2 rows with a duplicated "
                                         r"member \(e\.g\. 1\)"):
        schema.membership_end(m.assign(member_id=[1, 1, 3]), "2024-01-01")
    # a join date is required; a lapse date is missing while a member
    with pytest.raises(ValueError, match=r"column 'joined' has 1 missing date\(s\); tenure "
                                         r"needs a date in every row"):
        schema.membership_end(m.assign(joined=[pd.NaT, *m["joined"].iloc[1:]]), "2024-01-01")
    for col in ("joined", "lapsed"):
        with pytest.raises(TypeError, match=rf"column '{col}' has 1 value\(s\) that are not "
                                            r"dates \(e\.g\. 'soon'\); tenure needs dates"):
            schema.membership_end(m.assign(**{col: ["2020-01-01", "soon", None]}), "2024-01-01")
    early = pd.Timestamp("2020-01-01")
    with pytest.raises(ValueError, match=r"column 'lapsed' has 1 lapse date\(s\) on or before "
                                         r"the join date \(e\.g\. member 1\)"):
        schema.membership_end(m.assign(lapsed=[early, pd.NaT, pd.NaT]), "2024-01-01")
    with pytest.raises(ValueError, match=r"on or before the join date \(e\.g\. 2020-01-01\)"):
        schema.membership_end(m.assign(lapsed=[early, pd.NaT, pd.NaT]), "2024-01-01",
                              member=None)
    # one member joining after as_of: named by its own date
    late = m.assign(joined=pd.to_datetime(["2020-01-01", "2024-03-05", "2020-01-01"]),
                    lapsed=pd.NaT)
    with pytest.raises(ValueError, match=r"column 'joined' has 1 join date\(s\) after as_of "
                                         r"2024-01-01 \(e\.g\. 2024-03-05\)"):
        schema.membership_end(late, "2024-01-01")
    with pytest.raises(ValueError, match=r"unit must be one of"):
        schema.unit_days("fortnights")
    # aligned with the members, whatever their index
    out = schema.membership_end(m.set_axis([10, 20, 30]), "2024-01-01")
    assert out.index.tolist() == [10, 20, 30]


def test_years_between_reads_dates_as_given():
    # text, dates and datetime64 of any resolution (pandas 3 reads microseconds) alike
    start, end = ["2020-01-01", "2020-01-01"], ["2020-12-31T06:00", "2020-07-01T15:00"]
    got = schema.years_between(start, end)
    np.testing.assert_allclose(got, [365.25 / schema.DAYS_PER_YEAR,
                                     (182 + 15 / 24) / schema.DAYS_PER_YEAR])
    us = pd.Series(pd.to_datetime(end)).astype("datetime64[us]")
    np.testing.assert_allclose(schema.years_between(pd.to_datetime(start), us), got)
    assert schema.years_between(["2020-01-01"], ["2021-01-01"]) == pytest.approx(
        366 / schema.DAYS_PER_YEAR)


def test_activity_retention_by_month_quarter_and_group_by_hand():
    # found by test-mutation: the month and quarter period codes of the activity basis
    m = pd.DataFrame({"member_id": [1, 2, 3, 4],
                      "joined": pd.to_datetime(["2020-01-01"] * 3 + ["2020-02-01"]),
                      "lapsed": pd.NaT, "branch": ["A", "A", "B", "B"]})
    ev = pd.DataFrame({"member_id": [1, 1, 1, 2, 2, 3, 3, 4],
                       "date": pd.to_datetime(["2020-01-15", "2020-02-10", "2020-03-05",
                                               "2020-01-20", "2020-03-01", "2020-02-28",
                                               "2020-03-31", "2020-04-01"])})
    r = metrics.retention_rate(m, "2020-06-30", period="month", basis="activity",
                               events=ev).data
    assert r.columns.tolist() == ["group", "period", "present", "retained", "retention_rate",
                                  "ci_low", "ci_high", "members", "active_share"]
    # January: 1 and 2 active, only 1 again in February; February: 1 and 3, both in March;
    # March: 1, 2, 3, none in April; April: 4 alone; May and June: nobody present
    assert r["period"].tolist() == ["2020-01", "2020-02", "2020-03", "2020-04"]
    assert r["present"].tolist() == [2, 2, 3, 1] and r["retained"].tolist() == [1, 2, 0, 0]
    assert r["members"].tolist() == [3, 4, 4, 4]  # member 4 joined in February
    # by branch: a group with nobody present in a period has no row there, the others do
    g = metrics.retention_rate(m, "2020-06-30", period="month", basis="activity", events=ev,
                               by="branch").data
    assert list(zip(g["group"], g["period"], g["present"], g["retained"], strict=True)) == [
        ("A", "2020-01", 2, 1), ("A", "2020-02", 1, 1), ("B", "2020-02", 1, 1),
        ("A", "2020-03", 2, 0), ("B", "2020-03", 1, 0), ("B", "2020-04", 1, 0)]
    # quarters: 31 March is the first quarter, 1 April the second
    evq = pd.DataFrame({"member_id": [1, 1, 2],
                        "date": pd.to_datetime(["2020-03-31", "2020-04-01", "2020-03-15"])})
    q = metrics.retention_rate(m, "2020-12-31", period="quarter", basis="activity",
                               events=evq).data
    assert q["period"].tolist() == ["2020Q1", "2020Q2"]
    assert q["present"].tolist() == [2, 1] and q["retained"].tolist() == [1, 0]
    # the fourth quarter and the next year's first: 31 December, then 1 January
    evy = pd.DataFrame({"member_id": [1, 1, 2],
                        "date": pd.to_datetime(["2020-12-31", "2021-01-01", "2020-11-15"])})
    y = metrics.retention_rate(m, "2021-06-30", period="quarter", basis="activity",
                               events=evy).data.set_index("period")
    assert y.loc["2020Q4", ["present", "retained"]].tolist() == [2, 1]
    assert y.loc["2021Q1", ["present", "retained"]].tolist() == [1, 0]
    # the membership basis by month: present on the month's last day, retained if still a
    # member on the next month's last day (a lapse on that day is not retained)
    mm = m.assign(lapsed=pd.to_datetime([None, "2020-02-29", "2020-03-31", None]))
    b = metrics.retention_rate(mm, "2020-04-30", period="month").data.set_index("period")
    assert b.loc["2020-01", ["present", "retained"]].tolist() == [3, 2]
    assert b.loc["2020-02", ["present", "retained"]].tolist() == [3, 2]
    assert b.loc["2020-03", ["present", "retained"]].tolist() == [2, 2]


def test_scalar_arguments_are_named_in_their_refusals():
    # the words test breaks tables; these are the scalar options, each named as typed
    m = _members()
    ev = pd.DataFrame({"member_id": [1], "date": pd.to_datetime(["2021-03-01"])})
    s = pd.DataFrame({"q": [1, 5], "q_min": [1, 2], "q_des": [5, 5], "q_per": [3, 4]})
    cases = [
        (lambda: metrics.retention_rate(m, "2023-12-31", ci=2), r"^ci must be strictly "
         r"between 0 and 1, got 2.0$"),
        (lambda: metrics.retention_rate(m, "2023-12-31", period="week"),
         r"^period must be one of 'month', 'quarter', 'year'; got 'week'$"),
        (lambda: metrics.retention_rate(m, "2023-12-31", basis="visits"),
         r"^basis must be one of 'membership', 'activity'; got 'visits'$"),
        (lambda: metrics.retention_rate(m, "2023-12-31", cohort_period="week"),
         r"^cohort_period must be one of 'month', 'quarter', 'year'; got 'week'$"),
        (lambda: metrics.usage_summary(m, ev, "2023-12-31", period="week"),
         r"^period must be one of 'month', 'quarter', 'year'; got 'week'$"),
        (lambda: metrics.usage_summary(m, ev, "2023-12-31", window_days=0),
         r"^window_days must be at least 1, got 0$"),
        (lambda: metrics.top_box(s, ["q"], ci=0), r"^ci must be strictly between 0 and 1"),
        (lambda: metrics.satisfaction_index(s, ["q"], ci=1), r"^ci must be strictly between "
         r"0 and 1"),
        (lambda: metrics.service_gaps(s, {"a": ["q"]}, ci=1.5), r"^ci must be strictly "
         r"between 0 and 1"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()

"""Loyalty metrics: NPS, satisfaction, repeat use, profile, segments, drivers."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from loyaltylab import drivers, metrics, scales
from loyaltylab.schema import ATTITUDINAL

# --- NPS -------------------------------------------------------------------------------------


def test_nps_worked_example():
    """n = 100 with 40 promoters, 40 passives, 20 detractors. By hand:
    Wald (Rocks 2016, eq. 1): var = (0.4 + 0.2 - 0.2^2) / 100 = 0.0056, se = 0.074833,
    95% CI 20 +- 1.959964 * 7.4833 = [5.333, 34.667].
    Adjusted Wald (Rocks 2016; Lewis & Sauro 2021): add 3/4 to promoters and detractors and
    3 to n: p_P = 40.75 / 103, p_D = 20.75 / 103, NPS_adj = 19.417, se = 7.3695,
    CI [4.973, 33.862]."""
    df = pd.DataFrame({"recommend": [10] * 20 + [9] * 20 + [8] * 30 + [7] * 10 + [0] * 20})
    w = metrics.nps(df, method="wald")
    assert (w.nps, w.promoters, w.passives, w.detractors, w.n) == (20.0, 0.4, 0.4, 0.2, 100)
    assert w.se == pytest.approx(7.4833148, abs=1e-6)
    assert (w.ci_low, w.ci_high) == pytest.approx((5.33295, 34.66705), abs=1e-4)
    a = metrics.nps(df)
    assert a.method == "adjusted-wald" and a.nps == 20.0
    assert (a.ci_low, a.ci_high) == pytest.approx((4.9729, 33.8620), abs=1e-3)


def test_compare_nps_with_no_spread_has_no_test():
    # everyone a promoter in both waves: a difference of 0 with a standard error of 0 gives
    # no statistic (NaN), not a division by zero; a large sample's small se (< 1 point) does
    same = pd.DataFrame({"wave": [1] * 5 + [2] * 5, "recommend": [10] * 10})
    c = metrics.compare_nps(same, "wave", 1, 2)
    assert c.se == 0 and np.isnan(c.statistic) and np.isnan(c.p_value)
    rng = np.random.default_rng(2)
    big = pd.DataFrame({"wave": np.repeat([1, 2], 40_000),
                        "recommend": rng.integers(0, 11, 80_000)})
    cb = metrics.compare_nps(big, "wave", 1, 2)
    assert 0 < cb.se < 1 and cb.statistic == pytest.approx(cb.difference / cb.se)


def test_nps_bootstrap_is_seeded():
    s = pd.DataFrame({"recommend": [10, 9, 9, 8, 7, 6, 3, 10, 0, 9] * 5})
    a, b = (metrics.nps(s, method="bootstrap", n_boot=300, seed=4) for _ in range(2))
    assert (a.ci_low, a.ci_high, a.se) == (b.ci_low, b.ci_high, b.se)  # same seed: same
    c = metrics.nps(s, method="bootstrap", n_boot=300, seed=5)
    assert (c.ci_low, c.ci_high, c.se) != (a.ci_low, a.ci_high, a.se)
    assert metrics.nps(s, method="bootstrap", n_boot=100).method == "bootstrap"


def test_nps_bootstrap_agrees_with_wald_and_is_fast_on_a_million():
    rng = np.random.default_rng(1)
    big = pd.DataFrame({"recommend": rng.integers(0, 11, 1_000_000)})
    w = metrics.nps(big, method="wald")
    b = metrics.nps(big, method="bootstrap", n_boot=2000, seed=3)
    assert b.se == pytest.approx(w.se, rel=0.05)
    assert abs(b.ci_low - w.ci_low) < 0.1 and abs(b.ci_high - w.ci_high) < 0.1
    # the Wald se equals the SD of the -1/0/+1 scores / sqrt(n) (trinomial means)
    x = big["recommend"].to_numpy()
    s = np.where(x >= 9, 1, np.where(x <= 6, -1, 0))
    assert w.se == pytest.approx(100 * s.std() / np.sqrt(s.size), rel=1e-9)


def test_nps_missing_are_counted_and_mean_reported():
    df = pd.DataFrame({"recommend": [10, 9, None, 3, np.nan, 7]})
    res = metrics.nps(df)
    assert res.n == 4 and res.n_missing == 2
    assert res.mean_ltr == pytest.approx(7.25)
    assert res.to_frame().shape[0] == 1 and "NPSResult(nps=25.0" in repr(res)


@pytest.mark.parametrize(
    ("values", "exc", "message"),
    [([1, 11, 5], ValueError, "outside 0-10"), ([1, 7.5], ValueError, "non-integer"),
     ([1, "nine"], TypeError, "non-numeric"), ([-1, 3], ValueError, "outside 0-10"),
     ([None, None], ValueError, "no answers")],
)
def test_nps_bad_input(values, exc, message):
    with pytest.raises(exc, match=message):
        metrics.nps(pd.DataFrame({"recommend": values}))


def test_nps_other_bad_input():
    with pytest.raises(ValueError, match="no column 'ltr'"):
        metrics.nps(pd.DataFrame({"recommend": [1]}), "ltr")
    with pytest.raises(ValueError, match="method must be one of"):
        metrics.nps(pd.DataFrame({"recommend": [1]}), method="exact")
    with pytest.raises(ValueError, match="empty"):
        metrics.nps(pd.DataFrame({"recommend": []}))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=200), st.randoms())
def test_nps_bounds_and_order_invariance(values, rnd):
    df = pd.DataFrame({"recommend": values})
    res = metrics.nps(df)
    assert -100 <= res.nps <= 100 and -100 <= res.ci_low <= res.ci_high <= 100
    assert res.promoters + res.passives + res.detractors == pytest.approx(1)
    shuffled = values[:]
    rnd.shuffle(shuffled)
    again = metrics.nps(pd.DataFrame({"recommend": shuffled}))
    assert again.nps == pytest.approx(res.nps) and again.se == pytest.approx(res.se)


def test_compare_groups_and_waves(lib):
    s = lib.survey
    cmp = metrics.compare_nps(s, "wave", 1, 2)
    assert cmp.difference == pytest.approx(cmp.b.nps - cmp.a.nps)
    assert cmp.se == pytest.approx(np.hypot(cmp.a.se, cmp.b.se))
    paired = metrics.compare_nps(s, "wave", 1, 2, id_column="member_id")
    assert paired.paired and paired.a.n == paired.b.n < cmp.a.n
    # the waves come from the same latent referral factor: no real change
    assert cmp.ci_low < 0 < cmp.ci_high
    # a real difference is detected
    fake = pd.DataFrame({"g": ["a"] * 300 + ["b"] * 300,
                         "recommend": [10] * 150 + [3] * 150 + [10] * 250 + [3] * 50})
    assert metrics.compare_nps(fake, "g", "a", "b").p_value < 1e-6
    by = metrics.nps_by_group(s.merge(lib.members[["member_id", "branch"]]), "branch")
    assert by["group"].tolist() == ["Central", "East", "North", "South", "West"]
    with pytest.raises(ValueError, match="no rows equal to 3"):
        metrics.compare_nps(s, "wave", 1, 3)


def test_referring_promoters_follow_the_referral_factor(lib):
    res = metrics.referring_promoters(lib.survey)
    ev = res.table.set_index("segment")
    assert ev.loc["promoter", "share_referred"] > ev.loc["detractor", "share_referred"] + 0.15
    assert 0 < res.share < ev.loc["promoter", "share_referred"]
    assert res.n_used + res.n_excluded == len(lib.survey)


# --- satisfaction ----------------------------------------------------------------------------

def test_top_box_and_index(lib):
    tb = metrics.top_box(lib.survey, ["rel1"])
    x = lib.survey["rel1"].dropna()
    assert tb["share"].iloc[0] == pytest.approx((x >= 4).mean())
    res = metrics.satisfaction_index(lib.survey)
    idx = res.scores
    expected = ((lib.survey[["sat1", "sat2", "sat3"]] - 1) / 9 * 100).mean(axis=1)
    pd.testing.assert_series_equal(idx.dropna(), expected[idx.notna()], check_names=False)
    assert res.n + res.n_missing == len(lib.survey)
    est = metrics.satisfaction_index(lib.survey, weights="estimated").to_frame()
    w = est.filter(like="weight_").iloc[0]
    assert w.sum() == pytest.approx(1) and w["weight_sat1"] > w["weight_sat3"]  # loadings
    with pytest.raises(ValueError, match="weights"):
        metrics.satisfaction_index(lib.survey, weights={"sat1": 1})


def test_service_gaps(lib):
    dims = {"place": ["lq_lp1", "lq_lp2"], "affect": ["lq_as1", "lq_as2"]}
    g = metrics.service_gaps(lib.survey, dims).set_index("name")
    s = lib.survey[["lq_lp1_per", "lq_lp1_min"]].dropna()
    assert g.loc["lq_lp1", "adequacy"] == pytest.approx((s["lq_lp1_per"] - s["lq_lp1_min"]).mean(),
                                                        abs=0.05)
    assert g.loc["place", "superiority"] < g.loc["affect", "superiority"]  # simulated so
    assert set(g["zone"]) <= {"below minimum", "within zone", "above desired"}
    with pytest.raises(ValueError, match="lq_xx1_min"):
        metrics.service_gaps(lib.survey, {"x": ["lq_xx1"]})


# --- repeat use ------------------------------------------------------------------------------

def test_event_checks_report_not_drop(lib):
    m = lib.members.head(3).copy()
    ev = pd.DataFrame({"member_id": [1, 1, 1, 2, 999],
                       "date": [m.loc[0, "joined"] - pd.Timedelta(days=3), m.loc[0, "joined"],
                                m.loc[0, "joined"], m.loc[1, "joined"], m.loc[1, "joined"]]})
    res = metrics.check_events(m, ev, lib.as_of)
    assert res.n_used == 2 and res.n_used + res.n_excluded == len(ev)
    assert res.excluded == {"unknown member": 1, "before joining": 1, "after leaving": 0,
                            "duplicates": 1}
    assert len(res.data) == 2


def test_usage_summary_matches_a_direct_count(lib):
    res = metrics.usage_summary(lib.members, lib.visits, lib.as_of, window_days=None)
    u = res.data
    assert u["frequency"].sum() == res.n_used == len(lib.visits)
    one = lib.visits[lib.visits["member_id"] == 2]
    assert u.loc[2, "frequency"] == len(one)
    end = lib.members.set_index("member_id").loc[2, "lapsed"]
    end = lib.as_of if pd.isna(end) else end
    assert u.loc[2, "recency_days"] == (end - one["date"].max()).days
    # use rates track the simulator's rates
    r = np.corrcoef(np.log1p(u["rate_per_year"]), np.log(lib.truth.members["use_rate"]))[0, 1]
    assert r > 0.6


def test_retention_rate_by_cohort(lib):
    rr = metrics.retention_rate(lib.members, lib.as_of, cohort_period="year").data
    row = rr[(rr["group"] == "2020") & (rr["period"] == "2021")].iloc[0]
    m = lib.members
    end = m["lapsed"].fillna(pd.Timestamp("2100-01-01"))
    present = (m["joined"].dt.year == 2020) & (end > "2021-12-31")
    retained = present & (end > "2022-12-31")
    assert (row["present"], row["retained"]) == (present.sum(), retained.sum())
    assert rr["retention_rate"].between(0, 1).all()
    act = metrics.retention_rate(lib.members, lib.as_of, period="quarter", basis="activity",
                                 events=lib.visits)
    assert act.data["active_share"].between(0, 1).all()
    assert act.n_used == len(lib.members) and act.excluded["events: duplicates"] == 0
    with pytest.raises(ValueError, match="needs the use events"):
        metrics.retention_rate(lib.members, lib.as_of, basis="activity")


# --- profile, segments, drivers --------------------------------------------------------------

@pytest.fixture(scope="module")
def profile(lib):
    return metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of).data


def test_profile_recovers_the_five_factors(lib, profile):
    tm = lib.truth.members.set_index("member_id").loc[profile.index]
    for f in ATTITUDINAL:
        assert profile[f"{f}_z"].corr(tm[f]) > 0.8, f
    # repeat use is the desire to use the library again (the training material's factor),
    # scored from its scale: it recovers the latent desire and owes nothing to convenience
    assert profile["repeat_use_z"].corr(tm["repeat_use"]) > 0.8
    assert abs(profile["repeat_use_z"].corr(tm["convenience"])) < 0.1
    # the use rate is behaviour: it follows the desire and convenience both, which is what
    # makes spurious loyalty possible
    assert profile["use_rate_z"].corr(tm["repeat_use"]) > 0.5
    assert profile["use_rate_z"].corr(tm["convenience"]) > 0.4
    assert profile["attitude_z"].corr(tm["attitude"]) > 0.85
    idx = metrics.loyalty_index(profile)
    assert idx.mean() == pytest.approx(50) and idx.std() == pytest.approx(10)


def test_every_survey_row_of_the_profile_is_used_or_counted(lib):
    # two anonymous responses and the earlier waves of repeat respondents: counted by reason
    s = lib.survey.copy()
    s["member_id"] = s["member_id"].astype(object)
    s.loc[s.index[:2], "member_id"] = None
    res = metrics.loyalty_profile(lib.members, lib.visits, s, lib.as_of)
    named = s["member_id"].dropna()
    assert res.excluded == {"responses without a member id": 2,
                            "earlier responses of a member (the latest is used)":
                            len(named) - named.nunique()}
    assert res.n_used == named.nunique() == len(res.data)
    assert res.n_used + sum(res.excluded.values()) == len(s)


def test_a_members_later_row_of_one_wave_is_the_one_used(lib):
    # two answers of a member in their latest wave: the later row (file order) is used, on
    # every CPU (a stable sort; an unstable one picked either row for 341 of 1,000 members
    # in a check of the same pattern)
    s = lib.survey
    latest = s.sort_values("wave", kind="stable").drop_duplicates("member_id", keep="last")
    redo = latest.assign(sat1=11 - latest["sat1"], sat2=11 - latest["sat2"])
    both = pd.concat([s, redo], ignore_index=True)
    replaced = pd.concat([s.drop(index=latest.index), redo], ignore_index=True)
    a = metrics.loyalty_profile(lib.members, lib.visits, both, lib.as_of)
    b = metrics.loyalty_profile(lib.members, lib.visits, replaced, lib.as_of)
    pd.testing.assert_series_equal(a.data["satisfaction"], b.data["satisfaction"])
    assert a.excluded["earlier responses of a member (the latest is used)"] == (
        len(both) - a.n_used)


def test_a_repeat_use_scale_of_ones_own(lib):
    # scales={"repeat_use": ...} replaces the standard intention scale
    own = scales.Scale("my intention", ("rep1", "rep2"), 1, 5)
    res = metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of,
                                  scales={**{k: scales.STANDARD_SCALES[k] for k in
                                             ("satisfaction", "relationship", "referral",
                                              "switching")}, "repeat_use": own})
    latest = lib.survey.sort_values("wave", kind="stable").drop_duplicates("member_id",
                                                                            keep="last")
    want = scales.score(latest, own).to_numpy()
    np.testing.assert_allclose(res.data["repeat_use"].to_numpy(), want, rtol=1e-15)


def test_without_a_repeat_use_scale_the_profile_says_so(lib):
    survey = lib.survey.drop(columns=["rep1", "rep2", "rep3"])
    res = metrics.loyalty_profile(lib.members, lib.visits, survey, lib.as_of)
    assert res.factors == ("satisfaction", "relationship", "referral", "switching")
    assert "repeat_use" not in res.data and "use_rate_z" in res.data
    idx = metrics.loyalty_index(res.data)  # equal weights over the four measured
    assert idx.notna().sum() == res.n_complete
    with pytest.raises(ValueError, match=r"weights name factor\(s\) \['repeat_use'\] the "
                                         r"profile does not measure"):
        metrics.loyalty_index(res.data, weights={"repeat_use": 1, "satisfaction": 1})


def test_segments_come_back_near_the_truth(lib, profile):
    """Respondents are more loyal than members at large (non-response is not at random), so
    the comparison is with the true latent attitude and usage split at the respondents' own
    medians, as the estimate is."""
    seg = metrics.loyalty_segments(profile)
    tm = lib.truth.members.set_index("member_id").loc[profile.index]
    truth = metrics.loyalty_segments(tm, attitude="attitude", usage="usage_z")
    got = seg.value_counts(normalize=True)
    want = truth.value_counts(normalize=True)
    assert (got - want[got.index]).abs().max() < 0.03
    agree = (seg.astype(str) == truth.astype(str)).mean()
    assert agree > 0.6  # chance agreement is about 0.25
    # among all members (population medians) respondents look more truly loyal
    pop = lib.truth.members.set_index("member_id").loc[profile.index, "segment"]
    assert (pop == "true").mean() > (truth == "true").mean() + 0.1
    sens = metrics.segment_sensitivity(profile)
    assert np.allclose(sens[["true", "latent", "spurious", "no loyalty"]].sum(axis=1), 1)
    mid = sens[(sens["attitude_quantile"] == 0.5) & (sens["usage_quantile"] == 0.5)].iloc[0]
    assert mid["true"] == pytest.approx(got["true"])


def test_drivers_find_the_referral_factor(lib):
    s = lib.survey.assign(**scales.score_all(lib.survey))
    res = drivers.key_drivers(s, "recommend", ["satisfaction", "relationship",
                                               "repeat_intention", "switching", "referral"],
                              n_boot=200)
    kd = res.table
    assert kd["relative_weight"].sum() == pytest.approx(res.r_squared, abs=1e-12)
    top = kd.sort_values("relative_weight").iloc[-1]
    assert top["driver"] == "referral"  # `recommend` is generated from the referral factor
    assert (kd["rw_ci_low"] <= kd["relative_weight"]).all()
    assert (kd["relative_weight"] <= kd["rw_ci_high"]).all()


def test_relative_weights_reference_cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5000, 3))
    x[:, 2] = 0.7 * x[:, 0] + 0.3 * x[:, 2]
    y = x @ [0.5, 0.3, 0.2] + rng.standard_normal(5000)
    corr = np.corrcoef(np.column_stack([y, x]), rowvar=False)
    rw = drivers.relative_weights(corr)
    r2 = 1 - np.var(y - np.column_stack([np.ones(5000), x]) @ np.linalg.lstsq(
        np.column_stack([np.ones(5000), x]), y, rcond=None)[0]) / np.var(y)
    assert rw.sum() == pytest.approx(r2, rel=1e-10)
    # uncorrelated drivers: the relative weight is the squared correlation (Johnson 2000)
    z = rng.standard_normal((20000, 2))
    z -= z.mean(0)
    q, _ = np.linalg.qr(z)
    y2 = q @ [2.0, 1.0] + rng.standard_normal(20000)
    c2 = np.corrcoef(np.column_stack([y2, q]), rowvar=False)
    np.testing.assert_allclose(drivers.relative_weights(c2), c2[0, 1:] ** 2, rtol=1e-8)


def test_importance_performance_and_bad_input(lib):
    ip = drivers.importance_performance(lib.survey, "recommend",
                                        ["journey", "tp_desk", "tp_catalogue", "tp_website"],
                                        low=1, high=10, n_boot=50).table
    assert ip["importance"].sum() == pytest.approx(100)
    assert ip["performance"].between(0, 100).all()
    with pytest.raises(ValueError, match="at least two drivers"):
        drivers.key_drivers(lib.survey, "recommend", ["journey"])
    with pytest.raises(ValueError, match="constant"):
        drivers.key_drivers(lib.survey.assign(k=1), "recommend", ["journey", "k"])


def test_key_driver_draws_give_the_intervals_and_the_differences():
    # the bootstrap draws behind rw_ci_low/high are kept, so "does A outrank B" is a paired
    # interval of the difference (issue 26: rankings need pairwise support)
    from loyaltylab import datasets, drivers

    ecsi = datasets.load_ecsi("bank")
    kd = drivers.key_drivers(ecsi, "loy1", ["sat1", "val1", "imag1"], n_boot=200, seed=3)
    assert kd.draws.shape == (200, 3) and list(kd.draws) == ["sat1", "val1", "imag1"]
    t = kd.table.set_index("driver")
    np.testing.assert_allclose(kd.draws.quantile(0.025).to_numpy(), t["rw_ci_low"].to_numpy())
    np.testing.assert_allclose(kd.draws.quantile(0.975).to_numpy(), t["rw_ci_high"].to_numpy())
    ip = drivers.importance_performance(ecsi, "loy1", ["sat1", "val1", "imag1"], low=0,
                                        high=10, n_boot=200, seed=3)
    assert ip.draws is not None and ip.draws.shape == (200, 3)


# --- evangelists as the CRM guidance defines them (issue 26) ---------------------------------

def _ev_tables():
    day = pd.Timestamp("2024-06-01")
    survey = pd.DataFrame({"member_id": [1, 2, 3, 4], "date": day, "referrals": [1, 3, 0, 2],
                           "recommend": [10, 9, 10, 3]})
    # member 1: 12 uses in the year (the last one the day before the answer, the first exactly
    # 365 days before), praise and a suggestion: an evangelist; member 2: 11 uses only;
    # member 3: no referral; member 4: everything, counted on the day of the answer too late
    uses = ([(1, day - pd.Timedelta(days=d)) for d in [1, *range(30, 330, 30), 365]]
            + [(2, day - pd.Timedelta(days=d)) for d in range(1, 12)]
            + [(3, day - pd.Timedelta(days=d)) for d in range(1, 20)]
            + [(4, day - pd.Timedelta(days=d)) for d in range(0, 12)]
            + [(1, day - pd.Timedelta(days=366)), (9, day)])
    events = pd.DataFrame(uses, columns=["member_id", "date"])
    fb = pd.DataFrame({"member_id": [1, 1, 2, 2, 3, 3, 4, 4, 1, 9],
                       "date": [day - pd.Timedelta(days=d) for d in
                                (10, 20, 10, 20, 10, 20, 10, 20, 400, 5)],
                       "kind": ["praise", "suggestion"] * 4 + ["praise", "complaint"]})
    return events, survey, fb


def test_evangelists_need_all_four_parts_of_the_definition():
    events, survey, fb = _ev_tables()
    ev = metrics.evangelists(events, survey, fb, wave=None, recommend="recommend")
    d = ev.data
    assert d["uses"].tolist() == [12, 11, 19, 11]  # 365 days before counts, the day of not
    assert d["evangelist"].tolist() == [True, False, False, False]
    assert d.loc[2, ["tells others", "praises unprompted", "suggests improvements"]].all()
    assert not d.loc[2, "regular use"] and not d.loc[3, "tells others"]
    assert ev.share == 0.25 and ev.n_used == 4
    assert d.index.name == "member_id" and d.index.tolist() == [1, 2, 3, 4]
    assert ev.table["criterion"].tolist() == ["regular use", "tells others",
                                              "praises unprompted", "suggests improvements",
                                              "all four (evangelist)"]
    assert ev.table["members"].tolist() == [2, 3, 4, 4, 1]
    seg = ev.by_segment.set_index("segment")
    assert seg.index.tolist() == ["detractor", "passive", "promoter"]
    assert seg["n"].tolist() == [1, 0, 3] and seg["evangelists"].tolist() == [0, 0, 1]
    # a passive (7 or 8) is one: recommend 8 for member 4
    pas = metrics.evangelists(events, survey.assign(recommend=[10, 9, 10, 8]), fb, wave=None,
                              recommend="recommend").by_segment.set_index("segment")
    assert pas["n"].tolist() == [0, 1, 3]
    # every row of each table accounted for
    assert ev.excluded["use events outside the year before the answer"] == 2
    assert ev.excluded["use events of members who did not answer the survey"] == 1
    assert ev.n_events_used + 3 == len(events)
    assert ev.n_feedback_used == 8 and ev.excluded == {
        **{k: v for k, v in ev.excluded.items() if k.startswith("use events")},
        "feedback rows of members who did not answer the survey": 1,
        "feedback rows outside the year before the answer": 1}


def test_evangelists_against_a_loop_over_members_and_the_planted_rates(lib):
    # a second implementation (one member at a time) and recovery of the simulator's rates
    import statsmodels.api as sm

    from loyaltylab import simulate

    fb = simulate.unprompted_feedback(lib, seed=26)
    ev = metrics.evangelists(lib.visits, lib.survey, fb, recommend="recommend")
    latest = lib.survey.sort_values(["wave", "date"]).drop_duplicates("member_id", keep="last")
    rows = {}
    for r in latest.sample(300, random_state=1).itertuples():
        lo, hi = r.date - pd.Timedelta(days=365), r.date
        v = lib.visits[(lib.visits["member_id"] == r.member_id)]
        f = fb[(fb["member_id"] == r.member_id) & (fb["date"] >= lo) & (fb["date"] < hi)]
        uses = int(((v["date"] >= lo) & (v["date"] < hi)).sum())
        rows[r.member_id] = (uses >= 12 and r.referrals >= 1 and (f["kind"] == "praise").any()
                             and (f["kind"] == "suggestion").any())
    loop = pd.Series(rows)
    assert (ev.data.loc[loop.index, "evangelist"] == loop).all()
    assert ev.n_used + ev.excluded["earlier answers of the same member"] == len(lib.survey)
    assert ev.n_feedback_used + sum(v for k, v in ev.excluded.items()
                                    if k.startswith("feedback")) == len(fb)
    assert ev.n_events_used + sum(v for k, v in ev.excluded.items()
                                  if k.startswith("use events")) == len(lib.visits)
    # promoters are far likelier to be evangelists, yet most promoters are not
    seg = ev.by_segment.set_index("segment")
    assert seg.loc["promoter", "ci_low"] > seg.loc["detractor", "ci_high"]
    assert seg.loc["promoter", "share"] < 0.5
    # the simulator's praise rates, recovered by a Poisson model over each membership
    from loyaltylab.schema import membership_end

    days = membership_end(lib.members, lib.as_of)["days"].set_axis(lib.members["member_id"])
    span = days[days > 0] / 365.25
    counts = fb[fb["kind"] == "praise"].groupby("member_id").size().reindex(span.index,
                                                                            fill_value=0)
    t = lib.truth.members.set_index("member_id").reindex(span.index)
    x = sm.add_constant(t[["satisfaction", "referral"]])
    fit = sm.GLM(counts, x, family=sm.families.Poisson(), offset=np.log(span)).fit()
    eff = simulate.UNPROMPTED_EFFECTS
    band = fit.conf_int(alpha=0.01)
    for k, planted in (("satisfaction", eff["praise_satisfaction"]),
                       ("referral", eff["praise_referral"])):
        assert band.loc[k, 0] < planted < band.loc[k, 1]
    assert band.loc["const", 0] < np.log(eff["praise_rate"]) < band.loc["const", 1]


def test_evangelists_refuse_unknown_feedback_kinds():
    events, survey, fb = _ev_tables()
    fb.loc[0, "kind"] = "thanks"
    with pytest.raises(ValueError, match=r"feedback column 'kind' has 1 row\(s\) of an unknown "
                                         r"kind \(e.g. 'thanks'\); use one of"):
        metrics.evangelists(events, survey, fb, wave=None)


def test_paired_nps_comparison_by_hand():
    # Five members answer in both waves; member 6 only in wave 1 and member 7 has no
    # rating in wave 2 (both left out of the pairing). Ratings at the segment edges
    # (6 detractor, 7-8 passive, 9 promoter) move each member's -1/0/+1 score.
    d = pd.DataFrame({
        "member_id": [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 7],
        "wave": [1] * 7 + [2] * 6,
        "recommend": [6, 7, 8, 9, 10, 0, 10, 9, 6, 9, 8, 10, np.nan]})
    res = metrics.compare_nps(d, "wave", 1, 2, id_column="member_id")
    before = np.array([-1, 0, 0, 1, 1])
    after = np.array([1, -1, 1, 0, 1])
    change = after - before
    assert res.paired and res.a.n == res.b.n == 5
    # every row accounted for: 10 compared, member 6's answer and member 7's two left out
    assert res.n_used == 10 and res.excluded == {
        "rows of other groups": 0, "answers of members who did not answer in both": 3,
        "answers without a rating": 0}
    assert res.difference == pytest.approx(100 * change.mean(), rel=1e-12)
    # the standard error of a paired t test on the change (scipy), times 100
    t = stats.ttest_rel(after, before).statistic
    assert res.se == pytest.approx(100 * change.mean() / t, rel=1e-12)
    z = stats.norm.ppf(0.975)
    assert (res.ci_low, res.ci_high) == pytest.approx(
        (res.difference - z * res.se, res.difference + z * res.se), rel=1e-12)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(res.difference / res.se)),
                                        rel=1e-12)
    # exactly two pairs suffice; one does not
    two = d[d["member_id"].isin([1, 2])]
    assert metrics.compare_nps(two, "wave", 1, 2, id_column="member_id").a.n == 2
    with pytest.raises(ValueError, match=r"fewer than two 'member_id' values answered in "
                                         r"both 1 and 2; use the unpaired comparison"):
        metrics.compare_nps(d[d["member_id"].isin([1, 6])], "wave", 1, 2,
                            id_column="member_id")
    with pytest.raises(ValueError, match=r"column 'member_id' has 2 rows with a duplicated "
                                         r"respondent per wave"):
        metrics.compare_nps(pd.concat([d, d.iloc[[8]]], ignore_index=True), "wave", 1, 2,
                            id_column="member_id")
    # unpaired: the Wald z test
    un = metrics.compare_nps(pd.concat([d, d.assign(wave=3)], ignore_index=True), "wave", 1, 2)
    assert un.n_used == 12 and un.excluded == {"rows of other groups": 13,
                                               "answers without a rating": 1}
    assert (un.ci_low, un.ci_high) == pytest.approx(
        (un.difference - z * un.se, un.difference + z * un.se), rel=1e-12)
    assert un.statistic == pytest.approx(un.difference / un.se, rel=1e-12)


def test_referring_promoters_by_hand():
    d = pd.DataFrame({"recommend": [0, 1, 6, 7, 8, 9, 10, 10, np.nan, 5],
                      "referrals": [0, 1, 0, 2, 1, 0, 1, 3, 1, np.nan]})
    res = metrics.referring_promoters(d)
    tab = res.table
    assert tab.columns.tolist() == ["segment", "n", "referred", "share_referred", "ci_low",
                                    "ci_high", "mean_referrals"]
    assert tab["segment"].tolist() == ["detractor", "passive", "promoter"]
    assert tab["n"].tolist() == [3, 2, 3] and tab["referred"].tolist() == [1, 2, 2]
    np.testing.assert_allclose(tab["share_referred"], [1 / 3, 1.0, 2 / 3], rtol=1e-12)
    np.testing.assert_allclose(tab["mean_referrals"], [1 / 3, 1.5, 4 / 3], rtol=1e-12)
    # Wilson intervals, as statsmodels computes them
    from statsmodels.stats.proportion import proportion_confint
    lo, hi = proportion_confint([1, 2, 2], [3, 2, 3], alpha=0.05, method="wilson")
    np.testing.assert_allclose(tab["ci_low"], lo, rtol=1e-10)
    np.testing.assert_allclose(tab["ci_high"], hi, rtol=1e-10)
    assert res.share == pytest.approx(2 / 8, rel=1e-12)  # promoters who referred / used
    assert (res.n_used, res.n_excluded, res.ci) == (8, 2, 0.95)
    two = metrics.referring_promoters(d, min_referrals=2).table
    assert two["referred"].tolist() == [0, 1, 1]
    # a segment nobody is in: no share, no mean
    only = metrics.referring_promoters(d[d["recommend"] >= 9]).table
    assert only["n"].tolist() == [0, 0, 3] and only.loc[:1, ["share_referred",
                                                             "mean_referrals"]].isna().all(
        ).all()
    assert metrics.referring_promoters(d, ci=0.9).ci == 0.9


def test_top_box_by_hand():
    d = pd.DataFrame({"q": [5, 4, 3, 2, 5, None], "r": [1, 1, 2, 3, 4, 4]})
    tab = metrics.top_box(d, ["q", "r"], top=2)
    assert tab.columns.tolist() == ["item", "n", "n_missing", "share", "ci_low", "ci_high"]
    assert tab["item"].tolist() == ["q", "r"] and tab["n"].tolist() == [5, 6]
    assert tab["n_missing"].tolist() == [1, 0]
    np.testing.assert_allclose(tab["share"], [3 / 5, 2 / 6], rtol=1e-12)  # 4 or 5
    from statsmodels.stats.proportion import proportion_confint
    lo, hi = proportion_confint([3, 2], [5, 6], alpha=0.1, method="wilson")
    t90 = metrics.top_box(d, ["q", "r"], top=2, ci=0.9)
    np.testing.assert_allclose(t90[["ci_low", "ci_high"]].to_numpy().T, [lo, hi], rtol=1e-10)
    # a 0-10 scale with its own range; True/False and fractions are not ratings
    ten = pd.DataFrame({"q": [0, 8, 9, 10]})
    assert metrics.top_box(ten, ["q"], low=0, high=10)["share"].iloc[0] == 0.5  # 9 or 10
    assert metrics.top_box(ten, ["q"], low=0, high=10, top=1)["share"].iloc[0] == 0.25
    with pytest.raises(TypeError, match=r"column 'q' holds True/False values, not ratings"):
        metrics.top_box(pd.DataFrame({"q": [True, False]}), ["q"])
    with pytest.raises(ValueError, match=r"column 'q' has 1 non-integer value\(s\) \(e.g. "
                                         r"4.5\); top-box shares needs whole numbers"):
        metrics.top_box(pd.DataFrame({"q": [4.5, 3]}), ["q"])
    with pytest.raises(ValueError, match=r"column 'q' has 1 value\(s\) outside 1-5"):
        metrics.top_box(pd.DataFrame({"q": [0, 3]}), ["q"])
    with pytest.raises(ValueError, match=r"column 'q' has 1 value\(s\) outside 1-5"):
        metrics.top_box(pd.DataFrame({"q": [6, 3]}), ["q"])
    with pytest.raises(ValueError, match=r"top must be at least 1"):
        metrics.top_box(d, ["q"], top=0)


def test_satisfaction_index_weights_by_hand():
    d = pd.DataFrame({"a": [10, 1, 4, np.nan], "b": [10, 1, 7, 5]})
    res = metrics.satisfaction_index(d, ["a", "b"], weights={"a": 1, "b": 3}, low=1, high=10)
    # (x - 1) / 9 * 100, weighted 1/4 and 3/4; the row with a missing item has no score
    want = np.array([100.0, 0.0, 0.25 * 100 / 3 + 0.75 * 200 / 3, np.nan])
    np.testing.assert_allclose(res.scores, want, rtol=1e-12)
    assert res.scores.name == "satisfaction_index" and res.weights.name == "weight"
    assert res.weights.tolist() == [0.25, 0.75]
    assert (res.n, res.n_missing) == (3, 1)
    assert res.index == pytest.approx(np.nanmean(want), rel=1e-12)
    assert res.to_frame().columns.tolist() == ["index", "ci_low", "ci_high", "n", "n_missing",
                                               "weight_a", "weight_b"]
    # a zero weight leaves an item out; a half weight is a weight
    zero = metrics.satisfaction_index(d, ["a", "b"], weights={"a": 0, "b": 1}, low=1, high=10)
    np.testing.assert_allclose(zero.scores.iloc[:3], [100.0, 0.0, 200 / 3], rtol=1e-12)
    half = metrics.satisfaction_index(d, ["a", "b"], weights={"a": 0.5, "b": 0.5}, low=1,
                                      high=10)
    assert half.weights.tolist() == [0.5, 0.5]
    equal = metrics.satisfaction_index(d, ["a", "b"], low=1, high=10)
    assert equal.weights.tolist() == [0.5, 0.5]
    for bad in ({"a": 0, "b": 0}, {"a": -1, "b": 2}, {"a": 1}):
        with pytest.raises(ValueError, match=r"weights must give a non-negative number for "
                                             r"every item \['a', 'b'\]"):
            metrics.satisfaction_index(d, ["a", "b"], weights=bad, low=1, high=10)
    with pytest.raises(ValueError, match=r"weights must be one of 'equal', 'estimated'"):
        metrics.satisfaction_index(d, ["a", "b"], weights="loadings", low=1, high=10)
    with pytest.raises(TypeError, match=r"column 'a' holds True/False values"):
        metrics.satisfaction_index(d.assign(a=True), ["a", "b"], low=1, high=10)


def test_evangelists_with_nothing_to_count_and_at_the_regular_rate():
    events, survey, fb = _ev_tables()
    # member 5 answered but used nothing, praised nothing, suggested nothing: zeros, counted
    five = pd.concat([survey, pd.DataFrame({"member_id": [5], "date": survey["date"][:1],
                                            "referrals": [0], "recommend": [7]})],
                     ignore_index=True)
    ev = metrics.evangelists(events, five, fb, wave=None, recommend="recommend")
    assert ev.data.loc[5, ["uses", "referrals", "praise", "suggestions"]].tolist() == [0] * 4
    assert all(ev.data[c].dtype == np.int64 for c in ("uses", "referrals", "praise",
                                                       "suggestions"))
    assert ev.by_segment.set_index("segment").loc["passive", "n"] == 1
    # regular use at exactly the rate (12 uses in 365 days, as uses per 365.25-day year)
    # counts; a hair above does not
    rate = 12 * 365.25 / 365
    at = metrics.evangelists(events, survey, fb, wave=None, regular_per_year=rate)
    assert bool(at.data.loc[1, "regular use"])
    above = metrics.evangelists(events, survey, fb, wave=None, regular_per_year=rate + 1e-9)
    assert not above.data.loc[1, "regular use"]
    # no answer with a referral count: refused, not a table of NaN
    with pytest.raises(ValueError, match=r"survey has no answer with both a date and a "
                                         r"referral count \(of 4\); fill column 'referrals'"):
        metrics.evangelists(events, survey.assign(referrals=np.nan), fb, wave=None)


def test_evangelists_options_and_their_refusals():
    events, survey, fb = _ev_tables()
    # regular use from 11 uses a year: member 2 (11 uses) now counts as regular; any
    # positive rate is a rate (0.5 a year), 0 and True are not
    ev = metrics.evangelists(events, survey, fb, wave=None, regular_per_year=11)
    assert ev.data["regular use"].tolist() == [True, True, True, True]
    assert metrics.evangelists(events, survey, fb, wave=None, regular_per_year=0.5).n_used == 4
    for bad in (0, -1, True, "12"):
        with pytest.raises(ValueError, match=r"regular_per_year must be a positive number of "
                                             r"uses, got "):
            metrics.evangelists(events, survey, fb, wave=None, regular_per_year=bad)
    with pytest.raises(ValueError, match=r"^ci must be strictly between 0 and 1, got 1.5$"):
        metrics.evangelists(events, survey, fb, wave=None, ci=1.5)
    with pytest.raises(ValueError, match=r"^window_days must be at least 1, got 0$"):
        metrics.evangelists(events, survey, fb, wave=None, window_days=0)
    # a shorter window: the praise 20 days before no longer counts with 15 days
    short = metrics.evangelists(events, survey, fb, wave=None, window_days=15)
    assert not short.data["suggests improvements"].any()
    # the latest wave's answer of each member; earlier ones counted
    two = pd.concat([survey.assign(wave=1, referrals=0), survey.assign(wave=2)],
                    ignore_index=True)
    tw = metrics.evangelists(events, two, fb)
    assert tw.data["evangelist"].tolist() == [True, False, False, False]
    assert tw.excluded["earlier answers of the same member"] == 4
    with pytest.raises(ValueError, match=r"column 'member_id' has 8 rows with a duplicated "
                                         r"member"):
        metrics.evangelists(events, two, fb, wave=None)
    # an answer without a date or a referral count is left out and counted
    gap = survey.assign(referrals=[1, 3, None, 2])
    g = metrics.evangelists(events, gap, fb, wave=None)
    assert g.n_used == 3 and g.excluded["answers without a date or a referral count"] == 1
    with pytest.raises(ValueError, match=r"column 'referrals' has 1 non-integer value\(s\)"):
        metrics.evangelists(events, survey.assign(referrals=[1, 2.5, 0, 2]), fb, wave=None)
    # feedback without a kind or a date: left out, counted
    fbg = fb.assign(kind=[None, *fb["kind"].iloc[1:]])
    fbg.loc[1, "date"] = None
    e2 = metrics.evangelists(events, survey, fbg, wave=None)
    assert e2.excluded["feedback rows without a kind or a date"] == 2


def test_loyalty_index_and_segments_by_hand():
    p = pd.DataFrame({"satisfaction_z": [1.0, -1.0, 0.5, 0.0],
                      "referral_z": [0.0, 1.0, -1.0, np.nan],
                      "attitude_z": [1.0, -1.0, 0.2, 0.1], "use_rate_z": [1.0, 1.0, -1.0, 0.0]})
    idx = metrics.loyalty_index(p, weights={"satisfaction": 3, "referral": 1})
    raw = 0.75 * p["satisfaction_z"] + 0.25 * p["referral_z"]
    want = 50 + 10 * (raw - raw.mean()) / raw.std(ddof=1)
    np.testing.assert_allclose(idx, want, rtol=1e-12)
    assert idx.name == "loyalty_index" and np.isnan(idx.iloc[3])
    # the default: equal weights over the factors present
    eq = metrics.loyalty_index(p)
    raw = p[["satisfaction_z", "referral_z"]].mean(axis=1, skipna=False)
    np.testing.assert_allclose(eq, 50 + 10 * (raw - raw.mean()) / raw.std(ddof=1),
                               rtol=1e-12)
    with pytest.raises(ValueError, match=r"unknown factor\(s\) in weights: \['loyalty'\]; "
                                         r"use \["):
        metrics.loyalty_index(p, weights={"loyalty": 1})
    for bad in ({"satisfaction": -1, "referral": 2}, {"satisfaction": 0, "referral": 0}):
        with pytest.raises(ValueError, match=r"^weights must be non-negative and not all "
                                             r"zero$"):
            metrics.loyalty_index(p, weights=bad)
    with pytest.raises(ValueError, match=r"profile has no column 'satisfaction_z', "
                                         r"'relationship_z'"):
        metrics.loyalty_index(p[["attitude_z"]])
    # segments: above the quantile on each dimension
    seg = metrics.loyalty_segments(p)
    assert seg.astype(str).tolist() == ["true", "spurious", "latent", "no loyalty"]
    assert seg.name == "segment"
    sens = metrics.segment_sensitivity(p, quantiles=(0.5,))
    assert sens.columns.tolist() == ["attitude_quantile", "usage_quantile", "true", "latent",
                                     "spurious", "no loyalty", "n", "n_missing"]
    assert sens.iloc[0, 2:6].tolist() == [0.25, 0.25, 0.25, 0.25]
    assert sens.iloc[0, 6:].tolist() == [4, 0]
    # a member without a usage score: shares of the three others, the fourth counted
    gap = metrics.segment_sensitivity(p.assign(use_rate_z=[np.nan, *p["use_rate_z"][1:]]),
                                      quantiles=(0.5,))
    assert gap[["n", "n_missing"]].iloc[0].tolist() == [3, 1]
    assert gap.iloc[0, 2:6].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"attitude_quantile must be strictly between 0 and "
                                         r"1, got 1.0"):
        metrics.loyalty_segments(p, attitude_quantile=1)


def test_service_gaps_zones_and_columns_by_hand():
    # LibQUAL+ zones of tolerance: perceived below the minimum, between, above the desired;
    # a mean exactly on the minimum or on the desired level is within the zone
    d = pd.DataFrame({"a_min": [4, 6], "a_des": [8, 8], "a_per": [3, 3],     # 3 < 5: below
                      "b_min": [4, 6], "b_des": [8, 8], "b_per": [5, 5],     # = 5: within
                      "c_min": [4, 6], "c_des": [7, 7], "c_per": [7, 7],     # = 7: within
                      "e_min": [4, 6], "e_des": [7, 7], "e_per": [8, 9]})    # 8.5 > 7: above
    g = metrics.service_gaps(d, {"x": ["a", "b"], "y": ["c", "e"]})
    assert g.columns.tolist() == ["name", "dimension", "level", "minimum", "desired",
                                  "perceived", "adequacy", "adequacy_ci_low",
                                  "adequacy_ci_high", "superiority", "superiority_ci_low",
                                  "superiority_ci_high", "n", "n_missing", "zone"]
    items = g[g["level"] == "item"].set_index("name")
    assert items["zone"].to_dict() == {"a": "below minimum", "b": "within zone",
                                       "c": "within zone", "e": "above desired"}
    assert items["dimension"].to_dict() == {"a": "x", "b": "x", "c": "y", "e": "y"}
    # adequacy = perceived - minimum, superiority = perceived - desired (means over members)
    assert items.loc["a", ["adequacy", "superiority"]].tolist() == [-2.0, -5.0]
    assert items.loc["e", ["adequacy", "superiority"]].tolist() == [3.5, 1.5]
    dims = g[g["level"] == "dimension"].set_index("name")
    assert dims.index.tolist() == ["x", "y"] and dims["dimension"].tolist() == ["x", "y"]
    # a dimension is scored per member (the mean of its items), so n counts members
    assert dims.loc["x", "perceived"] == 4.0 and dims.loc["x", "n"] == 2
    # a respondent short of one rating is counted, not used, for that item; a dimension
    # uses what the respondent rated of its items (every rating of b is there)
    short = pd.concat([d, d.iloc[[0]].assign(a_des=np.nan)], ignore_index=True)
    gs = metrics.service_gaps(short, {"x": ["a", "b"], "y": ["c", "e"]}).set_index("name")
    assert gs.loc["a", ["n", "n_missing"]].tolist() == [2, 1]
    assert gs.loc["b", ["n", "n_missing"]].tolist() == [3, 0]
    assert gs.loc["x", ["n", "n_missing"]].tolist() == [3, 0]
    assert gs.loc["a", "adequacy"] == -2.0  # the two complete rows' gap
    assert ((gs["n"] + gs["n_missing"]) == len(short)).all()


def test_nps_comparison_as_a_table():
    d = pd.DataFrame({"wave": [1] * 4 + [2] * 4, "recommend": [10, 9, 3, 8, 10, 10, 9, 2]})
    c = metrics.compare_nps(d, "wave", 1, 2)
    t = c.to_frame()
    assert t.columns.tolist() == ["nps_a", "nps_b", "difference", "se", "ci_low", "ci_high",
                                  "statistic", "p_value", "n_a", "n_b", "paired"]
    assert t.iloc[0].tolist() == [c.a.nps, c.b.nps, c.difference, c.se, c.ci_low, c.ci_high,
                                  c.statistic, c.p_value, 4, 4, False]


# --- survivors of a from-scratch test-mutation run (issue 24) ---------------------------------

def _profile(n: int = 40, seed: int = 3) -> pd.DataFrame:
    from loyaltylab.schema import FACTORS

    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, len(FACTORS))),
                        columns=[f"{f}_z" for f in FACTORS],
                        index=pd.Index(np.arange(100, 100 + n), name="member_id"))


def test_loyalty_index_keeps_the_members_index_and_a_zero_weight():
    from loyaltylab.schema import FACTORS

    p = _profile()
    idx = metrics.loyalty_index(p)
    assert idx.index.equals(p.index)  # aligned with the members, not 0..n-1
    # a zero weight leaves the factor out: the same index as without its column
    w = {f: 1.0 for f in FACTORS} | {FACTORS[0]: 0.0}
    without = p.drop(columns=[f"{FACTORS[0]}_z"])
    np.testing.assert_allclose(metrics.loyalty_index(p, weights=w),
                               metrics.loyalty_index(without, weights={
                                   f: 1.0 for f in FACTORS[1:]}), rtol=1e-12)
    # weights are relative: doubling them all changes nothing
    np.testing.assert_allclose(metrics.loyalty_index(p, weights={f: 2.0 for f in FACTORS}),
                               metrics.loyalty_index(p, weights={f: 1.0 for f in FACTORS}),
                               rtol=1e-12)


def test_loyalty_index_refusals_name_the_index():
    with pytest.raises(ValueError, match=r"needed for a loyalty index"):
        metrics.loyalty_index(pd.DataFrame({"x": [1.0]}))
    p = _profile().astype(object)
    p.iloc[0, 0] = "high"
    with pytest.raises(TypeError, match=r"non-numeric value.*; a loyalty index needs numbers"):
        metrics.loyalty_index(p)


def test_compare_nps_groups_are_nps_wald_at_the_level_asked():
    rng = np.random.default_rng(8)
    d = pd.DataFrame({"wave": np.repeat([1, 2], 150), "likely": rng.integers(0, 11, 300)})
    res = metrics.compare_nps(d, "wave", 1, 2, column="likely", ci=0.9)
    want = metrics.nps(d[d["wave"] == 1], "likely", method="wald", ci=0.9)
    assert (res.a.nps, res.a.ci_low, res.a.ci_high) == (want.nps, want.ci_low, want.ci_high)


def test_paired_compare_nps_reads_ratings_written_as_text():
    rng = np.random.default_rng(9)
    d = pd.DataFrame({"wave": np.repeat([1, 2], 60), "member": np.tile(np.arange(60), 2),
                      "recommend": rng.integers(0, 11, 120)})
    num = metrics.compare_nps(d, "wave", 1, 2, id_column="member")
    text = metrics.compare_nps(d.assign(recommend=d["recommend"].astype(str)), "wave", 1, 2,
                               id_column="member")
    assert (text.difference, text.se) == (num.difference, num.se)


def test_paired_compare_nps_refusals():
    d = pd.DataFrame({"wave": [1, 1, 2, 2, 3], "member": [1, 2, 1, 2, 3],
                      "recommend": [9, 7, 10, 3, 5]})
    with pytest.raises(ValueError, match="data has no column 'who'"):
        metrics.compare_nps(d, "wave", 1, 2, id_column="who")
    twice_in_a = pd.concat([d, d.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"2 rows with a duplicated respondent per wave"):
        metrics.compare_nps(twice_in_a, "wave", 1, 2, id_column="member")
    twice_in_b = pd.concat([d, d.iloc[[2]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"2 rows with a duplicated respondent per wave"):
        metrics.compare_nps(twice_in_b, "wave", 1, 2, id_column="member")
    # a duplicate in a third wave is not this comparison's concern
    other = pd.concat([d, d.iloc[[4]]], ignore_index=True)
    assert metrics.compare_nps(other, "wave", 1, 2, id_column="member").paired


def test_compare_nps_lists_ten_groups_at_most():
    d = pd.DataFrame({"g": np.arange(12), "recommend": 9})
    with pytest.raises(ValueError) as err:
        metrics.compare_nps(d, "g", 0, 99)
    assert str(err.value).endswith("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]")


def test_top_box_of_an_unanswered_item_is_nan():
    d = pd.DataFrame({"q1": [5, 4, 2], "q2": [np.nan] * 3})
    t = metrics.top_box(d, ["q1", "q2"], low=1, high=5).set_index("item")
    assert t.loc["q2", "n"] == 0 and np.isnan(t.loc["q2", "share"])
    assert t.loc["q1", "share"] == pytest.approx(2 / 3)


def test_estimated_weights_warn_as_omega_does_but_refuse_in_their_own_words():
    rng = np.random.default_rng(3)
    sv = pd.DataFrame(rng.integers(1, 11, (60, 3)), columns=["sat1", "sat2", "x"]).astype(float)
    # a third item that is nearly the sum of the others: a Heywood case, which still warns
    heywood = sv.assign(sat3=sv["sat1"] + sv["sat2"] - 1).clip(1, 10)
    with pytest.warns(UserWarning, match="Heywood case"):
        metrics.satisfaction_index(heywood, ["sat1", "sat2", "sat3"], weights="estimated")
    # two reverse-worded items: refused, naming both, with no warning from omega before it
    s = pd.DataFrame(rng.normal(size=(300, 1)) + rng.normal(scale=0.6, size=(300, 4)),
                     columns=["a", "b", "c", "d"])
    s[["c", "d"]] *= -1
    d = (s * 1.5 + 5.5).clip(1, 10)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^item\(s\) 'c' \(-0\.\d\d\), 'd' \(-0\.\d\d\) "
                                             r"load negatively or not at all"):
            metrics.satisfaction_index(d, ["a", "b", "c", "d"], weights="estimated")


def test_satisfaction_index_weights_given_as_text_numbers():
    d = pd.DataFrame({"sat1": [1, 5, 10], "sat2": [2, 6, 9], "sat3": [3, 3, 3]})
    text = metrics.satisfaction_index(d, weights={"sat1": "2", "sat2": "1", "sat3": "1"})
    num = metrics.satisfaction_index(d, weights={"sat1": 2, "sat2": 1, "sat3": 1})
    assert text.index == num.index and text.weights.tolist() == [0.5, 0.25, 0.25]


def test_nps_by_group_passes_its_options_on_and_keeps_only_groups_present():
    rng = np.random.default_rng(4)
    g = pd.Categorical(rng.choice(["b", "a"], 200), categories=["b", "a", "unused"])
    d = pd.DataFrame({"g": g, "likely": rng.integers(0, 11, 200)})
    out = metrics.nps_by_group(d, "g", column="likely", method="wald", ci=0.9)
    assert out["group"].tolist() == ["b", "a"] and out.index.equals(pd.RangeIndex(2))
    for _, row in out.iterrows():
        want = metrics.nps(d[d["g"] == row["group"]], "likely", method="wald", ci=0.9)
        assert (row["nps"], row["ci_low"], row["ci_high"]) == (want.nps, want.ci_low,
                                                               want.ci_high)


def test_segment_sensitivity_reads_the_usage_column_and_shows_empty_segments_as_zero():
    from loyaltylab.schema import SEGMENTS

    p = pd.DataFrame({"att": [1.0, 2, 3, 4, 5, 6], "use": [1.0, 2, 3, 4, 5, 6]})
    t = metrics.segment_sensitivity(p, attitude="att", usage="use", quantiles=(0.5,))
    row = t.iloc[0]
    # attitude and use rise together: no one is latent or spurious, and those shares are 0
    seg = metrics.loyalty_segments(p, "att", "use")
    for s in SEGMENTS:
        assert row[s] == (seg == s).mean()
    assert (row[list(SEGMENTS)] == 0).sum() == 2


def test_segment_sensitivity_splits_each_dimension_at_its_own_quantile():
    # attitude and usage unrelated: each pair of split points gives its own shares, the
    # members above the attitude quantile being the true and latent ones, above the usage
    # quantile the true and spurious ones
    rng = np.random.default_rng(3)
    p = pd.DataFrame({"attitude_z": rng.normal(size=400), "use_rate_z": rng.normal(size=400)})
    t = metrics.segment_sensitivity(p, quantiles=(0.3, 0.7)).set_index(
        ["attitude_quantile", "usage_quantile"])
    for (qa, qu), row in t.iterrows():
        seg = metrics.loyalty_segments(p, attitude_quantile=qa, usage_quantile=qu)
        assert row["true"] + row["latent"] == pytest.approx(1 - qa)
        assert row["true"] + row["spurious"] == pytest.approx(1 - qu)
        assert row["true"] == (seg == "true").mean()
    assert t.loc[(0.3, 0.7), "latent"] != t.loc[(0.7, 0.3), "latent"]
    with pytest.raises(ValueError, match=r"usage_quantile must be strictly between 0 and 1, "
                                         r"got 1.0"):
        metrics.loyalty_segments(p, usage_quantile=1)


def test_service_gaps_refuse_true_false_answers():
    d = pd.DataFrame({"q_min": [True, False], "q_des": [7, 8], "q_per": [6, 7]})
    with pytest.raises(TypeError, match=r"column 'q_min' holds True/False values"):
        metrics.service_gaps(d, {"a": ["q"]})


def test_satisfaction_index_interval_is_the_t_interval_at_the_level_asked():
    d = pd.DataFrame({"sat1": [1, 5, 10, 7, 8], "sat2": [2, 6, 9, 7, 7],
                      "sat3": [3, 3, 3, 9, np.nan]})
    res = metrics.satisfaction_index(d, ci=0.9)
    scores = ((d - 1) / 9 * 100).mean(axis=1).where(d.notna().all(axis=1)).dropna()
    lo, hi = stats.t.interval(0.9, len(scores) - 1, loc=scores.mean(), scale=stats.sem(scores))
    assert res.index == pytest.approx(scores.mean(), rel=1e-12)
    assert (res.ci_low, res.ci_high) == (pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))
    assert res.ci == 0.9 and (res.n, res.n_missing) == (4, 1)


def test_evangelists_name_a_missing_recommend_column():
    from tests.test_properties import _frames

    f = _frames()
    with pytest.raises(ValueError, match=r"survey has no column 'likely'"):
        metrics.evangelists(f["visits"], f["survey1"], f["fb"], wave=None, recommend="likely")


def test_evangelists_without_a_wave_column_and_with_mixed_waves():
    from tests.test_properties import _frames

    f = _frames()
    s = f["survey1"]
    # the default wave="wave" on a survey without that column: one answer per member
    no_wave = s.drop(columns=["wave"]) if "wave" in s else s
    got = metrics.evangelists(f["visits"], no_wave, f["fb"])
    want = metrics.evangelists(f["visits"], no_wave, f["fb"], wave=None)
    assert got.counts == want.counts
    mixed = s.assign(wave=s.get("wave", 1)).astype({"wave": object})
    mixed.loc[mixed.index[0], "wave"] = "spring"
    with pytest.raises(ValueError, match=r"evangelists \(the latest wave\) needs one type"):
        metrics.evangelists(f["visits"], mixed, f["fb"])


def test_evangelists_count_complaints_as_left_out_of_the_definition():
    survey = pd.DataFrame({"member_id": [1, 2], "date": ["2024-06-01"] * 2,
                           "referrals": [2, 0]})
    events = pd.DataFrame({"member_id": [1, 1, 2], "date": ["2024-01-05", "2024-02-05",
                                                            "2024-03-01"]})
    feedback = pd.DataFrame({"member_id": [1, 1, 2, 2], "date": ["2024-05-01"] * 4,
                             "kind": ["praise", "complaint", "complaint", "suggestion"]})
    res = metrics.evangelists(events, survey, feedback, wave=None)
    assert res.excluded["complaints (not part of the definition)"] == 2
    assert res.data.loc[1, "praise"] == 1 and res.data.loc[2, "suggestions"] == 1


def test_evangelists_result_carries_its_settings_and_the_all_four_interval():
    survey = pd.DataFrame({"member_id": [1, 2, 3], "date": ["2024-06-01"] * 3,
                           "referrals": [2, 0, 1]})
    events = pd.DataFrame({"member_id": [1] * 8 + [3] * 8,
                           "date": [f"2024-0{m}-0{d}" for m in (2, 3, 4, 5) for d in (1, 2)] * 2})
    feedback = pd.DataFrame({"member_id": [1, 1, 3, 3, 2], "date": ["2024-05-01"] * 5,
                             "kind": ["praise", "suggestion", "praise", "suggestion",
                                      "complaint"]})
    res = metrics.evangelists(events, survey, feedback, wave=None, regular_per_year=6,
                              window_days=200, ci=0.9)
    assert (res.regular_per_year, res.window_days, res.ci) == (6.0, 200, 0.9)
    assert res.n_feedback_used == 4  # the complaint is not feedback of the definition
    last = res.table.iloc[-1]  # all four criteria, with its Wilson interval at 0.9
    assert (res.share, res.ci_low, res.ci_high) == (last["share"], last["ci_low"],
                                                    last["ci_high"])
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(2, 3, alpha=0.1, method="wilson")
    assert res.share == pytest.approx(2 / 3) and (res.ci_low, res.ci_high) == (
        pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))


def test_loyalty_segments_at_the_split_keep_index_and_all_four_categories():
    from loyaltylab.schema import SEGMENTS

    p = pd.DataFrame({"attitude_z": [1.0, 2, 3, 4, 5], "use_rate_z": [1.0, 2, 3, 4, 5]},
                     index=pd.Index([10, 11, 12, 13, 14], name="member_id"))
    seg = metrics.loyalty_segments(p)
    # a member exactly at the median is not above it: low on both dimensions
    assert seg.loc[12] == seg.loc[10] == "no loyalty"
    assert seg.loc[13] == seg.loc[14] == "true"
    assert seg.index.equals(p.index)
    assert list(seg.cat.categories) == list(SEGMENTS)  # empty segments stay categories
    with pytest.raises(ValueError, match="usage_quantile"):
        metrics.loyalty_segments(p, usage_quantile=1.5)


def test_nps_bootstrap_defaults_are_2000_draws_from_seed_0():
    d = pd.DataFrame({"recommend": np.random.default_rng(2).integers(0, 11, 80)})
    a = metrics.nps(d, method="bootstrap")
    b = metrics.nps(d, method="bootstrap", n_boot=2000, seed=0)
    # (the interval's ends are NPS values, steps of 1.25 here, that one draw more or less can
    # leave alone; the draws' standard deviation moves with every draw)
    assert (a.ci_low, a.ci_high, a.se) == (b.ci_low, b.ci_high, b.se)
    assert a.se != metrics.nps(d, method="bootstrap", n_boot=2001, seed=0).se
    c = metrics.nps(d, method="bootstrap", n_boot=2000, seed=1)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)


def test_nps_bootstrap_se_and_the_mean_rating_interval_by_hand():
    x = np.array([10, 9, 9, 8, 7, 6, 3, 10, 0, 9] * 5)
    res = metrics.nps(pd.DataFrame({"recommend": x}), method="bootstrap", n_boot=500, seed=7,
                      ci=0.9)
    # the same multinomial draws of the three counts, by hand
    rng = np.random.default_rng(7)
    draws = rng.multinomial(50, [25 / 50, 10 / 50, 15 / 50], size=500)  # 25 / 10 / 15
    boot = (draws[:, 0] - draws[:, 2]) / 50
    assert res.se == pytest.approx(100 * boot.std(ddof=1), rel=1e-12)
    lo, hi = stats.t.interval(0.9, 49, loc=x.mean(), scale=stats.sem(x))
    assert (res.mean_ltr_ci_low, res.mean_ltr_ci_high) == (pytest.approx(lo, rel=1e-12),
                                                           pytest.approx(hi, rel=1e-12))
    assert res.ci == 0.9


def test_activity_retention_by_quarter_by_hand():
    m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2022-12-01"] * 3,
                      "lapsed": [None] * 3})
    e = pd.DataFrame({"member_id": [1, 1, 2, 3, 1],
                      "date": ["2023-01-15", "2023-04-03", "2023-02-01", "2023-05-05",
                               "2023-07-01"]})
    r = metrics.retention_rate(m, "2023-12-31", basis="activity", period="quarter",
                               events=e).data
    # Q1 {1, 2} -> Q2 {1, 3}: 1 of 2; Q2 -> Q3 {1}: 1 of 2; Q3 -> Q4 {}: 0 of 1
    assert r["period"].astype(str).tolist() == ["2023Q1", "2023Q2", "2023Q3"]
    assert r["present"].tolist() == [2, 2, 1]
    assert r["retention_rate"].tolist() == [0.5, 0.5, 0.0]


def test_membership_retention_labels_everyone_and_leaves_no_one_out():
    m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2021-01-01"] * 3,
                      "lapsed": [None, "2022-06-01", None]})
    r = metrics.retention_rate(m, "2023-12-31")
    assert set(r.data["group"]) == {"all members"} and r.excluded == {}


def test_activity_retention_reads_the_whole_event_row_and_the_users_connection():
    from loyaltylab import eventlog

    m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2022-12-01"] * 3,
                      "lapsed": [None] * 3})
    e = pd.DataFrame({"member_id": [1, 1, 2, 3, 1, 1],
                      "date": ["2023-01-15", "2023-04-03", "2023-02-01", "2023-05-05",
                               "2023-07-01", "2023-07-01"],
                      "type": ["issue", "issue", "issue", "issue", "issue", "renew"]})
    r = metrics.retention_rate(m, "2023-12-31", basis="activity", period="quarter", events=e)
    # an issue and a renewal on one day are two events, not a repeated row
    assert r.excluded["events: duplicates"] == 0
    con = eventlog.connect()
    con.register("ev", e.assign(date=pd.to_datetime(e["date"])))
    on_con = metrics.retention_rate(m, "2023-12-31", basis="activity", period="quarter",
                                    events=con.table("ev"), con=con)
    assert on_con.data["retention_rate"].tolist() == r.data["retention_rate"].tolist()
    with pytest.raises(TypeError, match="usage measures needs dates"):
        metrics.retention_rate(m, "2023-12-31", basis="activity", period="quarter",
                               events=e.assign(date=["x", *e["date"][1:]]))


def test_activity_retention_by_year_by_hand():
    m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2020-06-01"] * 3,
                      "lapsed": [None] * 3})
    e = pd.DataFrame({"member_id": [1, 1, 2, 3, 3],
                      "date": ["2021-03-01", "2022-03-01", "2021-05-01", "2022-05-01",
                               "2023-01-10"]})
    r = metrics.retention_rate(m, "2023-12-31", basis="activity", period="year",
                               events=e).data
    # 2020 {}; 2021 {1, 2} -> 2022 {1, 3}: 1 of 2; 2022 {1, 3} -> 2023 {3}: 1 of 2
    got = r.set_index(r["period"].astype(str))
    assert got.loc["2021", "retention_rate"] == 0.5 and got.loc["2022", "retention_rate"] == 0.5
    assert got.loc["2022", "present"] == 2


def test_retention_periods_at_their_edges():
    # member 1 joined on the last day of 2022: present in 2022; member 2 lapsed on 2023-01-01,
    # the first day of 2023: a member of 2022 who did not stay; member 3 lapsed mid-2022
    m = pd.DataFrame({"member_id": [1, 2, 3, 4], "joined": ["2022-12-31", "2021-01-01",
                                                            "2021-01-01", "2021-01-01"],
                      "lapsed": [None, "2023-01-01", "2022-06-01", None]})
    r = metrics.retention_rate(m, "2024-12-31").data.set_index("period")
    assert r.loc["2022", "present"] == 3 and r.loc["2022", "retained"] == 2
    e = pd.DataFrame({"member_id": [1, 2, 4, 1, 4, 4],
                      "date": ["2022-12-31", "2022-05-01", "2022-07-01", "2023-02-01",
                               "2023-03-01", "2024-03-01"]})
    a = metrics.retention_rate(m, "2024-12-31", basis="activity", events=e).data
    a = a.set_index("period")
    # members during 2022: all four (1 joined on its last day, 3 left in June); active 1, 2, 4
    assert a.loc["2022", "members"] == 4 and a.loc["2022", "present"] == 3
    assert a.loc["2022", "retained"] == 2  # 1 and 4 active again in 2023
    # members during 2023: 1 and 4 only (2 left as it began, 3 the year before)
    assert a.loc["2023", "members"] == 2 and a.loc["2023", "retained"] == 1


def test_retention_rate_says_its_basis_and_keeps_its_columns_before_any_period_ends():
    m = pd.DataFrame({"member_id": [1, 2], "joined": ["2023-03-01", "2023-04-01"],
                      "lapsed": [None, None]})
    e = pd.DataFrame({"member_id": [1, 2], "date": ["2023-05-02", "2023-06-03"]})
    act = metrics.retention_rate(m, "2023-12-31", basis="activity", events=e)
    assert act.basis == "activity"
    # 2023 is the only year and has no next one: no rate yet, but the table has its columns
    # (a group-by or a merge on it then works as on any other)
    assert act.data.empty and act.data.columns.tolist() == [
        "group", "period", "present", "retained", "retention_rate", "ci_low", "ci_high",
        "members", "active_share"]
    by_membership = metrics.retention_rate(m, "2023-12-31")
    assert by_membership.basis == "membership" and by_membership.data.empty
    assert by_membership.data.columns.tolist() == act.data.columns.tolist()[:7]


def test_retention_rate_intervals_are_wilson_at_the_level_asked():
    from statsmodels.stats.proportion import proportion_confint

    m = pd.DataFrame({"member_id": range(1, 11), "joined": ["2021-01-01"] * 10,
                      "lapsed": [None] * 7 + ["2022-06-01"] * 3})
    res = metrics.retention_rate(m, "2023-12-31", ci=0.9)
    assert (res.basis, res.ci) == ("membership", 0.9)
    r = res.data.set_index("period")
    lo, hi = proportion_confint(7, 10, alpha=0.1, method="wilson")
    assert (r.loc["2021", "retained"], r.loc["2021", "present"]) == (7, 10)
    assert (r.loc["2021", "ci_low"], r.loc["2021", "ci_high"]) == (
        pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))


def test_loyalty_profile_default_window_is_a_year_of_365_days(lib):
    a = metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of).data
    b = metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of,
                                window_days=365).data
    c = metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of,
                                window_days=366).data
    pd.testing.assert_frame_equal(a, b)
    assert not a["use_rate"].equals(c["use_rate"])


def test_loyalty_profile_without_waves_counts_no_earlier_responses(lib):
    one = lib.survey.drop_duplicates("member_id", keep="last").drop(columns=["wave"])
    res = metrics.loyalty_profile(lib.members, lib.visits, one, lib.as_of)
    assert res.excluded["earlier responses of a member (the latest is used)"] == 0
    assert res.n_used + sum(res.excluded.values()) == len(one)


def test_loyalty_profile_index_is_the_member_and_mixed_waves_are_named(lib):
    res = metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of)
    assert res.data.index.name == "member_id"
    mixed = lib.survey.astype({"wave": object})
    mixed.loc[mixed.index[0], "wave"] = "spring"
    with pytest.raises(ValueError, match=r"a loyalty profile \(the latest wave\) needs one "
                                         r"type"):
        metrics.loyalty_profile(lib.members, lib.visits, mixed, lib.as_of)


def test_loyalty_profile_scores_are_standardized_over_complete_members(lib):
    from loyaltylab.metrics.loyalty import ATTITUDE_SCALES

    res = metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of)
    p = res.data
    complete = p[[*res.factors, "use_rate"]].notna().all(axis=1)
    assert (res.n_complete, res.n_incomplete) == (int(complete.sum()), int((~complete).sum()))
    assert res.n_incomplete > 0  # (the standardization must skip them)
    for c in [*(f"{f}_z" for f in res.factors), "use_rate_z", "attitude_z"]:
        assert p.loc[complete, c].mean() == pytest.approx(0, abs=1e-12)
        assert p.loc[complete, c].std(ddof=1) == pytest.approx(1, rel=1e-12)
    raw = p["use_rate"]
    np.testing.assert_allclose(p["use_rate_z"], (raw - raw[complete].mean())
                               / raw[complete].std(ddof=1), rtol=1e-12)
    # attitude: the mean of the attitude factors' z, NaN when one is missing
    att = p[[f"{f}_z" for f in ATTITUDE_SCALES]]
    assert p["attitude_z"].isna().equals(att.isna().any(axis=1))
    use = metrics.usage_summary(lib.members, lib.visits, lib.as_of)
    assert res.events_excluded == dict(use.excluded)


def test_checked_events_carry_each_members_join_date_and_end():
    m = pd.DataFrame({"member_id": [1, 2], "joined": ["2022-01-01", "2022-03-01"],
                      "lapsed": [None, "2023-02-01"]})
    e = pd.DataFrame({"member_id": [1, 2, 2], "date": ["2022-05-01", "2022-04-01",
                                                       "2023-06-01"]})
    r = metrics.check_events(m, e, "2023-12-31")
    assert r.data["joined"].tolist() == [pd.Timestamp("2022-01-01"), pd.Timestamp("2022-03-01")]
    # a member still present ends at as_of; the other at the lapse
    assert r.data["end"].tolist() == [pd.Timestamp("2023-12-31"), pd.Timestamp("2023-02-01")]
    assert r.excluded["after leaving"] == 1


def test_loyalty_index_weights_given_as_text_numbers():
    from loyaltylab.schema import FACTORS

    p = _profile()
    text = metrics.loyalty_index(p, weights={f: "2" for f in FACTORS})
    num = metrics.loyalty_index(p, weights={f: 2 for f in FACTORS})
    pd.testing.assert_series_equal(text, num)


def test_usage_counts_stay_whole_numbers_when_no_member_has_a_use():
    # the counts come from DuckDB as BIGINT; with no event left they are the zeros filled in
    m = pd.DataFrame({"member_id": [1, 2], "joined": ["2023-01-01", "2023-02-01"],
                      "lapsed": [None, None]})
    for events in (pd.DataFrame({"member_id": [7], "date": ["2023-05-01"]}),
                   pd.DataFrame({"member_id": [1], "date": ["2023-05-01"]})):
        d = metrics.usage_summary(m, events, as_of="2023-12-31").data
        assert d["frequency"].dtype == np.int64 and d["use_days"].dtype == np.int64
        assert d["frequency"].sum() == (events["member_id"] == 1).sum()
    # every member with a use: recency still in days as floats (NaN where there is none)
    both = pd.DataFrame({"member_id": [1, 2], "date": ["2023-05-01", "2023-12-31"]})
    d = metrics.usage_summary(m, both, as_of="2023-12-31").data
    assert d["recency_days"].dtype == np.float64 and d["recency_days"].tolist() == [244.0, 0.0]


def test_usage_rate_of_a_member_of_one_day():
    # joined on as_of and came that day: one use in a span of one day, 365.25 a year
    m = pd.DataFrame({"member_id": [1, 2], "joined": ["2023-12-31", "2023-01-01"],
                      "lapsed": [None, None]})
    e = pd.DataFrame({"member_id": [1, 2], "date": ["2023-12-31", "2023-06-01"]})
    d = metrics.usage_summary(m, e, as_of="2023-12-31").data
    assert d.loc[1, "rate_per_year"] == 365.25
    assert d.loc[2, "rate_per_year"] == pytest.approx(365.25 / 365)


@pytest.mark.parametrize(("period", "shares"), [
    # member 1 joined 2022-03-15 and used in April and May 2022 and July 2023; member 2
    # joined 2022-11-20 and used in January 2023; both to 2023-12-31, whole memberships
    ("month", [3 / 22, 1 / 14]),  # March 2022 .. December 2023; November 2022 ..
    ("quarter", [2 / 8, 1 / 5]),  # 2022Q1 .. 2023Q4 (Apr and May in one); 2022Q4 ..
    ("year", [2 / 2, 1 / 2]),
])
def test_active_share_counts_calendar_periods_by_hand(period, shares):
    m = pd.DataFrame({"member_id": [1, 2], "joined": ["2022-03-15", "2022-11-20"],
                      "lapsed": [None, None]})
    e = pd.DataFrame({"member_id": [1, 1, 1, 2],
                      "date": ["2022-04-02", "2022-05-30", "2023-07-01", "2023-01-05"]})
    d = metrics.usage_summary(m, e, as_of="2023-12-31", period=period, window_days=None).data
    assert d["active_share"].tolist() == pytest.approx(shares, rel=1e-12)
    # the last 365 days (the default window): from 2022-12-31, December 2022 on
    last = metrics.usage_summary(m, e, as_of="2023-12-31", period=period).data
    assert last["active_share"].tolist() == pytest.approx(
        {"month": [1 / 13, 1 / 13], "quarter": [1 / 5, 1 / 5], "year": [1 / 2, 1 / 2]}[period],
        rel=1e-12)

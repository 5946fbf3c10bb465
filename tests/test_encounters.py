"""The service encounter (issue 28): waits and courtesy at the desk, the staff behind them,
and expectations that rise: by hand, against R, and recovering the simulator's truth."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from loyaltylab import encounters, lapse, simulate


def test_served_within_by_hand():
    v = pd.DataFrame({"wait_minutes": [1, 3, 4, 8, 20, None, 5, 16],
                      "branch": ["A", "A", "A", "B", "B", "B", None, "B"]})
    r = encounters.served_within(v, thresholds=(5, 15), by="branch")
    t = r.table.set_index("group")
    # A: 1, 3, 4 -> all within 5; B: 8, 20, 16 -> none within 5, one within 15
    assert t.loc["A", "within_5min"] == 1 and t.loc["B", "within_15min"] == pytest.approx(1 / 3)
    # "all": the six timed visits with a branch (5 has no branch)
    assert t.loc["all", "n"] == 6 and t.loc["all", "within_5min"] == 0.5
    lo, hi = proportion_confint(3, 6, alpha=0.05, method="wilson")
    assert (t.loc["all", "within_5min_ci_low"], t.loc["all", "within_5min_ci_high"]) == (
        pytest.approx(lo), pytest.approx(hi))
    assert r.excluded == {"visits without a wait time": 1, "visits without branch": 1}
    assert r.n_used + r.n_excluded == len(v)
    assert t.loc["B", "median_minutes"] == 16
    with pytest.raises(ValueError, match="'wait_minutes' has 1 value.s. below 0"):
        encounters.served_within(pd.DataFrame({"wait_minutes": [2, -1]}))
    with pytest.raises(TypeError, match="True/False"):
        encounters.served_within(pd.DataFrame({"wait_minutes": [True, False]}))
    with pytest.raises(ValueError, match="no wait time"):
        encounters.served_within(pd.DataFrame({"wait_minutes": [None, None]}))


def test_encounter_profile_by_hand_with_a_landmark():
    v = pd.DataFrame({"member_id": [1, 1, 1, 2, 2, 3],
                      "date": pd.to_datetime(["2020-01-05", "2020-03-01", "2021-06-01",
                                              "2020-02-01", "2020-02-02", "2020-05-01"]),
                      "wait_minutes": [2, 10, 30, None, 7, 1],
                      "courtesy": [5, 4, 1, 3, None, None]})
    until = pd.Series(pd.to_datetime(["2021-01-01", "2021-01-01"]), index=[1, 2])
    r = encounters.encounter_profile(v, until=until)
    d = r.data
    # member 1: the 2021 visit is after until; member 3 is not in until
    assert d.loc[1, "median_wait"] == 6 and d.loc[1, "share_long_wait"] == 0.5
    assert d.loc[1, "mean_courtesy"] == 4.5 and d.loc[1, "timed_visits"] == 2
    assert d.loc[2, "timed_visits"] == 1 and d.loc[2, "median_wait"] == 7
    assert d.loc[2, "rated_visits"] == 1
    assert r.excluded == {"visits of members not in until": 1,
                          "visits after the member's until date": 1}
    assert r.n_used + r.n_excluded == len(v)
    with pytest.raises(ValueError, match="outside 1-5"):
        encounters.encounter_profile(v.assign(courtesy=[5, 4, 1, 3, 9, None]))


def test_staff_climate_by_hand():
    members = pd.DataFrame({"member_id": [1, 2, 3], "branch": ["A", "B", "C"]})
    staff = pd.DataFrame({"branch": ["A", "A", "B", None],
                          "trained": [True, False, True, True],
                          "job_satisfaction": [4, 2, 5, 1]})
    r = encounters.staff_climate(members, staff, ["trained", "job_satisfaction"])
    d = r.data
    assert d.loc[1, "trained"] == 0.5 and d.loc[1, "job_satisfaction"] == 3
    assert d.loc[2, "n_staff"] == 1 and np.isnan(d.loc[3, "trained"])
    assert r.excluded == {"members of a branch without staff answers": 1,
                          "staff answers without a branch (not used)": 1}


def _waves():
    # two waves of a two-item dimension; members 5-12 answer both
    rng = np.random.default_rng(4)
    rows = []
    for w in (1, 2):
        ids = np.arange(1, 13) if w == 1 else np.arange(5, 19)
        for i in ids:
            rows.append({"member_id": i, "wave": w,
                         **{f"q{j}_{t}": int(rng.integers(3, 9)) for j in (1, 2)
                            for t in ("min", "des", "per")}})
    d = pd.DataFrame(rows)
    d.loc[3, "q1_per"] = np.nan
    return d


def test_expectation_drift_matches_r():
    # R 4.2.2 on _waves() written to CSV, dimension scores the mean of the answered items:
    #   d$min <- (d$q1_min + d$q2_min) / 2;
    #   d$per <- rowMeans(cbind(d$q1_per, d$q2_per), na.rm = TRUE); likewise d$des
    #   t.test(pb$min, pa$min, paired = TRUE)   (pa, pb: members in both waves, matched)
    #     -> -0.625, (-1.758813816006, 0.508813816006), p 0.233645852756, 8 pairs
    #   t.test(pb$per - pb$min, pa$per - pa$min, paired = TRUE)
    #     -> 0.5625, (-1.203033168182, 2.328033168182), p 0.475797238518
    #   t.test(b$min, a$min)                    (Welch, all respondents)
    #     -> -0.922619047619, (-1.84688332991343, 0.00164523467534), p 0.05037739738330
    #   t.test(b$per - b$des, a$per - a$des)
    #     -> -0.113095238095, (-1.5199132877064, 1.2937228115159), p 0.8691144972810
    r = encounters.expectation_drift(_waves(), {"q": ["q1", "q2"]})
    t = r.table.set_index("measure")
    cols = ["change", "ci_low", "ci_high", "p_value"]
    all_cols = ["change_all", "ci_low_all", "ci_high_all", "p_value_all"]
    np.testing.assert_allclose(t.loc["minimum", cols].astype(float),
                               [-0.625, -1.758813816006, 0.508813816006, 0.233645852756],
                               rtol=1e-10)
    assert t.loc["minimum", "n_paired"] == 8
    np.testing.assert_allclose(t.loc["adequacy", cols].astype(float),
                               [0.5625, -1.203033168182, 2.328033168182, 0.475797238518],
                               rtol=1e-10)
    np.testing.assert_allclose(
        t.loc["minimum", all_cols].astype(float),
        [-0.922619047619, -1.84688332991343, 0.00164523467534, 0.05037739738330], rtol=1e-9)
    np.testing.assert_allclose(
        t.loc["superiority", all_cols].astype(float),
        [-0.113095238095, -1.5199132877064, 1.2937228115159, 0.8691144972810], rtol=1e-9)
    assert r.n_used == len(_waves()) and r.waves == (1, 2)


def test_expectation_drift_refuses_what_it_cannot_compare():
    d = _waves()
    with pytest.raises(ValueError, match="1 wave"):
        encounters.expectation_drift(d[d["wave"] == 1], {"q": ["q1", "q2"]})
    with pytest.raises(ValueError, match="answered the same wave twice"):
        encounters.expectation_drift(pd.concat([d, d.head(1)], ignore_index=True),
                                     {"q": ["q1", "q2"]})
    with pytest.raises(ValueError, match="two different waves"):
        encounters.expectation_drift(d, {"q": ["q1", "q2"]}, waves=(1, 3))
    with pytest.raises(ValueError, match="outside 1-9"):
        encounters.expectation_drift(d.assign(q1_min=10), {"q": ["q1", "q2"]})


def test_the_encounter_simulator_is_recovered():
    # planted: lapse x1.3 per 10 minutes of a member's typical wait and x0.75 per courtesy
    # point; between the waves minimum +0.4, desired +0.3, perceived 0
    sim = simulate.service_encounters(n_members=5000, seed=3)
    truth = sim.truth["effects"]
    m = sim.members.set_index("member_id")
    # a landmark at one year: the profile from the first year's visits, lapse after it
    prof = encounters.encounter_profile(sim.visits, until=m["joined"] + pd.Timedelta(days=365))
    tt = lapse.tenure_table(sim.members, sim.as_of).data.join(prof.data, on="member_id")
    d = tt[tt["tenure"] > 1].assign(entry=1.0, wait_10min=lambda f: f["median_wait"] / 10)
    fit = lapse.fit_lapse_model(d, "tenure", "has_lapsed", ["wait_10min", "mean_courtesy"],
                                entry="entry", standardize=False)
    e = fit.effects(ci=0.99).set_index("covariate")
    assert e.loc["wait_10min", "ci_low"] < truth["hr_per_10min_wait"] < e.loc[
        "wait_10min", "ci_high"]
    assert e.loc["mean_courtesy", "ci_low"] < truth["hr_per_courtesy_point"] < e.loc[
        "mean_courtesy", "ci_high"]
    assert e.loc["mean_courtesy", "ci_high"] < 1  # courtesy protects, shown
    drift = encounters.expectation_drift(sim.survey, sim.truth["dimensions"], ci=0.99)
    t = drift.table
    for measure, key in (("minimum", "drift_minimum"), ("desired", "drift_desired"),
                         ("perceived", "drift_perceived")):
        rows = t[t["measure"] == measure]
        assert ((rows["ci_low"] < truth[key]) & (truth[key] < rows["ci_high"])).all(), measure
    # the same service satisfies less: the adequacy gap shrinks in every dimension
    assert (t.loc[t["measure"] == "adequacy", "ci_high"] < 0).all()
    # the staff behind the desk: branches with more trained staff are more courteous
    clim = encounters.staff_climate(sim.members, sim.staff, ["trained", "job_satisfaction"])
    b = clim.data.groupby("branch")[["trained"]].first().join(sim.truth["branch_courtesy"])
    assert np.corrcoef(b["trained"], b["courtesy"])[0, 1] > 0.5


def test_courtesy_scores_by_hand():
    v = pd.DataFrame({"courtesy": [5, 4, 2, None, 3], "branch": ["A", "A", "B", "B", None]})
    r = encounters.courtesy_scores(v, by="branch")
    t = r.data.set_index("group")
    assert t.loc["A", "mean"] == 4.5 and t.loc["A", "top_box"] == 1.0
    assert t.loc["all", "n"] == 3 and t.loc["all", "mean"] == pytest.approx(11 / 3)
    # t interval of (5, 4, 2): mean 11/3, sd 1.5275, t(2) = 4.3027
    half = 4.302652729749464 * np.std([5, 4, 2], ddof=1) / np.sqrt(3)
    assert t.loc["all", "ci_low"] == pytest.approx(11 / 3 - half)
    assert r.excluded == {"visits without a courtesy rating": 1,
                          "rated visits without branch": 1}
    assert r.n_used + sum(r.excluded.values()) == len(v)
    with pytest.raises(ValueError, match="outside 1-5"):
        encounters.courtesy_scores(pd.DataFrame({"courtesy": [6]}))

"""Rejection factors, complaints and recovery, response speed, journeys vs touchpoints."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltylab import complaints as C
from loyaltylab import journeys as J
from loyaltylab import recovery as R
from loyaltylab.schema import FACTORS


@pytest.fixture(scope="module")
def model(lib):
    tm = lib.truth.members.set_index("member_id")
    cov = tm[[*FACTORS, "journey"]].copy()
    cov["touchpoints"] = tm.filter(like="touchpoint_").sum(axis=1)
    m = lib.members.set_index("member_id")
    cov["joined_via_offer"] = m["joined_via_offer"].astype(float)
    for t in ("family", "senior", "student"):
        cov[t] = (m["member_type"] == t).astype(float)
    return R.fit_complaint_model(lib.members, lib.complaints, lib.as_of, covariates=cov)


def test_complaint_model_recovers_the_truth(lib, model):
    """Every generating hazard ratio lies in its Bonferroni-adjusted 95% interval (16
    coefficients), complaint effects included (they act from the first complaint on)."""
    eff = model.effects().set_index("covariate")
    truth = lib.truth.hazard_ratios.rename({"per_log10_response_hours": "log10_response_hours",
                                            "touchpoint": "touchpoints"})
    z = (eff["coef"] - np.log(truth[eff.index])) / eff["se"]
    crit = stats.norm.ppf(1 - 0.05 / (2 * len(z)))
    assert (z.abs() < crit).all(), z
    assert model.n_members == len(lib.members) - 1  # one member joined on as_of
    assert model.excluded == {"missing covariate": 0,
                              "members with no time at risk (joined on as_of)": 1}
    ep = R.complaint_episodes(lib.members, lib.complaints, lib.as_of)
    assert ep.n_complained > 1000


def test_recovery_delay_and_excess(lib, model):
    rec = model.recovery(response_hours=1).set_index(["category", "recovered"])
    # truth at 1 hour: systems recovered 1.2 * 0.6 = 0.72 (< 1), people unrecovered 1.7
    assert rec.loc[("people", False), "ci_low"] > 1
    assert rec.loc[("systems", True), "hazard_ratio"] < 1
    assert set(rec["verdict"]) <= {"paradox holds: lapse less than non-complainers",
                                   "lapse more than non-complainers",
                                   "no difference established"}
    curve = model.delay_curve(hours=[1, 24, 168])
    assert curve["hazard_ratio"].is_monotonic_increasing and curve.iloc[0]["hazard_ratio"] == 1
    hr24 = curve.set_index("response_hours").loc[24]
    assert hr24["ci_low"] <= 1.15 ** np.log10(24) <= hr24["ci_high"]
    ex = model.excess_lapses()
    assert ex["lapses_after_complaint"].sum() > 0 and ex.iloc[0]["from_category"] > 0


def test_rates_and_response_times(lib):
    r = C.complaint_rates(lib.members, lib.complaints, lib.as_of)
    assert r["complaints"].sum() == len(lib.complaints)
    assert (r["ci_low"] < r["rate"]).all() and (r["rate"] < r["ci_high"]).all()
    by = C.complaint_rates(lib.members, lib.complaints, lib.as_of, by="branch")
    assert by["complaints"].sum() == len(lib.complaints)
    rt = C.response_times(lib.complaints).set_index("group")
    assert rt.loc["desk", "within_1h"] > rt.loc["email", "within_1h"]
    assert rt["n"].sum() == len(lib.complaints)
    # every member gives exposure to one group: members per category add up to all of them
    for t in (r, by):
        assert (t.groupby("category", observed=True)["members"].sum() == len(lib.members)).all()
    assert by.groupby("group")["members"].first().to_dict() == (
        lib.members["branch"].value_counts().to_dict())
    # a missing group would be dropped by a group-by without a word: refused by name
    m = lib.members.copy()
    m.loc[m.index[:3], "branch"] = None
    with pytest.raises(ValueError, match=r"column 'branch' has 3 missing group\(s\); fill "
                                         r"them \(e.g. 'unknown'\) or drop those members"):
        C.complaint_rates(m, lib.complaints, lib.as_of, by="branch")
    c = lib.complaints.copy()
    c.loc[c.index[:2], "channel"] = None
    with pytest.raises(ValueError, match=r"column 'channel' has 2 missing group\(s\).*"
                                         r"drop those complaints"):
        C.response_times(c)


def test_journey_predicts_better(lib):
    s = lib.survey
    d = pd.DataFrame({"journey": s["journey"], "tp_desk": s["tp_desk"],
                      "tp_catalogue": s["tp_catalogue"], "tp_website": s["tp_website"],
                      "promoter": (s["recommend"] >= 9).astype(float).where(
                          s["recommend"].notna())})
    res = J.journey_vs_touchpoints(d, "journey", ["tp_desk", "tp_catalogue", "tp_website"],
                                   outcome="promoter", n_splits=5, repeats=2)
    assert res.n_used + res.n_excluded == len(d)
    res = res.table.set_index("model")
    assert res.loc["journey", "diff_vs_touchpoints"] > 0
    assert 0.5 < res.loc["journey", "score"] < 1
    with pytest.raises(ValueError, match="either duration"):
        J.journey_vs_touchpoints(d, "journey", ["tp_desk"])


def _small():
    members = pd.DataFrame({"member_id": [1, 2], "joined": pd.to_datetime(["2020-01-01"] * 2),
                            "lapsed": [pd.NaT, pd.Timestamp("2021-01-01")]})
    complaints = pd.DataFrame({"member_id": [1, 2], "date": pd.to_datetime(
        ["2020-05-01", "2020-06-01"]), "category": ["value", "people"],
        "response_hours": [2.0, 30.0], "resolved": [True, False]})
    return members, complaints


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"category": ["value", "noise"]}, "not rejection factors"),
        ({"response_hours": [2.0, -1.0]}, "below 0"),
        ({"date": pd.to_datetime(["2019-05-01", "2020-06-01"])}, "before the member joined"),
        ({"date": pd.to_datetime(["2020-05-01", "2022-06-01"])}, "after the member left"),
        ({"member_id": [1, 3]}, "not among the members"),
    ],
)
def test_bad_complaints(change, message):
    members, complaints = _small()
    with pytest.raises(ValueError, match=message):
        C.check_complaints(members, complaints.assign(**change), "2022-12-31")


def test_episodes_and_mapping():
    members, complaints = _small()
    ep = R.complaint_episodes(members, complaints, "2022-12-31").data
    assert len(ep) == 4 and ep["has_lapsed"].sum() == 1
    assert ep.groupby("member_id")["stop"].max().round(3).tolist() == [2.998, 1.002]  # days/365.25
    own = complaints.assign(code=["fines", "rude staff"]).drop(columns="category")
    mapped = C.map_categories(own, {"fines": "value", "rude staff": "people"})
    assert mapped["category"].tolist() == ["value", "people"]
    with pytest.raises(ValueError, match="not in the mapping"):
        C.map_categories(own, {"fines": "value"})
    with pytest.raises(ValueError, match="not rejection factors"):
        C.map_categories(own, {"fines": "price", "rude staff": "people"})


def test_delay_and_later_satisfaction(lib):
    """In the simulated library complaints do not change satisfaction (it is a stable latent
    trait): the estimated effects of delay and resolution on later satisfaction are 0 within
    their intervals."""
    from loyaltylab import scales

    sat = scales.score(lib.survey, scales.STANDARD_SCALES["satisfaction"])
    res = C.delay_and_satisfaction(lib.survey, lib.complaints, sat)
    assert res.n_used > 200
    assert res.n_used + res.n_without_earlier_complaint + res.n_without_score == len(lib.survey)
    res = res.table.set_index("term")
    assert (res["ci_low"] < 0).all() and (res["ci_high"] > 0).all()


def test_recovery_curves_by_landmark(lib):
    rc = R.recovery_curves(lib.members, lib.complaints, lib.as_of, landmark=1.0)
    s = rc.medians
    assert list(s.index) == ["never complained", "complained, resolved",
                             "complained, not resolved"]
    present = (lib.members["lapsed"].fillna(lib.as_of) - lib.members["joined"]).dt.days
    assert s["n"].sum() == int((present / 365.25 > 1.0).sum())
    # the others are counted: members in = followed + left out at the landmark
    assert rc.n == s["n"].sum() and rc.n + rc.n_excluded == len(lib.members)
    assert rc.excluded == {"members who lapsed or whose data end within the landmark":
                           len(lib.members) - rc.n}
    h = rc.at_horizons.set_index(["group", "horizon"])["retention"]
    assert h[("complained, not resolved", 2)] < h[("complained, resolved", 2)]
    pw = rc.compare().pairwise.set_index(["group_a", "group_b"])
    assert pw.loc[("complained, not resolved", "never complained"), "p_value"] < 0.01
    with pytest.raises(ValueError, match="smaller landmark"):
        R.recovery_curves(lib.members, lib.complaints, lib.as_of, landmark=50)

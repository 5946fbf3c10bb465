"""Every complaint as a recurrent event (issue 28): the episode table by hand, every row and
complaint accounted for, and the Andersen-Gill model recovering a planted effect."""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import datasets, lapse, recovery
from loyaltylab.schema import DAYS_PER_YEAR


def test_episodes_by_hand():
    m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2020-01-01"] * 3,
                      "lapsed": ["2021-01-01", None, "2020-06-01"]})
    c = pd.DataFrame({"member_id": [1, 1, 1, 2, 2, 3],
                      "date": ["2020-03-01", "2020-03-01", "2020-09-01", "2020-01-01",
                               "2021-02-01", "2020-06-01"],
                      "category": ["people", "value", "systems", "value", "people", "value"]})
    res = recovery.recurrent_complaints(m, c, "2021-12-31")
    d = res.data.set_index(["member_id", "start"])
    y = lambda a, b: (pd.Timestamp(b) - pd.Timestamp(a)).days / DAYS_PER_YEAR  # noqa: E731
    # member 1: two complaints on 1 March are one event; then 1 September; lapsed 1 Jan 2021
    one = res.data[res.data["member_id"] == 1]
    np.testing.assert_allclose(one["stop"], [y("2020-01-01", "2020-03-01"),
                                             y("2020-01-01", "2020-09-01"),
                                             y("2020-01-01", "2021-01-01")])
    assert one["complaint"].tolist() == [1, 1, 0] and one["has_lapsed"].tolist() == [0, 0, 1]
    assert one["prior"].tolist() == [0, 2, 3]
    assert one[["prior_value", "prior_systems", "prior_people"]].iloc[-1].tolist() == [1, 1, 1]
    # member 2: a complaint on the joining day is history, not an event
    two = res.data[res.data["member_id"] == 2]
    assert two["complaint"].tolist() == [1, 0] and two["prior"].tolist() == [1, 2]
    # member 3: a complaint on the day of lapsing ends the last row, which is also the lapse
    three = res.data[res.data["member_id"] == 3]
    assert three["complaint"].tolist() == [1] and three["has_lapsed"].tolist() == [1]
    assert d.index.is_unique
    assert res.excluded["complaints on the same day as another (one event)"] == 1
    assert res.excluded["complaints on the joining day (carried as history)"] == 1
    # every complaint is an event or counted, every member used or counted
    counted = sum(v for k, v in res.excluded.items() if k.startswith("complaints"))
    assert res.n_complaints + counted == len(c) and res.n_members == 3


def test_every_complaint_of_the_library_is_accounted_for(lib):
    res = recovery.recurrent_complaints(lib.members, lib.complaints, lib.as_of)
    counted = sum(v for k, v in res.excluded.items() if k.startswith("complaints"))
    assert res.n_complaints + counted == len(lib.complaints)
    members_out = res.excluded["members with no time at risk (joined on as_of)"]
    assert res.n_members + members_out == len(lib.members)
    # rows tile each membership: consecutive, from 0 to the end
    d = res.data
    assert (d["stop"] > d["start"]).all()
    gap = d.groupby("member_id").apply(
        lambda g: np.abs(g["start"].to_numpy()[1:] - g["stop"].to_numpy()[:-1]).max(initial=0),
        include_groups=False)
    assert gap.max() == 0


def _world(seed, n=1500, beta=(0.4, -0.3)):
    # members joining over two years, complaints from a Poisson process whose rate depends
    # on two member covariates and a shared frailty; no one lapses
    rng = np.random.default_rng(seed)
    joined = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    x1, x2 = rng.normal(size=n), rng.integers(0, 2, n)
    rate = 1.2 * rng.gamma(2.0, 0.5, n) * np.exp(beta[0] * x1 + beta[1] * x2)
    as_of = pd.Timestamp("2023-12-31")
    years = (as_of - joined).days / DAYS_PER_YEAR
    k = rng.poisson(rate * years)
    who = np.repeat(np.arange(n), k)
    when = joined[who] + pd.to_timedelta(rng.uniform(0, years[who]) * DAYS_PER_YEAR,
                                         unit="D").floor("D") + pd.Timedelta(days=1)
    when = when.where(when <= as_of, as_of)
    members = pd.DataFrame({"member_id": np.arange(n), "joined": joined, "lapsed": pd.NaT})
    complaints = pd.DataFrame({"member_id": who, "date": when,
                               "category": rng.choice(["value", "systems", "people"], who.size)})
    cov = pd.DataFrame({"x1": x1, "x2": x2}, index=pd.Index(np.arange(n), name="member_id"))
    return members, complaints, cov, as_of


@pytest.mark.parametrize("seed", [1, 2])
def test_andersen_gill_recovers_the_planted_effects(seed):
    members, complaints, cov, as_of = _world(seed)
    rc = recovery.recurrent_complaints(members, complaints, as_of, covariates=cov)
    m = lapse.fit_lapse_model(rc.data, "stop", "complaint", ["x1", "x2"], entry="start",
                              cluster="member_id", standardize=False)
    eff = m.effects().set_index("covariate")
    for name, truth in (("x1", 0.4), ("x2", -0.3)):
        assert abs(eff.loc[name, "coef"] - truth) < 3 * eff.loc[name, "se"], (name, eff)
    # the frailty makes complaints of one member alike: the clustered errors are larger than
    # the naive ones, as they must be
    naive = np.sqrt(np.diag(m.cox.variance))
    assert (eff["se"].to_numpy() > 1.2 * naive).all()


@pytest.fixture(scope="module")
def lib():
    return datasets.load_library()


def test_how_the_last_complaint_was_handled_by_hand():
    m = pd.DataFrame({"member_id": [1], "joined": ["2020-01-01"], "lapsed": [None]})
    c = pd.DataFrame({"member_id": [1, 1, 1], "date": ["2020-03-01", "2020-03-01",
                                                       "2020-09-01"],
                      "category": ["people", "value", "systems"],
                      "resolved": [True, False, True], "response_hours": [2.0, 100.0, 10.0]})
    d = recovery.recurrent_complaints(m, c, "2021-01-01").data
    # before any complaint: 0; after 1 March (one of the two unresolved, longest answer
    # 100 h): unresolved, log10(100) = 2; after 1 September: resolved, log10(10) = 1
    assert d["last_unresolved"].tolist() == [0, 1, 0]
    np.testing.assert_allclose(d["last_log10_hours"], [0.0, 2.0, 1.0])
    bare = recovery.recurrent_complaints(m, c.drop(columns=["resolved", "response_hours"]),
                                         "2021-01-01").data
    assert "last_unresolved" not in bare and "last_log10_hours" not in bare


def test_an_unresolved_complaint_speeding_the_next_is_recovered():
    # the rate of a member's next complaint is 1.8 times higher while their last complaint
    # is unresolved (half are resolved, at random); shared frailty as above
    rng = np.random.default_rng(11)
    n = 2000
    joined = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    as_of = pd.Timestamp("2023-12-31")
    frail = rng.gamma(2.0, 0.5, n)
    rows = []
    for i in range(n):
        years = (as_of - joined[i]).days / DAYS_PER_YEAR
        t, open_ = 0.0, False
        while True:
            t += rng.exponential(1 / (0.8 * frail[i] * (1.8 if open_ else 1.0)))
            if t >= years:
                break
            open_ = bool(rng.uniform() < 0.5)
            rows.append((i, joined[i] + pd.Timedelta(days=int(t * DAYS_PER_YEAR) + 1),
                         not open_))
    c = pd.DataFrame(rows, columns=["member_id", "date", "resolved"]).assign(
        category="value", response_hours=5.0)
    c = c[c["date"] <= as_of]
    m = pd.DataFrame({"member_id": np.arange(n), "joined": joined, "lapsed": pd.NaT})
    d = recovery.recurrent_complaints(m, c, as_of).data
    # unresolved is compared with resolved among rows after a complaint: rows before the
    # first complaint come mostly from members with low frailty, so without "complained"
    # the estimate mixes the two (0.80 against the true 0.59 here)
    d["complained"] = (d["prior"] > 0).astype(int)
    fit = lapse.fit_lapse_model(d, "stop", "complaint", ["last_unresolved", "complained"],
                                entry="start", cluster="member_id", standardize=False)
    e = fit.effects().iloc[0]
    assert abs(e["coef"] - np.log(1.8)) < 3 * e["se"], e


def test_contacts_compensation_and_resolution_dates_by_hand():
    m = pd.DataFrame({"member_id": [1], "joined": ["2020-01-01"], "lapsed": [None]})
    c = pd.DataFrame({"member_id": [1, 1, 1], "date": ["2020-03-01", "2020-03-01",
                                                       "2020-09-01"],
                      "category": ["people", "value", "systems"],
                      # solved on 5 March; still open; solved after the data end (unknown)
                      "resolved": pd.to_datetime(["2020-03-05", None, "2021-02-01"]),
                      "contacts": [1, 3, 2],
                      "compensation": ["symbolic", "material", "symbolic"]})
    d = recovery.recurrent_complaints(m, c, "2021-01-01").data
    # 1 March: one of two open, most contacts 3 (2 extra), highest compensation material;
    # 1 September: solved only after as_of, so open at the data end
    assert d["last_unresolved"].tolist() == [0, 1, 1]
    assert d["last_extra_contacts"].tolist() == [0, 2, 1]
    assert d["last_material"].tolist() == [0, 1, 0]
    assert d["last_symbolic"].tolist() == [0, 0, 1]
    from loyaltylab.complaints import check_complaints

    checked = check_complaints(m, c, "2021-01-01")
    assert checked["resolved"].tolist() == [True, False, False]
    np.testing.assert_allclose(checked["resolution_days"], [4.0, np.nan, np.nan])
    assert list(checked["compensation"].cat.categories) == ["none", "symbolic", "material"]


@pytest.mark.parametrize(("column", "values", "message"), [
    ("resolved", pd.to_datetime(["2020-02-01", None]), "resolution date.s. before the "
                                                        "complaint"),
    ("resolved", [True, None], "missing value.s. among True/False"),
    ("resolved", ["soon", "yes"], "not dates.*True/False .or 0/1. also works"),
    ("contacts", [1, 0], "below 1"),
    ("contacts", [1.0, 1.5], "non-integer"),
    ("contacts", [1, None], "missing"),
    ("compensation", ["none", "voucher"], "not compensation levels.*'voucher'.*'symbolic'"),
])
def test_the_handling_columns_are_checked(column, values, message):
    from loyaltylab.complaints import check_complaints

    m = pd.DataFrame({"member_id": [1], "joined": ["2020-01-01"], "lapsed": [None]})
    c = pd.DataFrame({"member_id": [1, 1], "date": ["2020-03-01", "2020-04-01"],
                      "category": ["people", "value"], column: values})
    with pytest.raises((ValueError, TypeError), match=message):
        check_complaints(m, c, "2021-01-01")


def test_the_complaint_process_simulator_is_recovered():
    # complaint_process plants: complaint frailty variance 0.5; next complaint x1.8 while the
    # last is unresolved and x1.2 per extra contact; lapse x1.10 per complaint, x1.6 while
    # the last is unresolved, x1.15 per extra contact, x0.75 symbolic and x0.90 material
    # compensation. The 99% intervals cover each.
    from loyaltylab import simulate

    sim = simulate.complaint_process(n_members=3000, years=6, seed=3)
    truth = sim.truth["effects"]
    rc = recovery.recurrent_complaints(sim.members, sim.complaints, sim.as_of)
    assert rc.n_complaints + sum(rc.excluded.values()) == len(sim.complaints)
    d = rc.data
    nxt = lapse.fit_lapse_model(d, "stop", "complaint", ["last_unresolved",
                                                          "last_extra_contacts"],
                                entry="start", frailty="member_id", standardize=False)
    e = nxt.effects(ci=0.99).set_index("covariate")
    for cov, key in (("last_unresolved", "hr_repeat_unresolved"),
                     ("last_extra_contacts", "hr_repeat_per_extra_contact")):
        assert e.loc[cov, "ci_low"] < truth[key] < e.loc[cov, "ci_high"], cov
    assert abs(nxt.frailty["theta"] - truth["frailty_variance"]) < 0.15
    assert nxt.frailty["p_value"] < 1e-10
    cov = ["prior", "last_unresolved", "last_extra_contacts", "last_symbolic", "last_material"]
    lapse_m = lapse.fit_lapse_model(d, "stop", "has_lapsed", cov, entry="start",
                                    cluster="member_id", standardize=False)
    e = lapse_m.effects(ci=0.99).set_index("covariate")
    keys = ["hr_lapse_per_complaint", "hr_lapse_unresolved", "hr_lapse_per_extra_contact",
            "hr_lapse_symbolic", "hr_lapse_material"]
    for c, key in zip(cov, keys, strict=True):
        assert e.loc[c, "ci_low"] < truth[key] < e.loc[c, "ci_high"], c
    # same arguments, same tables
    again = simulate.complaint_process(n_members=3000, years=6, seed=3)
    pd.testing.assert_frame_equal(again.complaints, sim.complaints)


def test_repeat_complaints_by_hand():
    from loyaltylab.complaints import repeat_complaints

    m = pd.DataFrame({"member_id": [1, 2, 3, 4], "joined": ["2020-01-01"] * 4,
                      "lapsed": [None, None, "2020-07-01", None]})
    c = pd.DataFrame({"member_id": [1, 1, 1, 1, 2, 2, 3],
                      "date": ["2020-02-01", "2020-02-01", "2020-05-01", "2020-08-01",
                               "2020-03-01", "2020-04-01", "2020-06-01"],
                      "category": ["value"] * 7})
    r = repeat_complaints(m, c, "2021-01-01", chronic=3)
    # member 1: 4 complaints (two on one day count twice here), member 2: 2, member 3: 1
    assert r.concentration["members"].tolist() == [1, 1, 1]
    assert r.concentration["complaints"].tolist() == [1, 2, 4]
    assert r.n_complaints == 7 and r.n_members == 3 and r.n_chronic == 1
    assert r.chronic_share_of_complaints == pytest.approx(4 / 7)
    assert r.chronic_share_of_complainers == pytest.approx(1 / 3)
    rates = r.members.set_index("member_id")["rate"]
    assert rates[3] == pytest.approx(1 / (182 / DAYS_PER_YEAR))  # 1 Jan to 1 Jul 2020
    assert r.precedes is None and r.frailty is None  # no handling columns
    assert "1 chronic members (3+ complaints)" in repr(r)
    with pytest.raises(ValueError, match="chronic"):
        repeat_complaints(m, c, "2021-01-01", chronic=1)


def test_repeat_complaints_find_what_the_simulator_planted():
    from loyaltylab import simulate
    from loyaltylab.complaints import repeat_complaints

    sim = simulate.complaint_process(n_members=3000, years=6, seed=3)
    r = repeat_complaints(sim.members, sim.complaints, sim.as_of)
    assert r.n_complaints == len(sim.complaints)  # every complaint counted
    assert r.concentration["complaints"].sum() == r.n_complaints
    e = r.model.effects(ci=0.99).set_index("covariate")
    truth = sim.truth["effects"]
    assert e.loc["last_unresolved", "ci_low"] < truth["hr_repeat_unresolved"] < e.loc[
        "last_unresolved", "ci_high"]
    assert e.loc["last_extra_contacts", "ci_low"] < truth["hr_repeat_per_extra_contact"] < (
        e.loc["last_extra_contacts", "ci_high"])
    # no planted effect of the answer time or of compensation on the next complaint
    for cov in ("last_log10_hours", "last_symbolic", "last_material"):
        assert e.loc[cov, "ci_low"] < 1 < e.loc[cov, "ci_high"], cov
    assert r.frailty["p_value"] < 1e-10


def test_combine_is_the_sum_of_log_ratios_with_the_covariance():
    members, complaints, cov, as_of = _world(5, n=400)
    d = recovery.recurrent_complaints(members, complaints, as_of, covariates=cov).data
    m = lapse.fit_lapse_model(d, "stop", "complaint", ["x1", "x2"], entry="start",
                              cluster="member_id", standardize=False)
    one = m.combine({"x1": 1})
    e = m.effects().set_index("covariate")
    assert one["ratio"] == pytest.approx(e.loc["x1", "hazard_ratio"], rel=1e-12)
    assert one["ci_low"] == pytest.approx(e.loc["x1", "ci_low"], rel=1e-12)
    both = m.combine({"x1": 2, "x2": -1})
    v = m.cox.robust_variance
    w = np.array([2.0, -1.0])
    assert both["coef"] == pytest.approx(w @ m.params.to_numpy())
    assert both["se"] == pytest.approx(np.sqrt(w @ v @ w))
    with pytest.raises(ValueError, match="not covariates"):
        m.combine({"x3": 1})

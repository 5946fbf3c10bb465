"""Lapse reasons (competing risks): cumulative incidence and cause-specific hazards.

Reference values from R 4.2.2 with cmprsk 2.2 and survival 3.5.3 (Debian packages) on the data
``_members()`` generates (written to CSV and read by R, once):
    ci <- cuminc(d$t, d$why, cencode = 0); timepoints(ci, c(20, 50, 100))
    cg <- cuminc(d$t, d$why, group = d$grp, cencode = 0); timepoints(cg, c(20, 50, 100))
    coxph(Surv(t, why == 1) ~ x + grp, data = d)
    coxph(Surv(entry, t, why == 2) ~ x + grp, data = d)
    summary(survfit(Surv(entry, t, factor(why)) ~ 1, data = d, id = id), times = ...)$pstate
Gray's test, on the same data with two more columns (``_with_grp3_and_stratum``):
    cuminc(d$t, d$why, group = d$grp3, strata = d$st, cencode = 0, rho = ...)$Tests
"""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse, plots


def _members() -> pd.DataFrame:
    # two lapse reasons with known cause-specific hazards, censoring, delayed entry for 30%,
    # times in tenths of a year (so that lapses tie, as in records dated to the day)
    rng = np.random.default_rng(7)
    n = 300
    grp = rng.choice(["A", "B"], n)
    x = np.round(rng.normal(size=n), 3)
    h1 = 0.10 * np.exp(0.5 * x + 0.4 * (grp == "B"))
    h2 = 0.05 * np.exp(-0.3 * x)
    t1, t2 = rng.exponential(1 / h1), rng.exponential(1 / h2)
    c = rng.uniform(2, 15, n)
    t = np.floor(np.minimum.reduce([t1, t2, c]) * 10) + 1
    why = np.where(c < np.minimum(t1, t2), 0, np.where(t1 < t2, 1, 2))
    entry = np.where(rng.uniform(size=n) < 0.3, np.floor(rng.uniform(0, 15, n)), 0.0)
    entry = np.minimum(entry, t - 1)
    return pd.DataFrame({"t": t, "why": why, "grp": grp, "x": x, "entry": entry})


@pytest.fixture(scope="module")
def d():
    return _members()


def test_cumulative_incidence_matches_cmprsk(d):
    res = lapse.cumulative_incidence(d, "t", "why")
    at = res.at([20, 50, 100]).set_index(["reason", "time"])
    np.testing.assert_allclose(at.loc[1, "incidence"], [0.1966666667, 0.4274715935,
                                                        0.6174224681], rtol=1e-9)
    np.testing.assert_allclose(at.loc[2, "incidence"], [0.1100000000, 0.1810015576,
                                                        0.2703042632], rtol=1e-9)
    np.testing.assert_allclose(at.loc[1, "se"] ** 2, [0.0005279005832, 0.0008900879360,
                                                      0.0011477412275], rtol=1e-8)
    np.testing.assert_allclose(at.loc[2, "se"] ** 2, [0.0003271866978, 0.0005106439299,
                                                      0.0008682447153], rtol=1e-8)
    assert (at["ci_low"] < at["incidence"]).all() and (at["incidence"] < at["ci_high"]).all()


def test_cumulative_incidence_by_group_matches_cmprsk(d):
    res = lapse.cumulative_incidence(d, "t", "why", by="grp")
    at = res.at([20, 50, 100]).set_index(["group", "reason", "time"])
    expected = {("A", 1): ([0.1366906475, 0.3575947502, 0.5943428201],
                           [0.0008549332118, 0.0018357531855, 0.002432964870]),
                ("B", 1): ([0.2484472050, 0.4872218447, 0.6320330025],
                           [0.0011660434679, 0.0016914202338, 0.002144930035]),
                ("A", 2): ([0.1079136691, 0.1925206896, 0.3277701957],
                           [0.0006974205556, 0.0011682542878, 0.002332722933]),
                ("B", 2): ([0.1118012422, 0.1711335793, 0.2230682656],
                           [0.0006202510267, 0.0009106167334, 0.001344011251])}
    for key, (est, var) in expected.items():
        np.testing.assert_allclose(at.loc[key, "incidence"], est, rtol=1e-9)
        np.testing.assert_allclose(at.loc[key, "se"] ** 2, var, rtol=1e-8)
    counts = res.summary()
    assert counts[["lapsed: 1", "lapsed: 2"]].to_numpy().sum() == int((d["why"] > 0).sum())


def test_cumulative_incidence_with_delayed_entry_matches_survfit(d):
    # R: survfit(Surv(entry, t, factor(why)) ~ 1, id = id): pstate columns 1, 2 at 20, 50, 100
    res = lapse.cumulative_incidence(d, "t", "why", entry="entry")
    at = res.at([20, 50, 100]).set_index(["reason", "time"])
    np.testing.assert_allclose(at.loc[1, "incidence"], [0.2134220492, 0.4341610273,
                                                        0.6158276949], rtol=1e-9)
    np.testing.assert_allclose(at.loc[2, "incidence"], [0.1234825241, 0.1913875359,
                                                        0.2767955393], rtol=1e-9)
    assert res.delayed_entry


def test_incidences_and_retention_add_up(d):
    # second identity: sum of the reasons' incidences = 1 - Kaplan-Meier of any lapse
    res = lapse.cumulative_incidence(d, "t", "why")
    km = lapse.retention_curves(d.assign(any=d["why"] > 0), "t", "any", horizons=(20, 50))
    total = res.at([20, 50]).groupby("time")["incidence"].sum().to_numpy()
    np.testing.assert_allclose(total, 1 - km.at_horizons["retention"].to_numpy(), rtol=1e-12)
    # the naive 1 - KM treating the other reason as censoring overstates the reason
    naive = lapse.retention_curves(d.assign(one=d["why"] == 1), "t", "one", horizons=(100,))
    assert 1 - naive.at_horizons["retention"].iloc[0] > res.at([100])["incidence"].iloc[0]


def _with_grp3_and_stratum(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(grp3=np.where(d["x"] > 0.5, "C", d["grp"]),
                    st=np.where(d["x"] < 0, "low", "high"))


def test_gray_test_matches_cmprsk(d):
    # R: cuminc(d$t, d$why, group = d$grp, cencode = 0)$Tests
    #      stat 2.93298919431 1.42651794233; pv 0.086786667440 0.232333553784; df 1
    res = lapse.cumulative_incidence(d, "t", "why", by="grp").compare()
    np.testing.assert_allclose(res.table["statistic"], [2.93298919431, 1.42651794233],
                               rtol=1e-10)
    np.testing.assert_allclose(res.table["p_value"], [0.086786667440, 0.232333553784],
                               rtol=1e-10)
    assert res.table["df"].tolist() == [1, 1] and res.pairwise.empty
    assert res.n == len(d) and not res.stratified and res.rho == 0
    assert "Gray" in repr(res) and "chi2=2.933" in repr(res)
    assert "<table" in res._repr_html_() and res.counts == {"n": len(d)}
    with pytest.raises(AttributeError):
        res.rho = 1.0  # frozen


@pytest.mark.parametrize(("rho", "strata", "expected"), [
    # R: cuminc(d$t, d$why, group = d$grp3, cencode = 0)$Tests
    (0, None, [28.6767567837, 13.9629510825]),
    # R: cuminc(d$t, d$why, group = d$grp3, cencode = 0, rho = 1)$Tests
    (1, None, [26.3260658329, 12.6802901384]),
    # R: cuminc(d$t, d$why, group = d$grp3, strata = d$st, cencode = 0)$Tests
    (0, "st", [12.91929112052, 7.39111769401]),
    # R: cuminc(d$t, d$why, group = d$grp3, strata = d$st, cencode = 0, rho = -0.5)$Tests
    (-0.5, "st", [12.00456721242, 7.70611157554]),
])
def test_gray_test_three_groups_weights_and_strata_match_cmprsk(d, rho, strata, expected):
    d3 = _with_grp3_and_stratum(d)
    res = lapse.cumulative_incidence(d3, "t", "why", by="grp3", strata=strata).compare(rho=rho)
    np.testing.assert_allclose(res.table["statistic"], expected, rtol=1e-10)
    assert res.table["df"].tolist() == [2, 2] and res.stratified == (strata is not None)
    # the curves themselves do not depend on the strata
    plain = lapse.cumulative_incidence(d3, "t", "why", by="grp3")
    pd.testing.assert_frame_equal(
        lapse.cumulative_incidence(d3, "t", "why", by="grp3", strata=strata).table,
        plain.table)


def test_gray_test_pairwise_matches_cmprsk_on_the_pair(d):
    # R: s <- d$grp3 != "A"; cuminc(d$t[s], d$why[s], group = d$grp3[s])$Tests
    #      stat 18.78595363559 7.62923594838
    from statsmodels.stats.multitest import multipletests

    d3 = _with_grp3_and_stratum(d)
    res = lapse.cumulative_incidence(d3, "t", "why", by="grp3").compare()
    pw = res.pairwise.set_index(["reason", "group_a", "group_b"])
    np.testing.assert_allclose(pw.loc[[(1, "B", "C"), (2, "B", "C")], "statistic"],
                               [18.78595363559, 7.62923594838], rtol=1e-10)
    assert len(pw) == 6 and (res.pairwise.groupby("reason").size() == 3).all()
    for _, part in res.pairwise.groupby("reason"):
        np.testing.assert_allclose(part["p_holm"],
                                   multipletests(part["p_value"], method="holm")[1])
    summary = res.summary()
    assert summary["groups"].tolist()[:2] == ["all", "all"] and len(summary) == 8


def test_gray_test_does_not_depend_on_group_order_or_row_order(d):
    base = lapse.cumulative_incidence(d, "t", "why", by="grp").compare().table
    shuffled = d.sample(frac=1, random_state=1).assign(
        grp=lambda x: pd.Categorical(x["grp"], categories=["B", "A"]))
    other = lapse.cumulative_incidence(shuffled, "t", "why", by="grp").compare().table
    np.testing.assert_allclose(other["statistic"], base["statistic"], rtol=1e-12)


def test_gray_test_edge_cases_match_cmprsk():
    # a group that is emptied by tied lapses at the first time
    # R: cuminc(t, why, g)$Tests: stat 19.3333333333 0.666666666667
    t = [1, 3, 1, 3, 4, 1, 1, 3, 1, 1, 3, 1, 1, 2, 1, 1, 4, 2, 1, 3, 3, 4, 2, 2, 3, 1, 1, 1,
         1, 1]
    why = [1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
           1, 1]
    g = list("baaaabbabbaaaabbaabaaaaaaabbbb")
    # (every member lapsed: censored=None says so; the default 0 is refused, see below)
    res = lapse.cumulative_incidence(pd.DataFrame({"t": t, "why": why, "g": g}), "t", "why",
                                     by="g", censored=None).compare()
    np.testing.assert_allclose(res.table["statistic"], [19.3333333333, 0.666666666667],
                               rtol=1e-10)
    # a group with no lapse for reason 1: R reports stat -1 (singular variance)
    # R: cuminc(c(2, 1, 1, 2, 2, 2), c(2, 2, 2, 1, 1, 2), c("c","a","a","c","b","b"))$Tests:
    #    stat -1 5
    small = pd.DataFrame({"t": [2, 1, 1, 2, 2, 2], "why": [2, 2, 2, 1, 1, 2],
                          "g": list("caacbb")})
    with pytest.warns(RuntimeWarning, match="undefined for reason.* 1"):
        res = lapse.cumulative_incidence(small, "t", "why", by="g", censored=None).compare()
    assert np.isnan(res.table["statistic"].iloc[0]) and np.isnan(res.table["p_value"].iloc[0])
    np.testing.assert_allclose(res.table["statistic"].iloc[1], 5.0, rtol=1e-12)


def test_gray_test_holds_its_level_and_finds_a_difference():
    # simulated truth: under equal cumulative incidences about 5% of tests reject at 5%;
    # with a real difference in one reason (and none in the other) that reason is found
    rng = np.random.default_rng(11)

    def sample(n, h1_b):
        grp = rng.choice(["A", "B"], n)
        h1 = np.where(grp == "B", h1_b, 0.1)
        t1, t2, c = rng.exponential(1 / h1), rng.exponential(10, n), rng.uniform(2, 12, n)
        t = np.round(np.minimum.reduce([t1, t2, c]), 1)
        why = np.where(c < np.minimum(t1, t2), 0, np.where(t1 < t2, 1, 2))
        return pd.DataFrame({"t": t, "why": why, "grp": grp})

    from scipy import stats

    from loyaltylab.lapse._gray import gray_statistic

    def p_values(x):  # the statistic alone: the curves are not needed 300 times
        g = (x["grp"] == "B").to_numpy(int)
        return [stats.chi2.sf(gray_statistic(x["t"].to_numpy(), np.where(
            x["why"] == k, 1, np.where(x["why"] == 0, 0, 2)), g, 2)[0], 1) for k in (1, 2)]

    p = np.array([p_values(sample(150, 0.1)) for _ in range(300)])
    rejected = (p < 0.05).mean(axis=0)
    # 300 draws: a binomial(300, 0.05) share lies in [0.02, 0.09] with probability > 0.99
    assert ((rejected > 0.02) & (rejected < 0.09)).all(), rejected
    big = lapse.cumulative_incidence(sample(2000, 0.2), "t", "why", by="grp").compare()
    assert big.table["p_value"].iloc[0] < 1e-6


def test_gray_test_refuses_what_it_cannot_test(d):
    with pytest.raises(ValueError, match="needs at least two groups"):
        lapse.cumulative_incidence(d, "t", "why").compare()
    with pytest.raises(ValueError, match="no delayed entry.*cause=reason, entry="):
        lapse.cumulative_incidence(d, "t", "why", by="grp", entry="entry").compare()
    with pytest.raises(ValueError, match="column 'st' has 1 missing stratum"):
        lapse.cumulative_incidence(_with_grp3_and_stratum(d).assign(
            st=lambda x: x["st"].where(x.index > 0)), "t", "why", by="grp", strata="st")
    with pytest.raises(ValueError, match="rho must be a finite number"):
        lapse.cumulative_incidence(d, "t", "why", by="grp").compare(rho=float("nan"))


def test_cause_specific_cox_matches_r(d):
    # R: coxph(Surv(t, why == 1) ~ x + grp): coef 0.4106421068, 0.3669199472;
    #    se 0.08977583713, 0.16389115017
    m1 = lapse.fit_lapse_model(d, "t", "why", ["x", "grp"], cause=1, standardize=False)
    np.testing.assert_allclose(m1.params, [0.4106421068, 0.3669199472], atol=1e-6)
    np.testing.assert_allclose(m1.effects()["se"], [0.08977583713, 0.16389115017],
                               atol=1e-7)
    # R: coxph(Surv(entry, t, why == 2) ~ x + grp): coef -0.4924861599, -0.2887215930;
    #    se 0.1290134497, 0.2427706804
    m2 = lapse.fit_lapse_model(d, "t", "why", ["x", "grp"], cause=2, standardize=False,
                               entry="entry")
    np.testing.assert_allclose(m2.params, [-0.4924861599, -0.2887215930], atol=1e-6)
    np.testing.assert_allclose(m2.effects()["se"], [0.1290134497, 0.2427706804],
                               atol=1e-7)
    assert m1.n_lapsed == int((d["why"] == 1).sum())
    with pytest.raises(ValueError, match="cause 3 does not occur in column 'why'"):
        lapse.fit_lapse_model(d, "t", "why", ["x"], cause=3)


def test_labels_as_reasons_and_errors(d):
    labels = d.assign(why=d["why"].map({0: "member", 1: "did not renew", 2: "moved away"}))
    res = lapse.cumulative_incidence(labels, "t", "why", censored="member")
    assert res.reasons == ("did not renew", "moved away")
    coded = lapse.cumulative_incidence(d, "t", "why").table["incidence"].to_numpy()
    np.testing.assert_array_equal(res.table["incidence"].to_numpy(), coded)
    with pytest.raises(ValueError, match="has no lapses"):
        lapse.cumulative_incidence(d.assign(why=0), "t", "why")
    with pytest.raises(ValueError, match="missing reason"):
        lapse.cumulative_incidence(d.assign(why=d["why"].where(d.index > 0)), "t", "why")


def test_plot(d):
    import matplotlib.pyplot as plt

    res = lapse.cumulative_incidence(d, "t", "why", by="grp")
    fig, ax = plt.subplots()
    out = plots.cumulative_incidence(res, ax=ax)
    assert out is ax
    assert len(ax.get_lines()) == 4 and ax.get_legend() is not None
    plt.close(fig)


def test_intervals_at_another_level(d):
    res = lapse.cumulative_incidence(d, "t", "why")
    a95, a80 = res.at([50]), res.at([50], ci=0.8)
    assert (a80["ci_low"] > a95["ci_low"]).all() and (a80["ci_high"] < a95["ci_high"]).all()
    np.testing.assert_array_equal(a80["incidence"], a95["incidence"])


def test_simulated_reasons_are_recovered(lib):
    from loyaltylab import simulate

    rl = simulate.lapse_reasons(lib, seed=3)
    t = lapse.tenure_table(rl.members, rl.as_of)
    assert (t.data["reason"] == "member").sum() == t.n_censored
    ci = lapse.cumulative_incidence(t, "tenure", "reason", by="member_type",
                                    censored="member")
    km = lapse.retention_curves(t, "tenure", "has_lapsed", by="member_type",
                                horizons=(4,)).at_horizons.set_index("group")["retention"]
    at = ci.at([4])
    share = at["incidence"] / (1 - at["group"].map(km))
    truth = np.array([simulate.LAPSE_REASON_SHARES.loc[g, r]
                      for g, r in zip(at["group"], at["reason"], strict=True)])
    n_lapsed = at["group"].map(t.data.groupby("member_type", observed=True)["has_lapsed"].sum())
    # reasons are drawn independently of time: the share of each reason among the lapses
    # by year 4 estimates its true share; binomial error bound
    bound = 4 * np.sqrt(truth * (1 - truth) / n_lapsed)
    assert (np.abs(share - truth) < bound).all()
    assert rl.truth.effects["lapse_reason_shares"]["student"]["moved away"] == 0.40


def test_migration_keeps_only_survivors_and_later_records(lib):
    from loyaltylab import simulate

    mig = simulate.migrate(lib, "2021-01-01")
    assert len(mig.members) == 4570
    assert (mig.members["lapsed"].isna() | (mig.members["lapsed"] > "2021-01-01")).all()
    assert (mig.visits["date"] >= "2021-01-01").all()
    assert set(mig.visits["member_id"]) <= set(mig.members["member_id"])
    assert mig.truth is lib.truth

"""The package's own log-rank tests (issue #23: lifelines caps pandas below 3), against R.

Reference numbers from R 4.2.2, survival 3.5.3, on the lung data (rows with ph.ecog):

    library(survival)
    d <- lung[!is.na(lung$ph.ecog), ]
    s <- survdiff(Surv(time, status) ~ ph.ecog, data = d)          # chisq 21.9621316825
    s$obs  # 37 82 44 1;  s$exp  # 54.1526970 83.5275646 26.1473531 0.1723853
    w <- c(0, 1, 2, 3)                                              # trend from survdiff's
    (sum(w * (s$obs - s$exp)))^2 / (t(w) %*% s$var %*% w)           # own obs, exp and var:
                                                                    # 17.8751207625
    survdiff(Surv(time, status) ~ sex + strata(ph.ecog), data = d)  # chisq 10.7950596335
    survdiff(Surv(time, status) ~ ph.ecog,
             data = d[d$ph.ecog %in% c(1, 2), ])                    # chisq 8.4334463781
"""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse


@pytest.fixture(scope="module")
def lung():
    from tests._data import lung as load_lung

    d = load_lung().dropna(subset=["ph.ecog"])
    return d.assign(ecog=d["ph.ecog"].astype(int))


def test_overall_trend_stratified_and_pairwise_equal_r_survdiff(lung):
    r = lapse.logrank_test(lung, "time", "status", "ecog", scores={0: 0, 1: 1, 2: 2, 3: 3})
    overall = r.iloc[0]
    assert overall["statistic"] == pytest.approx(21.9621316825, rel=1e-9)
    assert overall["df"] == 3
    np.testing.assert_allclose([overall[f"observed_{g}"] for g in range(4)], [37, 82, 44, 1])
    np.testing.assert_allclose([overall[f"expected_{g}"] for g in range(4)],
                               [54.1526970, 83.5275646, 26.1473531, 0.1723853], atol=5e-8)
    trend = r[r["test"] == "trend"].iloc[0]
    assert trend["statistic"] == pytest.approx(17.8751207625, rel=1e-9) and trend["df"] == 1
    pair = r[(r["test"] == "pair") & (r["group_a"] == 1) & (r["group_b"] == 2)].iloc[0]
    assert pair["statistic"] == pytest.approx(8.4334463781, rel=1e-9)
    # the rows each test compared: all, and a pair's two groups (R: survdiff's n)
    assert overall["n"] == trend["n"] == len(lung) == 227
    assert pair["n"] == int(lung["ecog"].isin([1, 2]).sum()) == 163
    strat = lapse.logrank_test(lung, "time", "status", "sex", strata="ecog")
    assert strat.iloc[0]["statistic"] == pytest.approx(10.7950596335, rel=1e-9)
    assert strat.iloc[0]["test"] == "overall, stratified by ecog" and len(strat) == 1


def test_pairs_are_holm_adjusted_and_match_lifelines(lung):
    pytest.importorskip("lifelines")  # an optional companion (issue 23)
    from lifelines.statistics import pairwise_logrank_test

    r = lapse.logrank_test(lung, "time", "status", "ecog")
    pairs = r[r["test"] == "pair"].set_index(["group_a", "group_b"])
    ref = pairwise_logrank_test(lung["time"], lung["ecog"], lung["status"]).summary
    for (a, b), row in ref.iterrows():
        assert pairs.loc[(a, b), "statistic"] == pytest.approx(row["test_statistic"], rel=1e-9)
    p = np.sort(pairs["p_value"].to_numpy())
    holm = np.maximum.accumulate(np.minimum(1, p * np.arange(len(p), 0, -1)))
    np.testing.assert_allclose(np.sort(pairs["p_holm"].to_numpy()), holm)


def test_retention_curves_compare_uses_it():
    d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 2, 3], "e": [1, 1, 1, 1, 0, 1, 1, 0],
                      "g": list("aaabbbcc")})
    curves = lapse.retention_curves(d, "t", "e", by="g")
    res = curves.compare()
    direct = lapse.logrank_test(d, "t", "e", "g")
    assert res.statistic == pytest.approx(direct.iloc[0]["statistic"])
    assert len(res.pairwise) == 3


def test_bad_input_is_refused_with_the_column():
    d = pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1], "g": ["a", "a", None]})
    with pytest.raises(ValueError, match="column 'g' has 1 missing group"):
        lapse.logrank_test(d, "t", "e", "g")
    with pytest.raises(ValueError, match="at least two groups"):
        lapse.logrank_test(d.fillna("a"), "t", "e", "g")
    with pytest.raises(ValueError, match="one finite number per group"):
        lapse.logrank_test(d.fillna("b"), "t", "e", "g", scores=[1.0])
    # equal scores: no direction to test. Their variance is a rounding error (here not an
    # exact 0), which a relative tolerance refuses as it refuses an exact 0
    # (on this data the old `var > 0` let 0.1, 0.1, 0.1 through: 4e-18, a chi-square of 0/0)
    d2 = pd.DataFrame({"t": [0.64, 0.27, 0.04, 0.02, 0.81, 0.91, 0.61, 0.73, 0.54, 0.94,
                             0.82, 0.0],
                       "e": [0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1], "g": list("abc") * 4})
    for w in ([0.1, 0.1, 0.1], [3.0, 3.0, 3.0]):
        with pytest.raises(ValueError, match="no variance"):
            lapse.logrank_test(d2, "t", "e", "g", scores=w)
    lapse.logrank_test(d2, "t", "e", "g", scores=[0.1, 0.1, 0.1 + 1e-3])  # a direction


def test_concordance_equals_r():
    # R 4.2.2, survival 3.5.3:
    #   d <- lung[!is.na(lung$ph.karno), ]
    #   concordance(Surv(time, status) ~ ph.karno, data = d)$concordance   # 0.5977865373
    #   (9611 concordant, 5741 discordant, 4436 tied in the score)
    from loyaltylab import _stats
    from tests._data import lung as load_lung

    d = load_lung().dropna(subset=["ph.karno"])
    c = _stats.concordance(d["time"].to_numpy(), d["ph.karno"].to_numpy(),
                           d["status"].to_numpy() == 1)
    assert c == pytest.approx(0.5977865373, abs=1e-10)


def test_concordance_equals_lifelines_on_ties_and_censoring():
    pytest.importorskip("lifelines")  # an optional companion (issue 23)
    from lifelines.utils import concordance_index

    from loyaltylab import _stats

    rng = np.random.default_rng(23)
    for trial in range(100):  # ties in time and in score, censoring: the same pairs
        n = int(rng.integers(2, 50))
        t = rng.integers(1, 6, n).astype(float) if trial % 2 else rng.random(n)
        s = rng.integers(0, 4, n).astype(float) if trial % 3 else rng.normal(size=n)
        e = rng.random(n) < 0.6
        try:
            ref = concordance_index(t, s, e)
        except ZeroDivisionError:
            with pytest.raises(ValueError, match="no comparable pairs"):
                _stats.concordance(t, s, e)
            continue
        assert _stats.concordance(t, s, e) == pytest.approx(ref, abs=1e-12)


def test_ridge_cox_equals_r_and_lifelines_on_the_own_solver():
    # R 4.2.2, survival 3.5.3 (lung rows complete in age, ph.ecog, wt.loss; n = 213):
    #   coxph(Surv(time, status) ~ ridge(age, ph.ecog, wt.loss, theta = n * 0.1,
    #         scale = TRUE), data = d)
    #   coef 0.0126380408 0.4021828030 -0.0052346152; se (sqrt(diag(var)))
    #   0.0089566591 0.1165006616 0.0060786050  -- lifelines CoxPHFitter(penalizer=0.1) too
    from tests._data import lung as load_lung

    d = load_lung()[["time", "status", "age", "ph.ecog", "wt.loss"]].dropna()
    m = lapse.fit_lapse_model(d, "time", "status", ["age", "ph.ecog", "wt.loss"],
                              penalizer=0.1, standardize=False)
    assert m.cox is not None and len(d) == 213  # the package's own solver
    np.testing.assert_allclose(m.params, [0.0126380408, 0.4021828030, -0.0052346152],
                               atol=1e-8)
    np.testing.assert_allclose(m.effects()["se"], [0.0089566591, 0.1165006616, 0.0060786050],
                               atol=1e-8)
    # per SD (standardized design): the same fit, rescaled
    s = lapse.fit_lapse_model(d, "time", "status", ["age", "ph.ecog", "wt.loss"],
                              penalizer=0.1)
    sd = d[["age", "ph.ecog", "wt.loss"]].std().to_numpy()
    np.testing.assert_allclose(s.params.to_numpy() / sd, m.params.to_numpy(), rtol=1e-6)


def test_ridge_time_varying_equals_lifelines():
    pytest.importorskip("lifelines")
    from lifelines import CoxTimeVaryingFitter

    rng = np.random.default_rng(5)
    rows = []
    for i in range(300):
        x, t = rng.normal(), 0.0
        for _ in range(3):
            stop = t + rng.exponential(1.0)
            ev = int(rng.random() < 0.3 * np.exp(0.5 * x))
            rows.append({"id": i, "start": t, "stop": stop, "x": x, "z": rng.normal(),
                         "has_lapsed": ev})
            if ev:
                break
            t = stop
    ep = pd.DataFrame(rows)
    ours = lapse.fit_time_varying_lapse_model(ep, "id", ["x", "z"], penalizer=0.05)
    ref = CoxTimeVaryingFitter(penalizer=0.05).fit(ep, id_col="id", event_col="has_lapsed",
                                                   start_col="start", stop_col="stop",
                                                   fit_options={"precision": 1e-12})
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params_.to_numpy(), rtol=1e-6)

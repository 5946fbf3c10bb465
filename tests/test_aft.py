"""The package's own parametric AFT models (loyaltylab.lapse._aft, issue 23) against R's
``survreg``, a second implementation of the left-truncated likelihood in R, lifelines, and
the closed forms of each distribution.

R 4.2.2, survival 3.5.3 (Debian packages), on tests/data/lung.csv:
    lung <- read.csv("tests/data/lung.csv"); options(digits = 12)
    ctl <- survreg.control(rel.tolerance = 1e-12, iter.max = 100)
    f <- survreg(Surv(time, status) ~ age + sex, data = lung, dist = d, control = ctl)
    coef(f); sqrt(diag(vcov(f))); f$loglik; log(f$scale)
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltylab import lapse
from loyaltylab.lapse._aft import fit_aft
from tests._data import lung as load_lung

# dist -> (Intercept, age, sex), their SEs and Log(scale)'s, loglik (null, model), log(scale)
R_SURVREG = {
    "weibull": ([6.2748530584159, -0.0122570255897, 0.3820851396766],
                [0.48136695286388, 0.00695747226506, 0.12747684050486, 0.06188327212511],
                (-1153.85118809, -1147.05443143), -0.282295343412),
    "lognormal": ([6.4079885485160, -0.0233564575539, 0.5192536746285],
                  [0.5929274039325, 0.0083882388284, 0.1551522354236, 0.0560156773610],
                  (-1169.26905531, -1158.75014259), 0.0513353890812),
    "loglogistic": ([5.9223153727440, -0.0140050850097, 0.4775092249038],
                    [0.53269225778055, 0.00771442639245, 0.14035526126946, 0.06543320477626],
                    (-1160.93062351, -1152.89722532), -0.569906010332),
    "exponential": ([6.3596715417897, -0.0156187110401, 0.4809349239602],
                    [0.63546908251533, 0.00910568018486, 0.16709428595251],
                    (-1162.33817579, -1156.09903714), 0.0),
}


# concordance(f)$concordance of the same fits
R_CONCORDANCE = {"weibull": 0.602902967922, "lognormal": 0.601453982212,
                 "loglogistic": 0.602952932947, "exponential": 0.602853002898}


@pytest.fixture(scope="module")
def lung():
    return load_lung()


def _design(d, cols=("age", "sex")):
    return np.column_stack([np.ones(len(d)), *(d[c].to_numpy(float) for c in cols)])


@pytest.mark.parametrize("model", list(R_SURVREG))
def test_each_distribution_equals_r_survreg(lung, model):
    coef, se, (_, ll), log_scale = R_SURVREG[model]
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model=model,
                              standardize=False)
    f = m.aft
    np.testing.assert_allclose(f.coef, coef, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(f.se, se, rtol=1e-8)
    assert f.loglik == pytest.approx(ll, abs=1e-7)
    assert f.log_scale[0] == pytest.approx(log_scale, abs=1e-10)
    assert f.converged
    # the public table: time ratios exp(coef) with R's standard errors; AIC as R's AIC(f)
    eff = m.effects().set_index("covariate")
    np.testing.assert_allclose(eff["coef"], coef[1:], rtol=1e-9)
    np.testing.assert_allclose(eff["se"], se[1:3], rtol=1e-8)
    np.testing.assert_allclose(eff["time_ratio"], np.exp(coef[1:]), rtol=1e-9)
    assert m.aic == pytest.approx(-2 * ll + 2 * len(se), abs=1e-6)
    assert m.concordance == pytest.approx(R_CONCORDANCE[model], abs=1e-11)
    assert m.score(lung.dropna(subset=["age", "sex"])) == pytest.approx(m.concordance,
                                                                       abs=1e-12)


def test_strata_give_one_scale_each_as_r():
    # f <- survreg(Surv(time, status) ~ age + strata(sex), data = lung, dist = "weibull",
    #              control = ctl)
    d = load_lung()
    m = lapse.fit_lapse_model(d, "time", "status", ["age"], model="weibull", strata=["sex"],
                              standardize=False)
    np.testing.assert_allclose(m.aft.coef, [6.838793482770, -0.012469175657], rtol=1e-9)
    np.testing.assert_allclose(m.aft.log_scale, [-0.211161756883, -0.411284632220],
                               atol=1e-10)
    np.testing.assert_allclose(m.aft.se, [0.43660691377813, 0.00688160499074,
                                          0.07886865003497, 0.10679128979140], rtol=1e-8)
    assert m.aft.loglik == pytest.approx(-1150.8187664, abs=1e-6)
    assert m.aft.strata == ("1", "2")
    # f <- survreg(Surv(time, status) ~ age + sex + strata(sex), dist = "lognormal", ...)
    m = lapse.fit_lapse_model(d, "time", "status", ["age", "sex"], model="lognormal",
                              strata=["sex"], standardize=False)
    np.testing.assert_allclose(m.aft.coef, [6.3843062326550, -0.0226539607976,
                                            0.5013187329337], rtol=1e-9)
    np.testing.assert_allclose(m.aft.log_scale, [0.0697921332802, 0.0095382904575],
                               atol=1e-10)
    np.testing.assert_allclose(m.aft.se, [0.59325165121112, 0.00848169366991,
                                          0.15616451355319, 0.06810327555901,
                                          0.09998538499548], rtol=1e-8)
    assert m.aft.loglik == pytest.approx(-1158.62890936, abs=1e-6)
    # predictions use each profile's own stratum; an unknown one is refused by name
    prof = pd.DataFrame({"age": [60, 60], "sex": [1, 2]})
    sf = m.predict_retention(prof, [300.0])
    sig = np.exp(m.aft.log_scale)
    lp = m.aft.coef @ np.array([[1, 1], [60, 60], [1, 2]])
    want = stats.norm.sf((np.log(300.0) - lp) / sig)
    np.testing.assert_allclose(sf.iloc[0].to_numpy(), want, rtol=1e-12)
    with pytest.raises(ValueError, match=r"strata of the profiles were not in the fitted "
                                         r"data \(e\.g\. '3'\)"):
        m.predict_retention(prof.assign(sex=3), [300.0])
    with pytest.raises(ValueError, match="exponential model has none"):
        lapse.fit_lapse_model(d, "time", "status", ["age"], model="exponential",
                              strata=["sex"])


def test_robust_and_cluster_sandwich_as_r(lung):
    # f <- survreg(Surv(time, status) ~ age + sex, data = lung, dist = "weibull",
    #              robust = TRUE, control = ctl); sqrt(diag(vcov(f))); sqrt(diag(f$naive.var))
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model="weibull",
                              robust=True, standardize=False)
    np.testing.assert_allclose(m.aft.se, [0.49059446309766, 0.00736668750416,
                                          0.12140955392721, 0.06606326137423], rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(m.aft.naive_variance)),
                               R_SURVREG["weibull"][1], rtol=1e-8)
    np.testing.assert_allclose(m.effects()["se"], [0.00736668750416, 0.12140955392721],
                               rtol=1e-8)
    # f <- survreg(Surv(time, status) ~ age + sex + cluster(inst),
    #              data = lung[!is.na(lung$inst), ], dist = "loglogistic", control = ctl)
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model="loglogistic",
                              cluster="inst", standardize=False)
    assert m.excluded["missing covariate"] == 1 and m.n == 227
    np.testing.assert_allclose(m.aft.coef, [5.929158655583, -0.014246858801, 0.481922250378],
                               rtol=1e-9)
    np.testing.assert_allclose(m.aft.se, [0.49053199888966, 0.00788378864409,
                                          0.11546186454585, 0.08088966785246], rtol=1e-8)


def test_ridge_as_r_survreg_ridge(lung):
    # n <- nrow(lung)
    # f <- survreg(Surv(time, status) ~ ridge(age, sex, theta = n * 0.1, scale = TRUE),
    #              data = lung, dist = "weibull", control = ctl)
    # coef(f); sqrt(diag(vcov(f))); f$loglik; log(f$scale); f$penalty
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model="weibull",
                              penalizer=0.1, standardize=False)
    np.testing.assert_allclose(m.aft.coef, [6.2549641547280, -0.0113104852673,
                                            0.3520385926731], rtol=1e-9)
    np.testing.assert_allclose(m.aft.se, [0.45804073286043, 0.00662002055694,
                                          0.12061563373445, 0.06163917211633], rtol=1e-8)
    assert m.aft.loglik == pytest.approx(-1147.09323011, abs=1e-7)  # without the penalty
    assert m.aft.penalty == pytest.approx(0.459100388391, abs=1e-9)
    assert m.aft.log_scale[0] == pytest.approx(-0.285218164685, abs=1e-10)
    # per-SD coefficients: the same fit (the penalty is on the standardized scale)
    z = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model="weibull",
                              penalizer=0.1)
    assert z.params["age"] == pytest.approx(m.params["age"] * lung["age"].std(), rel=1e-8)


# Left truncation: survreg has none, so the reference is the likelihood written in R with the
# survival package's own densities and maximised by optim:
#   lung$entry <- ifelse((seq_len(n) - 1) %% 3 == 0, floor(lung$time / 2), 0)
#   nll <- function(p) { eta <- X %*% p[1:3]; s <- exp(p[4])
#     f <- dsurvreg(lung$time, eta, s, distribution = d)
#     S <- 1 - psurvreg(lung$time, eta, s, distribution = d)
#     Sa <- ifelse(lung$entry > 0, 1 - psurvreg(pmax(lung$entry, 1e-300), eta, s, d), 1)
#     -sum(lung$status * log(f) + (1 - lung$status) * log(S) - log(Sa)) }
#   optim(BFGS, reltol = 1e-16) -> Nelder-Mead -> BFGS again, from survreg's fit
# (optim stops about 1e-7 from the optimum, so the coefficients are compared to 1e-6)
R_ENTRY = {"weibull": ([6.1760542079383, -0.0131574544816, 0.4066967951349],
                       -0.1866998776934, -1124.23725218),
           "lognormal": ([6.3298723639770, -0.0254341029191, 0.5380820806924],
                         0.0730442828697, -1132.98599897),
           "loglogistic": ([5.8620812322369, -0.0163670249153, 0.5156786727234],
                           -0.5233238261402, -1129.96780138)}


def _entry(d):
    return np.where(np.arange(len(d)) % 3 == 0, np.floor(d["time"] / 2), 0.0)


@pytest.mark.parametrize("model", list(R_ENTRY))
def test_delayed_entry_equals_the_truncated_likelihood_in_r(lung, model):
    coef, log_scale, ll = R_ENTRY[model]
    d = lung.assign(entry=_entry(lung))
    m = lapse.fit_lapse_model(d, "time", "status", ["age", "sex"], model=model,
                              entry="entry", standardize=False)
    np.testing.assert_allclose(m.aft.coef, coef, rtol=2e-6, atol=2e-7)
    assert m.aft.log_scale[0] == pytest.approx(log_scale, abs=1e-6)
    assert m.aft.loglik == pytest.approx(ll, abs=1e-8)
    # its standard errors: the observed information against a numerical Hessian of the
    # truncated likelihood written with scipy's distributions (a second implementation)
    w = {"weibull": stats.gumbel_l, "lognormal": stats.norm,
         "loglogistic": stats.logistic}[model]
    x, y, e = _design(d), np.log(d["time"].to_numpy()), d["status"].to_numpy()
    a = d["entry"].to_numpy()

    def nll(p):
        eta, s = x @ p[:3], np.exp(p[3])
        z = (y - eta) / s
        out = np.where(e == 1, w.logpdf(z) - np.log(s) - y, w.logsf(z))
        with np.errstate(divide="ignore"):
            za = (np.log(a) - eta) / s
        return -(out.sum() - w.logsf(za)[a > 0].sum())

    from statsmodels.tools.numdiff import approx_hess3

    hess = approx_hess3(m.aft.params, nll)
    assert nll(m.aft.params) == pytest.approx(-ll, abs=1e-8)
    np.testing.assert_allclose(m.aft.se, np.sqrt(np.diag(np.linalg.inv(hess))), rtol=1e-5)


def test_lifelines_gives_the_same_fits(lung):
    lifelines = pytest.importorskip("lifelines")  # an optional companion (issue 23)
    d = lung.assign(entry=_entry(lung))
    for model, fitter, shape, sign in (("weibull", "WeibullAFTFitter", "rho_", -1),
                                       ("lognormal", "LogNormalAFTFitter", "sigma_", 1),
                                       ("loglogistic", "LogLogisticAFTFitter", "beta_", -1)):
        for kw in ({}, {"entry": "entry"}):
            m = lapse.fit_lapse_model(d, "time", "status", ["age", "sex"], model=model,
                                      standardize=False, **kw)
            ref = getattr(lifelines, fitter)().fit(
                d[["time", "status", "age", "sex", *kw.values()]], "time", "status",
                entry_col=kw.get("entry"))
            # lifelines' own stopping rule leaves it near the optimum, never above it
            assert ref.log_likelihood_ <= m.aft.loglik + 1e-9
            assert ref.log_likelihood_ == pytest.approx(m.aft.loglik, abs=1e-4)
            np.testing.assert_allclose(ref.params_.loc[shape].iloc[0],
                                       sign * m.aft.log_scale[0], atol=1e-3)
            np.testing.assert_allclose(ref.standard_errors_.loc[shape].iloc[0],
                                       m.aft.se[-1], rtol=1e-3)
            assert m.fitter.log_likelihood_ == pytest.approx(ref.log_likelihood_, abs=1e-9)
            # concordance ordered by predicted median tenure, as lifelines'; lifelines'
            # medians of equal members differ in the last bits and split a few ties (R's
            # value, which the package equals, is in R_CONCORDANCE)
            assert m.concordance == pytest.approx(ref.concordance_index_, abs=2e-4)
    # robust errors: lifelines' sandwich is R's too
    r = lapse.fit_lapse_model(d, "time", "status", ["age", "sex"], model="weibull",
                              robust=True, standardize=False)
    np.testing.assert_allclose(r.fitter.standard_errors_.loc["lambda_"][["age", "sex"]],
                               r.effects()["se"], rtol=1e-5)
    c = lapse.fit_lapse_model(d, "time", "status", ["age"], model="weibull", cluster="inst")
    with pytest.raises(ValueError, match="lifelines has no regression with clustered"):
        _ = c.fitter
    with pytest.raises(ValueError, match="lifelines has no regression with an exponential"):
        _ = lapse.fit_lapse_model(d, "time", "status", ["age"], model="exponential").fitter


@pytest.mark.parametrize("model, w", [("weibull", stats.gumbel_l), ("lognormal", stats.norm),
                                      ("loglogistic", stats.logistic),
                                      ("exponential", stats.gumbel_l)])
def test_predicted_retention_is_the_model_survival_function(lung, model, w):
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model=model)
    prof = pd.DataFrame({"age": [50, 75], "sex": [2, 1]}, index=["younger woman", "older man"])
    times = [0.0, 1.0, 365.0, 3000.0]
    sf = m.predict_retention(prof, times)
    x = m._profile_design(prof).to_numpy()
    lp = m.aft.coef[0] + x @ m.aft.coef[1:]
    sig = np.exp(m.aft.log_scale[0])
    with np.errstate(divide="ignore"):
        want = w.sf((np.log(np.array(times))[:, None] - lp) / sig)
    np.testing.assert_allclose(sf.to_numpy(), want, rtol=1e-12, atol=1e-300)
    assert sf.loc[0.0].tolist() == [1.0, 1.0]
    assert (sf["younger woman"].iloc[1:] > sf["older man"].iloc[1:]).all()
    with pytest.raises(ValueError,
                       match=r"times has 1 value\(s\) that are negative, missing or infinite"):
        m.predict_retention(prof, [-1.0])


def test_recovers_known_parameters_of_simulated_members():
    # log T = 1 + 0.4 x1 - 0.25 x2 + sigma W, one stratum with sigma 0.6 and one with 1.1,
    # censoring at a uniform time and delayed entry for a third of the members
    rng = np.random.default_rng(2026)
    n = 40_000
    x1, x2 = rng.normal(size=n), rng.integers(0, 2, n).astype(float)
    g = rng.integers(0, 2, n)
    sigma = np.where(g == 0, 0.6, 1.1)
    t = np.exp(1 + 0.4 * x1 - 0.25 * x2 + sigma * np.log(rng.exponential(size=n)))
    c = rng.uniform(0, 15, n)
    entry = np.where(rng.uniform(size=n) < 1 / 3, rng.uniform(0, 2, n), 0.0)
    keep = np.minimum(t, c) > entry  # left truncation: only those still there at entry
    d = pd.DataFrame({"t": np.minimum(t, c), "e": (t <= c).astype(int), "x1": x1, "x2": x2,
                      "g": g, "entry": entry})[keep]
    m = lapse.fit_lapse_model(d, "t", "e", ["x1", "x2"], model="weibull", strata=["g"],
                              entry="entry", standardize=False)
    truth = np.array([1.0, 0.4, -0.25, np.log(0.6), np.log(1.1)])
    z = (m.aft.params - truth) / m.aft.se
    assert (np.abs(z) < 4).all(), z


def test_sigma_decides_nothing_on_an_exact_zero():
    # the same members in a different row order give the same fit to the printed digit
    d = load_lung()
    m1 = lapse.fit_lapse_model(d, "time", "status", ["age", "sex"], model="loglogistic")
    m2 = lapse.fit_lapse_model(d.sample(frac=1, random_state=3), "time", "status",
                               ["age", "sex"], model="loglogistic")
    np.testing.assert_allclose(m1.aft.params, m2.aft.params, rtol=1e-10, atol=1e-12)
    assert m1.aft.iterations <= 10


def test_fit_aft_rejects_nothing_silently():
    # every row is used: lapses and censored rows both enter the likelihood
    d = load_lung()
    f = fit_aft(_design(d), d["time"].to_numpy(float), d["status"].to_numpy(), model="weibull")
    half = fit_aft(_design(d)[::2], d["time"].to_numpy(float)[::2], d["status"].to_numpy()[::2],
                   model="weibull")
    assert f.loglik < half.loglik  # twice the rows, twice (about) the log-likelihood
    assert f.loglik == pytest.approx(2 * half.loglik, rel=0.1)

"""The package's Cox solver (loyaltylab.lapse._cox) against lifelines and R.

R references: R 4.2.2, survival 3.5.3 (Debian packages), on lifelines' rossi data written to
CSV, with ``d$ent`` from ``_entry()`` below and ``d$id <- seq_len(nrow(d))``:
    coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, d, robust = TRUE)
    coxph(Surv(week, arrest) ~ ..., d, robust = TRUE, ties = "breslow")
    coxph(Surv(ent, week, arrest) ~ fin + age + wexp + mar + paro + prio + strata(race), d,
          robust = TRUE, id = id)
    coxph(Surv(ent, week, arrest) ~ ... + strata(race), d, ties = "breslow")
"""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse
from loyaltylab.lapse._cox import fit_cox
from tests._data import lung as load_lung
from tests._data import rossi as load_rossi

COLS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def rossi():
    return load_rossi()


def _entry(rossi):
    rng = np.random.default_rng(1)
    ent = np.floor(rng.uniform(0, rossi["week"].to_numpy() - 1))
    return ent * (rng.uniform(size=len(rossi)) < 0.4)


def _fit(r, cols=COLS, **kw):
    return fit_cox(r[cols].to_numpy(float), r["week"].to_numpy(float),
                   r["arrest"].to_numpy(bool), **kw)


def _cph():
    # lifelines, an optional companion (issue 23): its tests skip without it
    return pytest.importorskip("lifelines").CoxPHFitter


def test_efron_matches_lifelines(rossi):
    CoxPHFitter = _cph()
    cph = CoxPHFitter().fit(rossi, "week", "arrest")
    f = _fit(rossi)
    np.testing.assert_allclose(f.params, cph.params_[COLS], atol=1e-7)
    np.testing.assert_allclose(f.se, cph.standard_errors_[COLS], atol=1e-8)
    assert f.loglik == pytest.approx(cph.log_likelihood_, abs=1e-8)
    assert f.converged and f.ties == "efron"


def test_strata_and_entry_match_lifelines(rossi):
    CoxPHFitter = _cph()
    cols = [c for c in COLS if c != "race"]
    cph = CoxPHFitter().fit(rossi, "week", "arrest", strata=["race"])
    f = _fit(rossi, cols, strata=rossi["race"].to_numpy())
    np.testing.assert_allclose(f.params, cph.params_[cols], atol=1e-7)
    np.testing.assert_allclose(f.se, cph.standard_errors_[cols], atol=1e-8)
    ent = _entry(rossi)
    cph = CoxPHFitter().fit(rossi.assign(ent=ent), "week", "arrest", entry_col="ent")
    f = _fit(rossi, entry=ent)
    np.testing.assert_allclose(f.params, cph.params_[COLS], atol=1e-7)
    np.testing.assert_allclose(f.se, cph.standard_errors_[COLS], atol=1e-8)
    assert f.loglik == pytest.approx(cph.log_likelihood_, abs=1e-8)


def test_robust_and_breslow_match_r(rossi):
    f = _fit(rossi, robust=True)
    np.testing.assert_allclose(f.se, [0.1955417789820, 0.0253361462640, 0.2923285553468,
                                      0.2180603152837, 0.3802444657500, 0.1992008295988,
                                      0.0289745946316], atol=1e-9)
    b = _fit(rossi, ties="breslow", robust=True)
    np.testing.assert_allclose(b.params, [-0.3790218874308, -0.0572459250447, 0.3141297669074,
                                          -0.1511146000560, -0.4327825737629,
                                          -0.0849828352673, 0.0911115420916], atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(b.variance)),
                               [0.1913644258598, 0.0219831857251, 0.3080172797370,
                                0.2121231608837, 0.3817949352629, 0.1957482073092,
                                0.0286312529561], atol=1e-9)
    np.testing.assert_allclose(b.se, [0.1946877401910, 0.0252287001502, 0.2910777235737,
                                      0.2169609035923, 0.3788912171512, 0.1983420108982,
                                      0.0287483869175], atol=1e-9)
    assert (b.loglik_null, b.loglik) == pytest.approx((-675.683389417, -659.120605677),
                                                      abs=1e-8)


def test_entry_strata_robust_match_r(rossi):
    cols = [c for c in COLS if c != "race"]
    ent = _entry(rossi)
    f = _fit(rossi, cols, entry=ent, strata=rossi["race"].to_numpy(), robust=True)
    np.testing.assert_allclose(f.params, [-0.3658155469367, -0.0537338647894, -0.1414881250549,
                                          -0.4206239952002, -0.1422491607975,
                                          0.0845909387922], atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(f.variance)),
                               [0.1911051955734, 0.0216178801485, 0.2136944699483,
                                0.3810957665263, 0.1950425589139, 0.0287152824446], atol=1e-9)
    np.testing.assert_allclose(f.se, [0.1916275504281, 0.0243011436493, 0.2170157160792,
                                      0.3801357547938, 0.1953412737007, 0.0277861431687],
                               atol=1e-9)
    assert f.loglik == pytest.approx(-600.318268819, abs=1e-8)
    b = _fit(rossi, cols, entry=ent, strata=rossi["race"].to_numpy(), ties="breslow")
    np.testing.assert_allclose(b.params, [-0.3643660470379, -0.0533964984559, -0.1420761084984,
                                          -0.4236050242257, -0.1401128671121,
                                          0.0842079715073], atol=1e-8)
    assert (b.loglik_null, b.loglik) == pytest.approx((-615.385752223, -600.822834812),
                                                      abs=1e-8)


def test_heavy_ties_match_lifelines():
    CoxPHFitter = _cph()
    # daily tenures: most lapse days are shared by several members
    rng = np.random.default_rng(5)
    n = 3000
    x = rng.normal(size=(n, 3))
    t = np.ceil(rng.exponential(1 / np.exp(x @ [0.4, -0.3, 0.2])) * 20)
    c = rng.integers(1, 60, n)
    d = pd.DataFrame(x, columns=["a", "b", "c"]).assign(t=np.minimum(t, c), e=(t <= c) * 1)
    assert d.loc[d["e"] == 1, "t"].value_counts().max() > 50
    cph = CoxPHFitter().fit(d, "t", "e")
    f = fit_cox(x, d["t"].to_numpy(float), d["e"].to_numpy(bool))
    np.testing.assert_allclose(f.params, cph.params_, atol=1e-7)
    np.testing.assert_allclose(f.se, cph.standard_errors_, atol=1e-8)


def test_lapse_model_uses_the_solver_and_keeps_lifelines_reachable():
    _cph()
    lung = load_lung()
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex", "ph.ecog"])
    assert m.cox is not None and m._fitter is None
    ref = m.fitter  # built now, by lifelines (to a tight tolerance)
    np.testing.assert_allclose(m.params, ref.params_[m.params.index], atol=1e-10)
    np.testing.assert_allclose(m.effects()["se"], ref.standard_errors_[m.params.index],
                               atol=1e-10)
    assert m.concordance == pytest.approx(ref.concordance_index_, abs=1e-12)
    assert m.aic == pytest.approx(ref.AIC_partial_, abs=1e-6)
    profiles = pd.DataFrame({"age": [50, 70], "sex": [1, 2], "ph.ecog": [0, 2]})
    times = [0, 5, 100, 365.5, 700]
    mine = m.predict_retention(profiles, times)
    theirs = ref.predict_survival_function(m._profile_design(profiles), times=times)
    theirs.loc[np.array(times) < 5, :] = 1.0  # lifelines extrapolates backwards before the
    np.testing.assert_allclose(mine.to_numpy(), theirs.to_numpy(), atol=1e-10)  # 1st lapse
    # strata: a baseline per stratum, as lifelines' stratified predictions at each stratum's
    # tenures (between them lifelines steps where its unstratified predictions, and the
    # package's, interpolate)
    s = lapse.fit_lapse_model(lung, "time", "status", ["age", "ph.ecog"], strata=["sex"])
    sref = s.fitter
    for k, prof in profiles.groupby("sex"):
        at = np.unique(lung.loc[(lung["sex"] == k) & lung["ph.ecog"].notna(), "time"])
        mine = s.predict_retention(prof, at)
        theirs = sref.predict_survival_function(
            s._profile_design(prof).assign(sex=prof["sex"].to_numpy()), times=at)
        np.testing.assert_allclose(mine.to_numpy(), theirs.to_numpy(), atol=1e-10)
    with pytest.raises(ValueError, match="strata of the profiles were not in the fitted"):
        s.predict_retention(profiles.assign(sex=3), times)
    r = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], robust=True,
                              ties="breslow")
    assert r.cox.ties == "breslow" and r.cox.robust_variance is not None


def test_solver_errors():
    d = pd.DataFrame({"t": np.arange(1.0, 41), "e": np.r_[np.ones(20), np.zeros(20)],
                      "x": np.tile([0.0, 1.0], 20)})
    with pytest.raises(ValueError, match="collinear"):
        lapse.fit_lapse_model(d.assign(y=2 * d["x"]), "t", "e", ["x", "y"],
                              standardize=False)
    with pytest.raises(ValueError, match="ties"):
        lapse.fit_lapse_model(d, "t", "e", ["x"], ties="exact")
    with pytest.raises(ValueError, match="ties must be"):
        fit_cox(d[["x"]].to_numpy(), d["t"].to_numpy(), d["e"].to_numpy(bool), ties="exact")


# --- decisions that rounding cannot move (issue 22) -------------------------------------------

def _weibull_members(n, seed, shape=1.3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    t = rng.weibull(shape, n) / np.exp(x @ [0.3, -0.2, 0.1, 0.0, 0.25] / shape)
    c = rng.uniform(0, 2.5, n)
    return x, np.minimum(t, c), t <= c


def test_separation_names_the_covariate_whatever_the_rounding():
    # x alone tells who lapses: the partial likelihood rises to a limit as beta grows. The fit
    # stops on R's check (the log-likelihood converged while the next Newton step is still
    # about one unit) long before the score underflows, so every kernel sees the same thing.
    rng = np.random.default_rng(2)
    n = 40
    d = pd.DataFrame({"t": np.r_[np.arange(1, 21), np.arange(30, 50)],
                      "e": np.r_[np.ones(20), np.zeros(20)],
                      "x": np.r_[np.ones(20), np.zeros(20)], "z": rng.normal(size=n)})
    f = fit_cox(d[["z", "x"]].to_numpy(), d["t"].to_numpy(float), d["e"].to_numpy(bool))
    assert f.infinite == (1,) and not f.converged
    assert 5 < f.params[1] < 30  # stopped on the criterion, not on an underflow near 40
    for order in (np.arange(n), rng.permutation(n), np.arange(n)[::-1]):
        with pytest.raises(ValueError, match=r"coefficient of 'x' runs to infinity"):
            lapse.fit_lapse_model(d.iloc[order], "t", "e", ["z", "x"])
    # a category in which no one lapses (a few staff cards): named, with advice
    kind = np.where(np.arange(n) % 7 == 0, "staff", "adult")
    staff = d.assign(kind=kind, e=np.where(kind == "staff", 0, d["e"]))
    with pytest.raises(ValueError, match=r"kind\[staff\].*Merge that level"):
        lapse.fit_lapse_model(staff, "t", "e", ["kind", "z"])


def test_collinear_covariates_are_named():
    d = pd.DataFrame({"t": np.arange(1.0, 41), "e": np.tile([1, 0, 1, 1], 10),
                      "x": np.tile([0.0, 1.0, 2.0, 5.0], 10), "w": np.arange(40) % 3})
    with pytest.raises(ValueError, match=r"covariates 'x', 'y' are collinear"):
        lapse.fit_lapse_model(d.assign(y=3 * d["x"] + 1), "t", "e", ["w", "x", "y"],
                              standardize=False)


def test_estimates_do_not_depend_on_the_order_of_summation():
    # permuting the rows changes every sum's rounding, as another SIMD or BLAS kernel does;
    # the estimates agree far beyond the printed digits
    x, t, e = _weibull_members(20_000, 4)
    a = fit_cox(x, t, e)
    p = np.random.default_rng(0).permutation(len(t))
    b = fit_cox(x[p], t[p], e[p])
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-9)
    assert a.converged and b.converged


def test_no_step_is_halved_for_rounding_noise():
    # the old rule (halve unless the log-likelihood falls by less than an absolute 1e-12)
    # halved the last step about 23 times at a million members; here a few hundred thousand
    # members already put |loglik| far beyond 1e-12 / eps
    x, t, e = _weibull_members(300_000, 7)
    f = fit_cox(x, t, e)
    assert f.converged and abs(f.loglik) > 1e6
    assert f.evaluations == f.iterations + 1  # the start, then one evaluation per step
    # the final estimate is the optimum: the score there is at the level of rounding noise
    from loyaltylab.lapse._cox import _Stratum

    st = _Stratum(x - x.mean(axis=0), t, e, None, "efron")
    _, score, info = st.values(f.params)
    assert np.abs(np.linalg.solve(info, score)).max() < 1e-12


def test_journeys_refuse_a_separating_rating():
    from loyaltylab import journeys

    rng = np.random.default_rng(3)
    n = 300
    j = rng.integers(1, 11, n).astype(float)
    d = pd.DataFrame({"journey": j, "desk": rng.integers(1, 11, n).astype(float),
                      "web": rng.integers(1, 11, n).astype(float),
                      "promoter": (j >= 6).astype(int)})  # the journey rating decides it
    with pytest.raises(ValueError, match=r"rating 'journey' separates the outcome"):
        journeys.journey_vs_touchpoints(d, "journey", ["desk", "web"], outcome="promoter")


# --- recurrent events: Andersen-Gill with a clustered variance (issue 28) ---------------------

def _recurrent(seed=7, n=300, frailty=True):
    # complaints as recurrent events: gaps exponential with a shared member frailty
    # (gamma, mean 1, variance 0.5), follow-up 1-4 years, times to 0.01 (some ties)
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.integers(0, 2, n)
    frail = rng.gamma(2.0, 0.5, n)
    follow = rng.uniform(1, 4, n)
    rows = []
    for i in range(n):
        rate = 0.8 * (frail[i] if frailty else 1.0) * np.exp(0.5 * x1[i] - 0.4 * x2[i])
        t = 0.0
        while True:
            gap = rng.exponential(1 / rate)
            stop = round(min(t + gap, follow[i]), 2)
            if stop <= t:
                break
            event = int(t + gap < follow[i])
            rows.append((i + 1, t, stop, event, x1[i], x2[i]))
            t = stop
            if not event:
                break
    return pd.DataFrame(rows, columns=["id", "start", "stop", "event", "x1", "x2"])


def test_andersen_gill_with_cluster_matches_r():
    # R 4.2.2, survival 3.5.3, on _recurrent() written to CSV (750 rows, 454 events):
    #   f <- coxph(Surv(start, stop, event) ~ x1 + x2 + cluster(id), data = d)
    #   coef(f); sqrt(diag(vcov(f))); sqrt(diag(f$naive.var)); f$loglik
    d = _recurrent()
    assert (len(d), int(d["event"].sum())) == (750, 454)
    f = fit_cox(d[["x1", "x2"]].to_numpy(float), d["stop"].to_numpy(float),
                d["event"].to_numpy(bool), entry=d["start"].to_numpy(float),
                cluster=d["id"].to_numpy())
    np.testing.assert_allclose(f.params, [0.474280112947, -0.388424453724], atol=1e-9)
    np.testing.assert_allclose(f.se, [0.073262886094, 0.142604048366], atol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(f.variance)), [0.052960665411, 0.094774899593],
                               atol=1e-9)
    assert (f.loglik_null, f.loglik) == pytest.approx((-2455.226165140324, -2406.725698972909),
                                                      abs=1e-8)
    # the public door: entry= and cluster= on the episode table
    m = lapse.fit_lapse_model(d, "stop", "event", ["x1", "x2"], entry="start", cluster="id",
                              standardize=False)
    np.testing.assert_allclose(m.params, f.params, atol=1e-12)
    np.testing.assert_allclose(m.effects()["se"], f.se, atol=1e-12)
    # (lifelines' cluster_col with entry_col gives 0.0500 and 0.0863 here, below even the
    # naive errors: its sandwich does not follow delayed entry; R is the reference)
    try:
        lifelines_fit = m.fitter  # lifelines, an optional companion (issue 23)
    except ImportError:
        lifelines_fit = None
    if lifelines_fit is not None:
        np.testing.assert_allclose(lifelines_fit.params_[["x1", "x2"]], f.params, atol=1e-7)


def test_parametric_models_refuse_a_coefficient_running_to_infinity():
    # a category in which no one lapses: lifelines' AFT fit stops on its own rule with a
    # huge time ratio; the package refuses it on a scale-free criterion, naming the level
    rng = np.random.default_rng(5)
    n = 400
    kind = np.where(np.arange(n) % 8 == 0, "staff", "adult")
    t = rng.weibull(1.3, n) * 3
    c = rng.uniform(0, 6, n)
    d = pd.DataFrame({"t": np.minimum(t, c), "e": ((t <= c) & (kind == "adult")).astype(int),
                      "kind": kind, "z": rng.normal(size=n)})
    for model in ("weibull", "lognormal", "loglogistic"):
        with pytest.raises(ValueError, match=r"kind\[staff\].*runs to infinity|did not converge"):
            lapse.fit_lapse_model(d, "t", "e", ["kind", "z"], model=model)
    # with the staff lapses kept, the same model is an estimate
    ok = lapse.fit_lapse_model(d.assign(e=(t <= c).astype(int)), "t", "e", ["kind", "z"],
                               model="weibull")
    assert (ok.effects()["se"] < 0.5).all()


# --- shared gamma frailty (issue 28) ------------------------------------------------------
# R 4.2.2, survival 3.5.3, on _recurrent() written to CSV (750 rows, 300 members, 454 events):
#   f <- coxph(Surv(start, stop, event) ~ x1 + x2 + frailty(id, distribution = "gamma",
#              theta = 0.5, sparse = FALSE), data = d,
#              control = coxph.control(eps = 1e-12, iter.max = 100))
#   coef(f)[1:2]; sqrt(diag(f$var)[1:2]); f$loglik; f$history[[1]]$c.loglik; coef(f)[3:5]
R_FIXED = {"coef": [0.475268834310, -0.376191681122], "se": [0.0737046512614, 0.1297690489777],
           "loglik": -2247.38894702, "c_loglik": -2370.36614324,
           "frail": [-0.35501931132, -0.54366553158, -0.05470164475]}
# the integrated likelihood R's search visited (f$history[[1]]$history, theta estimated):
R_C_LOGLIK = {1.0: -2375.77011203, 2.0: -2399.32964939, 0.561314914320: -2370.30268344}
# theta estimated with a tight stopping rule (frailty(id, distribution = "gamma",
# eps = 1e-10)): R's last theta and coefficients; its last step still moved theta by 7e-5
R_EST = {"theta": 0.542241462203, "coef": [0.475709277618, -0.375725643708]}
# R's default (eps = 1e-5) stops at theta 0.5181 (coef 0.47546, -0.37599), where the
# integrated likelihood is 0.025 below its maximum


def _frailty_args(d):
    return (d[["x1", "x2"]].to_numpy(float), d["stop"].to_numpy(float),
            d["event"].to_numpy(bool), d["id"].to_numpy())


def test_gamma_frailty_at_a_fixed_variance_matches_r():
    from loyaltylab.lapse._frailty import fit_gamma_frailty

    d = _recurrent()
    f = fit_gamma_frailty(*_frailty_args(d), entry=d["start"].to_numpy(float), theta=0.5)
    np.testing.assert_allclose(f.params, R_FIXED["coef"], atol=1e-7)
    np.testing.assert_allclose(np.sqrt(np.diag(f.variance)), R_FIXED["se"], rtol=1e-6)
    assert f.loglik == pytest.approx(R_FIXED["loglik"], abs=1e-6)
    assert f.marginal_loglik == pytest.approx(R_FIXED["c_loglik"], abs=1e-6)
    np.testing.assert_allclose(f.frailties[:3], R_FIXED["frail"], atol=1e-6)
    assert np.mean(np.exp(f.frailties)) == pytest.approx(1.0, rel=1e-12)
    for theta, c in R_C_LOGLIK.items():
        g = fit_gamma_frailty(*_frailty_args(d), entry=d["start"].to_numpy(float), theta=theta)
        assert g.marginal_loglik == pytest.approx(c, abs=1e-6), theta


def test_gamma_frailty_estimate_matches_r_and_recovers_the_planted_variance():
    from loyaltylab.lapse._frailty import fit_gamma_frailty

    d = _recurrent()
    f = fit_gamma_frailty(*_frailty_args(d), entry=d["start"].to_numpy(float))
    assert f.converged and not f.theta_fixed
    assert f.theta == pytest.approx(R_EST["theta"], abs=1e-4)
    np.testing.assert_allclose(f.params, R_EST["coef"], atol=1e-5)
    # the maximum is a maximum: at least every value R's search visited
    assert f.marginal_loglik >= max(R_C_LOGLIK.values()) - 1e-9
    # the simulated truth: frailty variance 0.5, log hazard ratios 0.5 and -0.4
    se = f.se
    assert abs(f.params[0] - 0.5) < 2 * se[0] and abs(f.params[1] + 0.4) < 2 * se[1]
    assert abs(f.theta - 0.5) < 0.1
    stat, p = f.lr_test
    assert stat > 50 and p < 1e-10
    # the frailty soaks up between-member variation that a model without it ignores: its
    # standard errors are wider than the naive Cox ones and near the cluster-robust ones
    naive = _fit_cox_np(d)
    assert (se > np.sqrt(np.diag(naive.variance))).all()


def _fit_cox_np(d):
    from loyaltylab.lapse._cox import fit_cox

    return fit_cox(d[["x1", "x2"]].to_numpy(float), d["stop"].to_numpy(float),
                   d["event"].to_numpy(bool), entry=d["start"].to_numpy(float))


def test_gamma_frailty_without_frailty_in_the_data():
    # the same members with no frailty (rate 0.8 exp(x'b)): R's search,
    #   coxph(Surv(start, stop, event) ~ x1 + x2 + frailty(id, distribution = "gamma",
    #         eps = 1e-10), data = d)
    # visits theta 0.005 with c.loglik -2659.30016041 and stops at 0.00513 (still rising);
    # the plain Cox log partial likelihood is -2659.30933685
    from loyaltylab.lapse._frailty import fit_gamma_frailty

    d = _recurrent(frailty=False)
    entry = d["start"].to_numpy(float)
    g = fit_gamma_frailty(*_frailty_args(d), entry=entry, theta=0.005)
    assert g.marginal_loglik == pytest.approx(-2659.30016041, abs=1e-6)
    f = fit_gamma_frailty(*_frailty_args(d), entry=entry)
    assert f.marginal_loglik_null == pytest.approx(-2659.30933685, abs=1e-6)
    assert f.theta < 0.02 and f.marginal_loglik >= -2659.30012619
    stat, p = f.lr_test
    assert p > 0.2


def test_gamma_correction_against_log_gamma():
    # R's frailty.gammacon written with log1p; a second form with log-gamma functions
    from scipy.special import gammaln

    from loyaltylab.lapse._frailty import gamma_correction

    d = np.array([0, 1, 3, 7, 2, 0, 12])
    for nu in (0.3, 2.0, 50.0):
        ref = np.sum(d + nu * np.log(nu / (nu + d)) + gammaln(nu + d) - gammaln(nu)
                     - d * np.log(nu + d))
        assert gamma_correction(d, nu) == pytest.approx(ref, rel=1e-12)
    # a tiny frailty variance: the terms cancel to -sum(d) / (2 nu) + O(1/nu^2), which the
    # log1p form keeps (R switches to sum(d^2) / nu above nu = 1e7 max(d), 1e-7 off here)
    assert gamma_correction(d, 1e9) == pytest.approx(-d.sum() / 2e9, rel=1e-6)


def test_frailty_through_the_public_door():
    d = _recurrent()
    m = lapse.fit_lapse_model(d, "stop", "event", ["x1", "x2"], entry="start",
                              frailty="id", standardize=False)
    np.testing.assert_allclose(m.params, R_EST["coef"], atol=1e-5)
    fr = m.frailty
    assert fr["theta"] == pytest.approx(R_EST["theta"], abs=1e-4) and fr["groups"] == 300
    assert "frailty variance=0.542" in repr(m)
    assert m.aic == pytest.approx(-2 * fr["marginal_loglik"] + 6)
    for kwargs in ({"strata": ["x2"]}, {"cluster": "id"}, {"robust": True},
                   {"model": "weibull"}):
        with pytest.raises(ValueError, match="frailty= is for plain Cox models"):
            lapse.fit_lapse_model(d, "stop", "event", ["x1"], entry="start", frailty="id",
                                  **kwargs)
    with pytest.raises(ValueError, match="not available for a frailty model"):
        m.predict_retention(d[["x1", "x2"]].head(1), [1.0])
    with pytest.raises(ValueError, match="lifelines has no frailty model"):
        _ = m.fitter
    with pytest.raises(ValueError, match="this model has no frailty"):
        _ = lapse.fit_lapse_model(d, "stop", "event", ["x1"], entry="start").frailty


def test_gamma_frailty_of_few_groups_matches_r():
    # few groups (branches): each Newton step uses the exact information. R, same data with
    # the 300 members pooled into 20 groups (d$grp <- d$id %% 20):
    #   coxph(Surv(start, stop, event) ~ x1 + x2 + frailty(grp, distribution = "gamma",
    #         theta = 0.1, sparse = FALSE), data = d,
    #         control = coxph.control(iter.max = 100, eps = 1e-12))
    #   -> coef 0.469423976599 -0.421488746598, se 0.0535974808927 0.0968609885894,
    #      loglik -2393.09470027, c.loglik -2408.18810824
    #   frailty(grp, distribution = "gamma", eps = 1e-10, sparse = FALSE), theta estimated
    #   -> theta 0.0215336995818 (last two thetas 0.02153110, 0.02153275),
    #      coef 0.472270920729 -0.403084303648, c.loglik -2405.89695845
    from loyaltylab.lapse._frailty import DENSE_GROUPS, fit_gamma_frailty

    d = _recurrent().assign(id=lambda f: f["id"] % 20)
    assert d["id"].nunique() <= DENSE_GROUPS
    entry = d["start"].to_numpy(float)
    f = fit_gamma_frailty(*_frailty_args(d), entry=entry, theta=0.1)
    np.testing.assert_allclose(f.params, [0.469423976599, -0.421488746598], atol=1e-7)
    np.testing.assert_allclose(np.sqrt(np.diag(f.variance)), [0.0535974808927, 0.0968609885894],
                               rtol=1e-6)
    assert f.loglik == pytest.approx(-2393.09470027, abs=1e-6)
    assert f.marginal_loglik == pytest.approx(-2408.18810824, abs=1e-6)
    g = fit_gamma_frailty(*_frailty_args(d), entry=entry)
    assert g.theta == pytest.approx(0.0215336995818, abs=1e-5)
    np.testing.assert_allclose(g.params, [0.472270920729, -0.403084303648], atol=1e-5)
    assert g.marginal_loglik >= -2405.89695845 - 1e-8


def test_gamma_frailty_diagonal_steps_reach_the_exact_optimum(monkeypatch):
    # many groups: steps with the frailty block taken as diagonal; forcing the exact steps
    # gives the same estimates (the gradient is exact in both)
    from loyaltylab.lapse import _frailty

    d = _recurrent()
    entry = d["start"].to_numpy(float)
    diag = _frailty.fit_gamma_frailty(*_frailty_args(d), entry=entry, theta=0.5)
    monkeypatch.setattr(_frailty, "DENSE_GROUPS", 10_000)
    exact = _frailty.fit_gamma_frailty(*_frailty_args(d), entry=entry, theta=0.5)
    np.testing.assert_allclose(diag.params, exact.params, atol=1e-8)
    np.testing.assert_allclose(diag.frailties, exact.frailties, atol=1e-7)
    np.testing.assert_allclose(diag.variance, exact.variance, rtol=1e-7)
    assert diag.marginal_loglik == pytest.approx(exact.marginal_loglik, abs=1e-8)
    assert diag.variance_exact and exact.variance_exact


def test_gamma_frailty_beyond_the_dense_limit_says_its_variance_is_approximate(monkeypatch):
    # too many rows x groups for the exact information: the variance is the one the
    # diagonal-frailty steps use (as R's sparse default), flagged, and close to the exact
    # one here (R's own sparse variance is 1.4% below its exact one on these data)
    from loyaltylab.lapse import _frailty

    d = _recurrent()
    entry = d["start"].to_numpy(float)
    exact = _frailty.fit_gamma_frailty(*_frailty_args(d), entry=entry, theta=0.5)
    monkeypatch.setattr(_frailty, "MAX_CELLS", 1000)
    approx = _frailty.fit_gamma_frailty(*_frailty_args(d), entry=entry, theta=0.5)
    assert exact.variance_exact and not approx.variance_exact
    np.testing.assert_allclose(approx.params, exact.params, atol=1e-10)
    np.testing.assert_allclose(approx.se, exact.se, rtol=0.05)


def test_suffix_sums_at_positions_against_a_loop():
    # the risk-set sums of the solver: sums of a[pos:] for sorted positions that may repeat,
    # reach past the end, or be none at all (a stratum without lapses), in both of its modes
    from loyaltylab.lapse._cox import _SuffixAt

    rng = np.random.default_rng(4)
    a = rng.normal(size=(40, 3))
    for pos in (np.array([], dtype=np.intp), np.array([0, 0, 3, 39, 40, 40]),
                np.sort(rng.integers(0, 41, 30)), np.array([5]), np.array([40, 40])):
        want = np.array([a[p:].sum(axis=0) for p in pos]).reshape(len(pos), 3)
        for dense in (True, False):  # cumulative sums over every row, or segment sums
            suffix = _SuffixAt(pos, len(a))
            suffix.dense = dense
            got = suffix(a)
            np.testing.assert_allclose(got, want, atol=1e-12)
            assert got.shape == (len(pos), 3)


def test_the_solvers_shortcuts_equal_its_general_path():
    # no tied lapses (untied) and no Efron ranks (plain) take shortcuts; the general path
    # must give the same log-likelihood, score and information
    from loyaltylab.lapse._cox import _Stratum

    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 2))
    beta = np.array([0.3, -0.2])
    for t, ties in ((rng.permutation(60) + 1.0, "efron"),              # untied and plain
                    (rng.integers(1, 15, 60).astype(float), "breslow")):  # plain, tied
        e = rng.random(60) < 0.7
        fast = _Stratum(x, t, e, None, ties)
        assert fast.plain and fast.untied == (ties == "efron")
        general = _Stratum(x, t, e, None, ties)
        general.untied = general.plain = False
        for got, want in zip(fast.values(beta), general.values(beta), strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(fast.last[1], general.last[1], rtol=1e-12)


def test_a_covariate_far_from_zero_fits_as_its_centred_copy(rossi):
    # centring keeps exp(x beta) finite: age + 5,000 (as a year or a code might be) gives
    # the same fit as age; uncentred, exp(0.06 * 5,000) overflows
    far = rossi.assign(age=rossi["age"] + 5000.0, prio=rossi["prio"] - 300.0)
    a, b = _fit(rossi), _fit(far)
    assert b.converged
    np.testing.assert_allclose(b.params, a.params, rtol=1e-9)
    np.testing.assert_allclose(b.variance, a.variance, rtol=1e-7)


def test_the_iteration_settings_reach_the_solver(rossi):
    default = _fit(rossi)
    assert default.converged and default.iterations > 2
    one = _fit(rossi, max_iter=1)
    assert one.iterations == 1 and not one.converged
    loose = _fit(rossi, rtol=1e-3)
    assert loose.converged and loose.iterations < default.iterations
    # a criterion no step can meet: the solver stops at its documented cap of 50 Newton
    # steps and says it did not converge (the estimates are then the optimum's, reached long
    # before, but the fit does not claim what it did not check)
    never = _fit(rossi, rtol=-1.0)
    assert never.iterations == 50 and not never.converged
    np.testing.assert_allclose(never.params, default.params, rtol=1e-9)


def test_three_strata_equal_statsmodels_phreg(rossi):
    # a second implementation of the stratified partial likelihood (statsmodels' PHReg,
    # Efron ties); with three strata each stratum's risk sets must be its own (with two, the
    # complement of one stratum is the other)
    from statsmodels.duration.hazard_regression import PHReg

    cols = ["fin", "age", "prio"]
    strata = (rossi["wexp"] + rossi["mar"] * 2).to_numpy()  # 3 levels in these data
    assert len(np.unique(strata)) >= 3
    f = _fit(rossi, cols, strata=strata)
    ref = PHReg(rossi["week"].to_numpy(float), rossi[cols].to_numpy(float),
                status=rossi["arrest"].to_numpy(), strata=strata, ties="efron").fit()
    np.testing.assert_allclose(f.params, ref.params, atol=1e-8)
    np.testing.assert_allclose(f.se, ref.bse, rtol=1e-7)


def test_breslow_baseline_against_its_definition():
    # H0(t) = sum over lapse times s <= t of d(s) / sum of exp(x beta) over those at risk at s
    # (entry < s <= exit), at every distinct exit time: a loop over the definition
    from loyaltylab.lapse._cox import breslow_baseline

    rng = np.random.default_rng(8)
    n = 80
    x = rng.normal(size=(n, 2))
    t = rng.integers(2, 30, n).astype(float)
    e = rng.random(n) < 0.6
    beta = np.array([0.4, -0.3])
    w = np.exp(x @ beta)
    for entry in (None, np.floor(rng.uniform(0, t - 1))):
        start = np.zeros(n) if entry is None else entry
        times, cumhaz = breslow_baseline(x, t, e, beta, entry=entry)
        assert times.tolist() == sorted(set(t))
        want, h = [], 0.0
        for s in times:
            d = int((e & (t == s)).sum())
            if d:
                h += d / w[(start < s) & (t >= s)].sum()
            want.append(h)
        np.testing.assert_allclose(cumhaz, want, rtol=1e-12)
        if entry is not None:  # the entries matter: without them the hazard is smaller
            assert cumhaz[-1] > breslow_baseline(x, t, e, beta)[1][-1]



def test_breslow_baseline_is_zero_before_the_first_lapse():
    # a member censored before anyone lapses: the cumulative hazard there is 0 (survivor of
    # a from-scratch test-mutation run: a start of 1 passed the other tests)
    from loyaltylab.lapse._cox import breslow_baseline

    t = np.array([1.0, 2.0, 3.0, 3.0, 5.0])
    e = np.array([False, True, True, False, True])
    x = np.array([[0.5], [-0.2], [0.1], [0.3], [-0.4]])
    times, cumhaz = breslow_baseline(x, t, e, np.array([0.7]))
    w = np.exp(0.7 * x[:, 0])
    assert times.tolist() == [1.0, 2.0, 3.0, 5.0]
    np.testing.assert_allclose(cumhaz, np.cumsum([0.0, 1 / w[1:].sum(), 1 / w[2:].sum(),
                                                  1 / w[4]]), rtol=1e-12)

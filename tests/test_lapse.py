"""Lapse: tenure tables, retention curves, cohort tables, lapse models, sBG.

Reference values from R 4.x, package survival, on the `lung` data (lifelines ships the same
228 rows, status recoded 1 = dead, 0 = censored):
    survfit(Surv(time, status) ~ sex, data = lung)          # medians and 95% CI (log)
    survfit(Surv(time, status) ~ 1, data = lung)            # 310 (285, 363)
    summary(survfit(Surv(time, status) ~ 1, lung), times = c(5, 11))
    survdiff(Surv(time, status) ~ sex, data = lung)         # Chisq = 10.3 on 1 df, p = 0.001
    coxph(Surv(time, status) ~ age + sex, data = lung)
    survreg(Surv(time, status) ~ age + sex, data = lung)    # Weibull
These outputs are reproduced in the survival package's vignettes and countless tutorials.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse, simulate
from loyaltylab._library import FACTORS
from tests._data import lung as load_lung

try:
    import lifelines  # noqa: F401  (an optional companion, issue 23)

    _HAS_LIFELINES = True
except ImportError:
    _HAS_LIFELINES = False


@pytest.fixture(scope="module")
def lung():
    return load_lung()


# --- retention curves against R ------------------------------------------------------------

def test_median_tenure_matches_r(lung):
    rc = lapse.retention_curves(lung, "time", "status", by="sex")
    s = rc.medians
    assert rc.median_tenure.tolist() == [270.0, 426.0]
    assert s[["median_ci_low", "median_ci_high"]].to_numpy().tolist() == [[212.0, 310.0],
                                                                          [348.0, 550.0]]
    overall = lapse.retention_curves(lung, "time", "status").medians.iloc[0]
    assert (overall["median"], overall["median_ci_low"], overall["median_ci_high"]) == (
        310.0, 285.0, 363.0)


def test_pointwise_bands_match_r(lung):
    tab = lapse.retention_curves(lung, "time", "status").table.set_index("time")
    # R (3 significant digits): time 5: surv 0.996, std.err 0.00438, lower 0.987, upper
    # 1.000; time 11: 0.982, 0.00869, 0.966, 1.000
    np.testing.assert_allclose(tab.loc[[5.0, 11.0], "retention"], [0.996, 0.982], atol=5e-4)
    np.testing.assert_allclose(tab.loc[[5.0, 11.0], "ci_low"], [0.987, 0.966], atol=5e-4)
    np.testing.assert_allclose(tab.loc[[5.0, 11.0], "ci_high"], [1.000, 1.000], atol=5e-4)


def test_log_log_bands_match_lifelines(lung):
    pytest.importorskip("lifelines")  # an optional companion (issue 23)
    rc = lapse.retention_curves(lung, "time", "status", conf_type="log-log")
    ci = rc.fitters["all members"].confidence_interval_
    tab = rc.table.set_index("time").loc[ci.index]
    np.testing.assert_allclose(tab["ci_low"], ci.iloc[:, 0], atol=1e-10)
    np.testing.assert_allclose(tab["ci_high"], ci.iloc[:, 1], atol=1e-10)
    np.testing.assert_allclose(tab["retention"],
                               rc.fitters["all members"].survival_function_.iloc[:, 0]
                               .loc[ci.index], atol=1e-12)


def test_logrank_matches_r(lung):
    res = lapse.retention_curves(lung, "time", "status", by="sex").compare()
    assert res.statistic == pytest.approx(10.3, abs=0.05)  # R: Chisq= 10.3 on 1 df
    assert res.df == 1 and res.p_value == pytest.approx(0.00131, abs=2e-5)
    assert res.n == 228  # every member, counted on the result
    assert list(res.pairwise.columns) == ["group_a", "group_b", "statistic", "p_value", "p_holm"]


def test_horizons_and_tidy_table(lung):
    rc = lapse.retention_curves(lung, "time", "status", by="sex", horizons=(180, 365, 5000))
    h = rc.at_horizons.set_index(["group", "horizon"])
    tab = rc.table[rc.table["group"] == 1]
    expected = tab.loc[tab["time"] <= 365, "retention"].iloc[-1]
    assert h.loc[(1, 365), "retention"] == pytest.approx(expected)
    assert np.isnan(h.loc[(1, 5000), "retention"])  # beyond follow-up: not extrapolated
    # at 0 every member is still there; a negative horizon is before the curve starts (it
    # was read off the curve's last row, 0.41 on lung, with no word)
    at0 = lapse.retention_curves(lung, "time", "status", horizons=0).at_horizons
    assert at0["retention"].tolist() == [1.0] and at0["at_risk"].tolist() == [len(lung)]
    with pytest.raises(ValueError, match=r"horizons has 1 value\(s\) that are negative, "
                                         r"missing or infinite \(e.g. -1\); give times of at "
                                         r"least 0"):
        lapse.retention_curves(lung, "time", "status", horizons=(-1, 365))
    assert (rc.table["ci_low"] <= rc.table["retention"] + 1e-12).all()
    assert (rc.table["retention"] <= rc.table["ci_high"] + 1e-12).all()


# --- Cox and parametric models against R ---------------------------------------------------

def test_cox_matches_r(lung):
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], standardize=False)
    # R coxph: age 0.017045 (se 0.009223), sex -0.513219 (se 0.167458); concordance 0.603;
    # likelihood ratio test 14.12 on 2 df
    np.testing.assert_allclose(m.params, [0.017045, -0.513219], atol=5e-6)
    np.testing.assert_allclose(m.effects()["se"], [0.009223, 0.167458], atol=5e-6)
    assert m.concordance == pytest.approx(0.603, abs=5e-4)
    assert 2 * (m.cox.loglik - m.cox.loglik_null) == pytest.approx(14.12, abs=5e-3)
    assert m.params.index.tolist() == ["age", "sex"]
    assert isinstance(m.params, pd.Series)


def test_weibull_matches_r_survreg(lung):
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model="weibull",
                              standardize=False)
    # R survreg: age -0.01226, sex 0.38209, Loglik(model) = -1147.1 (the full reference is
    # in tests/test_aft.py)
    np.testing.assert_allclose(m.params, [-0.01226, 0.38209], atol=5e-5)
    assert m.aft.loglik == pytest.approx(-1147.1, abs=0.05)
    tab = lapse.compare_models({"weibull": m, "cox": lapse.fit_lapse_model(
        lung, "time", "status", ["age", "sex"])})
    assert tab.loc[tab["model"] == "cox", "comparable"].item() is False or \
        not tab.loc[tab["model"] == "cox", "comparable"].item()


def test_per_sd_scaling_and_exclusions(lung):
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "ph.ecog"])
    raw = lapse.fit_lapse_model(lung, "time", "status", ["age", "ph.ecog"], standardize=False)
    sd = lung.dropna(subset=["ph.ecog"])["age"].std()
    assert m.params["age"] == pytest.approx(raw.params["age"] * sd, rel=1e-5)
    assert m.n_excluded == 1 and m.n == 227
    assert m.scales.loc["age", "scale"].startswith("per SD")


def test_predictions(lung):
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"])
    prof = pd.DataFrame({"age": [50, 75], "sex": [2, 1]}, index=["young woman", "older man"])
    sf = m.predict_retention(prof, [0, 2, 200, 400])
    assert (sf.loc[400.0, "young woman"] > sf.loc[400.0, "older man"])
    assert sf.loc[0.0].tolist() == [1.0, 1.0] and sf.loc[2.0].tolist() == [1.0, 1.0]
    rem = m.expected_remaining_tenure(prof)
    assert rem["young woman"] > rem["older man"] > 0
    with pytest.raises(ValueError, match="beyond the longest observed"):
        m.expected_remaining_tenure(prof, horizon=5000)
    w = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"], model="weibull")
    # Weibull: restricted mean to a far horizon approaches the closed-form mean
    rem_w = w.expected_remaining_tenure(prof.iloc[:1], horizon=20000, steps=20000).iloc[0]
    # second implementation: the closed-form Weibull mean, exp(lp) * Gamma(1 + sigma)
    from scipy.special import gamma

    x = w._profile_design(prof.iloc[:1]).iloc[0]
    lp = w.aft.coef[0] + x @ w.params
    expected = np.exp(lp) * gamma(1 + np.exp(w.aft.log_scale[0]))
    assert rem_w == pytest.approx(expected, rel=2e-3)
    ph = m.check_assumptions()
    assert set(ph["verdict"]) <= {"holds", "violated"} and len(ph) == 3
    assert ph["covariate"].tolist() == ["age", "sex", "GLOBAL"]


# --- degenerate data -----------------------------------------------------------------------

def test_degenerate_inputs(lung):
    df = lung[["time", "status", "age", "sex"]].copy()
    with pytest.raises(ValueError, match="no lapses"):
        lapse.fit_lapse_model(df.assign(status=0), "time", "status", ["age"])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        rc = lapse.retention_curves(df.assign(status=0), "time", "status")
    assert any("no lapses" in str(x.message) for x in w) and rc.median_tenure.isna().all()
    with pytest.raises(ValueError, match="same time"):
        lapse.fit_lapse_model(df.assign(time=100), "time", "status", ["age"], model="weibull")
    with pytest.raises(ValueError, match="at least two groups"):
        lapse.retention_curves(df, "time", "status").compare()
    with pytest.raises(ValueError, match="constant"):
        lapse.fit_lapse_model(df.assign(k=1.0), "time", "status", ["age", "k"])
    with pytest.raises(ValueError, match="below 0"):
        lapse.retention_curves(df.assign(time=df["time"] - 100), "time", "status")
    # the package's rule: no time at risk, no place in a parametric fit (counted, not an error)
    w0 = lapse.fit_lapse_model(df.assign(time=np.r_[0, df["time"].iloc[1:]]), "time",
                               "status", ["age"], model="weibull")
    assert w0.excluded["zero duration (no time at risk)"] == 1 and w0.n == len(df) - 1
    with pytest.raises(TypeError, match="non-numeric"):
        lapse.retention_curves(df.assign(time="long"), "time", "status")
    with pytest.raises(ValueError, match="has no column 'tenure'"):
        lapse.retention_curves(df, "tenure", "status")
    sep = pd.DataFrame({"t": np.r_[np.arange(1, 21), np.arange(30, 50)],
                        "e": np.r_[np.ones(20), np.zeros(20)], "x": np.r_[np.ones(20),
                                                                          np.zeros(20)]})
    with pytest.raises(ValueError, match="separation"):
        lapse.fit_lapse_model(sep, "t", "e", ["x"])


# --- tenure, person-period, cohorts --------------------------------------------------------

def test_tenure_table_errors_and_censoring():
    m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2020-01-01", "2020-06-01",
                                                         "2021-01-01"],
                      "lapsed": ["2020-12-31", None, "2023-05-01"]})
    res = lapse.tenure_table(m, as_of="2022-12-31")
    assert res.data["has_lapsed"].tolist() == [True, False, False]  # lapse after as_of: censored
    assert res.n_lapse_after_as_of == 1 and (res.n_lapsed, res.n_censored) == (1, 2)
    assert res.data["end"].max() == pd.Timestamp("2022-12-31")  # no exposure beyond as_of
    with pytest.raises(ValueError, match="after as_of"):
        lapse.tenure_table(m, as_of="2020-03-01")
    with pytest.raises(ValueError, match="on or before the join"):
        lapse.tenure_table(m.assign(lapsed=["2019-01-01", None, None]), as_of="2022-12-31")
    with pytest.raises(ValueError, match="duplicated member"):
        lapse.tenure_table(m.assign(member_id=[1, 1, 2]), as_of="2022-12-31")
    with pytest.raises(TypeError, match="not dates"):
        lapse.tenure_table(m.assign(joined=["x", "2020-01-01", "2020-01-01"]), "2022-12-31")
    with pytest.raises(ValueError, match="empty"):
        lapse.tenure_table(m.iloc[:0], as_of="2022-12-31")


def test_person_period_reconstructs_tenure(lib):
    t = lapse.tenure_table(lib.members, lib.as_of)
    res = lapse.person_period(t, period="quarter", events=lib.visits, complaints=lib.complaints)
    pp = res.data
    last = pp.groupby("member_id")["stop"].max()
    ten = t.data.set_index("member_id")["tenure"]
    np.testing.assert_allclose(last.to_numpy(), ten[ten > 0].to_numpy(), atol=1e-9)
    # a member who joined on the as-of date has no time at risk: excluded and counted
    assert res.excluded["members with no time at risk (joined on as_of)"] == int(
        (ten == 0).sum()) == t.n_zero_tenure == 1
    assert pp["has_lapsed"].sum() == t.data["has_lapsed"].sum()
    # every use event inside membership falls in some period, and the lag is one period
    assert pp["visits_last_period"].sum() <= len(lib.visits)
    assert (pp.groupby("member_id")["complaints_to_date"].diff().dropna() >= 0).all()


def test_inactivity_lapse_rules():
    ev = pd.DataFrame({"member_id": [1, 1, 2, 3], "date": pd.to_datetime(
        ["2020-01-01", "2020-12-01", "2020-01-01", "2021-06-01"])})
    res = lapse.inactivity_lapse(ev, as_of="2021-03-01", inactive_days=180)
    assert res.data.loc[1, "has_lapsed"] == False  # noqa: E712 - last use 90 days before
    assert res.data.loc[2, "has_lapsed"] == True  # noqa: E712
    assert res.excluded == {"events after as_of": 1} and res.n_used == 3


def test_cohort_table_triangle(lib):
    ct = lapse.cohort_table(lib.members, lib.as_of)
    tri = ct.pivot(index="cohort", columns="period", values="share")
    assert (tri[0] == 1).all()
    assert tri.loc["2024"].iloc[1:].isna().all() and tri.loc["2019"].notna().sum() >= 5
    # shares never rise (pandas 3's stack keeps the triangle's empty cells: dropped here)
    assert (tri.diff(axis=1).iloc[:, 1:].stack().dropna() <= 1e-12).all()


# --- sBG -----------------------------------------------------------------------------------

def test_sbg_matches_fader_hardie_2007():
    # Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing
    # 21(1): "High End" survivors -> alpha 0.668, beta 3.806; "Regular" -> 0.704, 1.182.
    hi = lapse.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    reg = lapse.fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    assert (round(hi.alpha, 3), round(hi.beta, 3)) == (0.668, 3.806)
    assert (round(reg.alpha, 3), round(reg.beta, 3)) == (0.704, 1.182)
    # the paper's spreadsheet reports LL = -1611.2 (High End) and -1680.3 (Regular)
    assert hi.loglik == pytest.approx(-1611.2, abs=0.05)
    assert reg.loglik == pytest.approx(-1680.3, abs=0.05)


def test_sbg_value_formulas_agree():
    res = lapse.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    s = res.survival(3000).to_numpy()
    for n in (0, 1, 4):
        k = np.arange(2900)
        series = np.sum(s[n + 1 + k] / s[n] / 1.1**k)  # direct sum: the definition
        assert res.derl(n, 0.1).iloc[0] == pytest.approx(series, rel=1e-9)
    r = res.retention_rates(10)
    np.testing.assert_allclose(r.to_numpy(), s[1:11] / s[:10])
    v = res.member_value(100, 0.1, renewals=[1]).iloc[0]
    assert v == pytest.approx(100 * res.derl(0, 0.1).iloc[0] / r.iloc[0])
    be = res.break_even_spend(100, 0.05, 0.1, renewals=0)
    assert be["break_even_spend"].iloc[0] == pytest.approx(0.05 * v)


def test_sbg_recovers_simulated_parameters():
    surv = lapse.simulate_renewals(0.8, 2.5, n=50_000, periods=8, seed=3)
    res = lapse.fit_sbg(surv)
    assert abs(res.alpha - 0.8) < 3 * res.alpha_se and abs(res.beta - 2.5) < 3 * res.beta_se
    # individual records with censoring give the same answer as the aggregate counts
    T = np.repeat(np.arange(1, 9), -np.diff(surv))
    rec = pd.DataFrame({"renewals": np.r_[T - 1, np.full(surv[-1], 8)],
                        "has_lapsed": np.r_[np.ones(T.size), np.zeros(surv[-1])]})
    res2 = lapse.fit_sbg_records(rec)
    # both end on Newton steps to the same optimum: equal far beyond the printed digits
    assert res2.alpha == pytest.approx(res.alpha, rel=1e-10)
    assert res2.beta == pytest.approx(res.beta, rel=1e-10)
    assert res.converged and res2.converged and 0 < res.iterations < 10


def test_sbg_exact_derivatives_and_standard_errors():
    # the exact gradient and Hessian against central differences of the plain likelihood
    # (statsmodels' approx_fprime / approx_hess3, a second implementation), and the standard
    # errors against the numerical information on the natural scale
    from statsmodels.tools.numdiff import approx_fprime, approx_hess3

    from loyaltylab.lapse.renewals import _loglik, _nll_log_scale

    surv = np.array([1000, 869, 743, 653, 593, 551, 517, 491], float)
    lapsed_at, n_lapsed = np.arange(1.0, 8), -np.diff(surv)
    alive_at, n_alive = np.array([7.0]), np.array([491.0])

    def nll(th):
        return -_loglik(*np.exp(th), lapsed_at, n_lapsed, alive_at, n_alive)

    th = np.array([-0.3, 1.1])  # not the optimum: the gradient is far from zero
    f, g, h = _nll_log_scale(th, lapsed_at, n_lapsed, alive_at, n_alive)
    assert f == pytest.approx(nll(th), rel=1e-13)
    np.testing.assert_allclose(g, approx_fprime(th, nll, centered=True), rtol=1e-7)
    np.testing.assert_allclose(h, approx_hess3(th, nll), rtol=1e-5)
    res = lapse.fit_sbg(surv)
    ab = np.array([res.alpha, res.beta])
    # second differences of function values carry rounding noise of about 1e-5 (it moves
    # with the BLAS kernel), hence the tolerance; the former implementation printed that noise
    cov = np.linalg.inv(approx_hess3(ab, lambda v: -_loglik(*v, lapsed_at, n_lapsed,
                                                             alive_at, n_alive)))
    np.testing.assert_allclose([res.alpha_se, res.beta_se], np.sqrt(np.diag(cov)), rtol=1e-4)


def test_sbg_bad_input():
    with pytest.raises(ValueError, match="increase"):
        lapse.fit_sbg([1000, 800, 850])
    with pytest.raises(ValueError, match="at least one later"):
        lapse.fit_sbg([1000])
    with pytest.raises(ValueError, match="no member lapsed"):
        lapse.fit_sbg([100, 100, 100])
    with pytest.raises(ValueError, match="below 0"):
        lapse.fit_sbg_records(pd.DataFrame({"renewals": [-1, 2], "has_lapsed": [1, 0]}))


# --- truth recovery on the shipped library -------------------------------------------------

def test_hazard_ratios_recovered_on_shipped_library(lib):
    """Cox on the members' latent factors (truth_members) with journey, touchpoints, offer
    and member type: every loyalty-factor hazard ratio is inside its 95% interval.

    Complaints act from the first complaint on; members who ever complained are censored at
    their first complaint so that the fixed-covariate Cox model is correctly specified."""
    t = lapse.tenure_table(lib.members, lib.as_of).data
    tm = lib.truth.members
    first = lib.complaints.groupby("member_id")["date"].min()
    fc = t["member_id"].map(first)
    cut = fc.notna() & (fc < t["end"])
    t.loc[cut, "has_lapsed"] = False
    t.loc[cut, "tenure"] = ((fc[cut] - t.loc[cut, "joined"]).dt.days / 365.25).clip(lower=1e-3)
    df = pd.concat([t[["tenure", "has_lapsed", "member_type", "joined_via_offer"]],
                    tm[[*FACTORS, "journey"]]], axis=1)
    df["touchpoints"] = tm.filter(like="touchpoint_").sum(axis=1)
    df["joined_via_offer"] = df["joined_via_offer"].astype(int)
    m = lapse.fit_lapse_model(df, "tenure", "has_lapsed",
                              [*FACTORS, "journey", "touchpoints", "joined_via_offer",
                               "member_type"], standardize=False)
    eff = m.effects().set_index("covariate")
    for f in FACTORS:
        hr = lib.truth.hazard_ratios[f]
        assert eff.loc[f, "ci_low"] <= hr <= eff.loc[f, "ci_high"], (f, eff.loc[f])
    assert eff.loc["journey", "ci_low"] <= lib.truth.hazard_ratios["journey"] <= eff.loc[
        "journey", "ci_high"]


def test_bigger_world_recovers_with_per_sd_scaling():
    """At n = 20,000 (complaints off), per-SD Cox and the Weibull model both recover the truth:
    Bonferroni-adjusted 95% intervals over the covariates."""
    from scipy import stats

    lib = simulate.library(n_members=20_000, years=6, seed=21, complaint_rate=0.0)
    t = lapse.tenure_table(lib.members, lib.as_of).data
    tm = lib.truth.members
    df = pd.concat([t[["tenure", "has_lapsed", "member_type"]], tm[[*FACTORS, "journey"]]],
                   axis=1)
    df["touchpoints"] = tm.filter(like="touchpoint_").sum(axis=1) / np.sqrt(3)
    df["joined_via_offer"] = t["joined_via_offer"].astype(int)
    df["tenure"] = df["tenure"].clip(lower=1e-3)
    covs = [*FACTORS, "journey", "touchpoints", "joined_via_offer", "member_type"]
    cox = lapse.fit_lapse_model(df, "tenure", "has_lapsed", covs)
    eff = cox.effects().set_index("covariate")
    truth = lib.truth.hazard_ratios.copy()
    truth["touchpoints"] = truth["touchpoint"] ** np.sqrt(3)  # per SD of the sum
    truth = truth.rename({f: f"member_type[{f}]" for f in ("family", "senior", "student")})
    crit = stats.norm.ppf(1 - 0.05 / (2 * len(eff)))
    # per SD of the sample, which is within a percent of the latent unit SD
    sd = eff["sd"].where(eff["kind"] == "continuous", 1.0)
    z = (eff["coef"] - np.log(truth[eff.index]) * sd) / eff["se"]
    assert (z.abs() < crit).all(), z
    # Weibull proportional hazards: AFT coefficient = -log HR / rho
    w = lapse.fit_lapse_model(df, "tenure", "has_lapsed", covs, model="weibull")
    rho = np.exp(-w.aft.log_scale[0])  # the Weibull shape is 1 / sigma
    np.testing.assert_allclose(-w.params * rho, cox.params, atol=0.03)
    assert rho == pytest.approx(lib.truth.baseline["shape"], abs=0.03)


def test_time_varying_model_on_person_periods(lib):
    """Unresolved complaints raise the hazard from when they happen (truth: category HR
    1.2-1.7, no recovery), so the time-varying count of unresolved complaints has HR > 1."""
    t = lapse.tenure_table(lib.members, lib.as_of)
    pp = lapse.person_period(t, period="quarter", events=lib.visits,
                             complaints=lib.complaints).data
    pp["any_unresolved"] = (pp["unresolved_to_date"] > 0).astype(float)
    pp["visits_last_period"] = np.log1p(pp["visits_last_period"])
    ctv = lapse.fit_time_varying_lapse_model(pp, "member_id",
                                             ["any_unresolved", "visits_last_period"])
    eff = ctv.effects().set_index("covariate")
    hr, lo = eff["hazard_ratio"], eff["ci_low"]
    # the package's solver against lifelines' CoxTimeVaryingFitter (second implementation;
    # R on the same model is in tests/test_recurrent.py)
    if _HAS_LIFELINES:
        np.testing.assert_allclose(np.log(hr), ctv.fitter.params_, rtol=1e-9)
        np.testing.assert_allclose(eff["se"], ctv.fitter.standard_errors_, rtol=1e-7)
    assert ctv.cox is not None and ctv.cox.converged
    assert hr["any_unresolved"] > 1.2 and lo["any_unresolved"] > 1
    assert hr["visits_last_period"] < 1  # recent use protects (repeat-use propensity)
    with pytest.raises(ValueError, match="constant"):
        lapse.fit_time_varying_lapse_model(pp.assign(k=1.0), "member_id", ["k"])


# --- restricted mean tenure against R -------------------------------------------------------

def test_restricted_mean_matches_r_on_lung(lung):
    # R 4.2.2, survival 3.5.3 (Debian r-cran-survival), options(digits = 12):
    #   summary(survfit(Surv(time, status) ~ sex, data = lung), rmean = 500)$table
    #   sex=1 rmean 278.763231530 se 14.3545585667; sex=2 rmean 360.910954195 se 16.8010181687
    #   summary(survfit(Surv(time, status) ~ 1, data = lung), rmean = 365)$table
    #   rmean 263.22186648201 se 7.79885908631
    rc = lapse.retention_curves(lung, "time", "status", by="sex")
    rm = rc.restricted_mean(500)
    np.testing.assert_allclose(rm["restricted_mean"], [278.763231530, 360.910954195],
                               rtol=1e-10)
    np.testing.assert_allclose(rm["se"], [14.3545585667, 16.8010181687], rtol=1e-9)
    one = lapse.retention_curves(lung, "time", "status").restricted_mean(365).iloc[0]
    assert one["restricted_mean"] == pytest.approx(263.22186648201, rel=1e-11)
    assert one["se"] == pytest.approx(7.79885908631, rel=1e-9)
    z = 1.959963984540054
    assert one["ci_low"] == pytest.approx(one["restricted_mean"] - z * one["se"], rel=1e-12)


def test_restricted_mean_matches_r_on_the_library(lib):
    # R: d <- tenure table of the shipped library (tenure in years, has_lapsed, member_type)
    #   summary(survfit(Surv(tenure, has_lapsed) ~ member_type, data = d), rmean = 5)$table
    #   adult 3.004607330 (0.04828232692), family 3.137542337 (0.07773972822),
    #   senior 3.271616450 (0.06938311827), student 2.675340597 (0.06387825933)
    t = lapse.tenure_table(lib.members, lib.as_of)
    rc = lapse.retention_curves(t, "tenure", "has_lapsed", by="member_type")
    rm = rc.restricted_mean(5)
    np.testing.assert_allclose(rm["restricted_mean"],
                               [3.004607330, 3.137542337, 3.271616450, 2.675340597], rtol=1e-9)
    np.testing.assert_allclose(rm["se"], [0.04828232692, 0.07773972822, 0.06938311827,
                                          0.06387825933], rtol=1e-9)
    diff = rc.restricted_mean_difference(5).set_index(["group_a", "group_b"])
    row = diff.loc[("senior", "student")]
    assert row["difference"] == pytest.approx(3.271616450 - 2.675340597, rel=1e-8)
    assert row["se"] == pytest.approx(np.hypot(0.06938311827, 0.06387825933), rel=1e-8)
    assert (diff["p_holm"] >= diff["p_value"]).all()


def test_restricted_mean_second_implementation_and_errors(lung):
    # the area under the step function, integrated on a fine grid
    rc = lapse.retention_curves(lung, "time", "status")
    tab = rc.table
    grid = np.linspace(0, 400, 400_001)
    steps = np.searchsorted(tab["time"].to_numpy(), grid, side="right") - 1
    curve = np.where(steps >= 0, tab["retention"].to_numpy()[np.maximum(steps, 0)], 1.0)
    area = np.trapezoid(curve, grid)
    assert rc.restricted_mean(400).iloc[0]["restricted_mean"] == pytest.approx(area, abs=2e-3)
    with pytest.raises(ValueError, match="horizon must be a positive time"):
        rc.restricted_mean(0)
    with pytest.raises(ValueError, match="at least two groups"):
        rc.restricted_mean_difference(100)


# --- delayed entry (left truncation) against R -----------------------------------------------

@pytest.fixture(scope="module")
def migrated(lib):
    # the shipped library as a system migrated on 2021-01-01 would hold it
    return lapse.tenure_table(lib.members, lib.as_of, observed_from="2021-01-01")


def test_observed_from_drops_members_gone_before_the_window_and_adds_entry(lib, migrated):
    d = migrated.data
    assert migrated.excluded == {"membership ended before observed_from": 430}
    assert len(d) == 5000 - 430
    assert (d.loc[d["joined"] >= "2021-01-01", "entry"] == 0).all()
    early = d[d["joined"] < "2021-01-01"]
    expected = (pd.Timestamp("2021-01-01") - early["joined"]).dt.days / 365.25
    np.testing.assert_allclose(early["entry"], expected)
    with pytest.raises(ValueError, match="observed_from .* must be before as_of"):
        lapse.tenure_table(lib.members, lib.as_of, observed_from="2025-01-01")


def test_delayed_entry_curves_match_r_and_the_full_data(lib, migrated):
    # R 4.2.2, survival 3.5.3, d = migrated.data (tenure, has_lapsed, entry, member_type):
    #   summary(survfit(Surv(entry, tenure, has_lapsed) ~ 1, data = d), times = c(1, 2, 5))
    #   time 1: 0.740681 (0.725870, 0.755795); 2: 0.612629 (0.596255, 0.629453);
    #   5: 0.409793 (0.390122, 0.430455)
    #   survfit(Surv(entry, tenure, has_lapsed) ~ member_type, data = d): medians
    #   adult 3.44969 (3.08830, 3.89596), student 2.34908 (2.08898, 2.89665)
    #   summary(..., rmean = 5)$table: adult 3.028313901 (se 0.05427742363),
    #   student 2.690253797 (0.07157255509)
    rc = lapse.retention_curves(migrated, "tenure", "has_lapsed", horizons=(1, 2, 5),
                                entry="entry")
    h = rc.at_horizons
    np.testing.assert_allclose(h["retention"], [0.740681, 0.612629, 0.409793], atol=5e-7)
    np.testing.assert_allclose(h["ci_low"], [0.725870, 0.596255, 0.390122], atol=5e-7)
    np.testing.assert_allclose(h["ci_high"], [0.755795, 0.629453, 0.430455], atol=5e-7)
    by = lapse.retention_curves(migrated, "tenure", "has_lapsed", by="member_type",
                                entry="entry")
    med = by.medians
    np.testing.assert_allclose(med.loc[["adult", "student"], "median"], [3.44969, 2.34908],
                               atol=5e-6)
    np.testing.assert_allclose(med.loc["adult", ["median_ci_low", "median_ci_high"]],
                               [3.08830, 3.89596], atol=5e-6)
    rm = by.restricted_mean(5)
    np.testing.assert_allclose(rm.loc[["adult", "student"], "restricted_mean"],
                               [3.028313901, 2.690253797], rtol=1e-9)
    np.testing.assert_allclose(rm.loc[["adult", "student"], "se"],
                               [0.05427742363, 0.07157255509], rtol=1e-8)
    # the point of it: with delayed entry the migrated records give the full data's answer
    # (0.741); ignoring it overstates one-year retention (0.797)
    full = lapse.retention_curves(lapse.tenure_table(lib.members, lib.as_of), "tenure",
                                  "has_lapsed", horizons=(1,)).at_horizons["retention"].iloc[0]
    naive = lapse.retention_curves(migrated.data.drop(columns="entry"), "tenure",
                                   "has_lapsed", horizons=(1,)).at_horizons
    assert full == pytest.approx(0.741308, abs=5e-7)
    assert naive["retention"].iloc[0] == pytest.approx(0.796846, abs=5e-7)
    assert abs(h["retention"].iloc[0] - full) < 0.001
    with pytest.raises(ValueError, match="no delayed entry"):
        by.compare()


def test_delayed_entry_at_risk_counts(migrated):
    rc = lapse.retention_curves(migrated, "tenure", "has_lapsed", entry="entry")
    d = migrated.data
    at1 = int(((d["tenure"] >= 1) & (d["entry"] < 1)).sum())
    assert rc.at_risk([1]).iloc[0, 0] == at1 == 2453  # R: n.risk 2453 at time 1


def test_entry_after_exit_is_an_error():
    d = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 0], "entry": [0.5, 2.5]})
    with pytest.raises(ValueError, match=r"'entry' has 1 entry time\(s\) at or after the exit"):
        lapse.retention_curves(d, "t", "e", entry="entry")


def test_delayed_entry_cox_matches_r(migrated):
    # R: coxph(Surv(entry, tenure, has_lapsed) ~ member_type, data = d, ties = "efron")
    #   (R drops the one member with entry = tenure = 0, as we do)
    #   coef family -0.07310071471, senior -0.19394446076, student 0.21509938742
    #   se   0.07142425932, 0.06953383247, 0.05912802963; loglik -13428.66448
    m = lapse.fit_lapse_model(migrated, "tenure", "has_lapsed", ["member_type"],
                              entry="entry")
    np.testing.assert_allclose(m.params, [-0.07310071471, -0.19394446076, 0.21509938742],
                               atol=1e-6)
    np.testing.assert_allclose(m.effects()["se"], [0.07142425932, 0.06953383247,
                                                   0.05912802963], atol=1e-7)
    assert m.cox.loglik == pytest.approx(-13428.66448, abs=1e-4)
    assert m.excluded["zero duration (no time at risk)"] == 1


def test_delayed_entry_weibull_matches_a_direct_likelihood(migrated):
    # second implementation: the left-truncated Weibull AFT log-likelihood maximised here,
    # sum e*log h(t) + log S(t) - log S(entry), S(t) = exp(-(t / exp(x b))^rho)
    from scipy import optimize

    d = migrated.data[migrated.data["tenure"] > 0]
    x = np.column_stack([np.ones(len(d))] + [(d["member_type"] == k).to_numpy(float)
                                             for k in ("family", "senior", "student")])
    t, e, en = d["tenure"].to_numpy(), d["has_lapsed"].to_numpy(float), d["entry"].to_numpy()

    def nll(p):
        lam, rho = np.exp(x @ p[:4]), np.exp(p[4])
        logh = np.log(rho) - np.log(lam) + (rho - 1) * (np.log(t) - np.log(lam))
        return -np.sum(e * logh - (t / lam) ** rho + (en / lam) ** rho)

    best = optimize.minimize(nll, np.zeros(5), method="BFGS", options={"gtol": 1e-8})
    m = lapse.fit_lapse_model(migrated, "tenure", "has_lapsed", ["member_type"],
                              entry="entry", model="weibull")
    np.testing.assert_allclose(m.params, best.x[1:4], atol=2e-5)


def test_cohort_table_marks_cohorts_that_began_before_the_window(lib):
    m = lib.members[~(lib.members["lapsed"] < "2021-01-01")]  # what the migration kept
    out = lapse.cohort_table(m, lib.as_of, observed_from="2021-01-01")
    early = out[out["cohort"].isin(["2019", "2020"])]
    # (cohorts are labelled as text; a check on no rows would pass vacuously)
    assert out["cohort"].map(type).eq(str).all() and len(early) > 0
    assert early["truncated"].all() and early["share"].isna().all()
    with pytest.raises(ValueError, match=r"^observed_from='not a date' is not an ISO date"):
        lapse.cohort_table(m, lib.as_of, observed_from="not a date")
    late = out[~out["truncated"]]
    full = lapse.cohort_table(lib.members, lib.as_of)
    merged = late.merge(full, on=["cohort", "period"], suffixes=("", "_full"))
    np.testing.assert_array_equal(merged["share"], merged["share_full"])
    # without observed_from the survivors-only 2019 cohort looks far better than it was
    naive = lapse.cohort_table(m, lib.as_of)
    n1 = naive[(naive["cohort"] == "2019") & (naive["period"] == 1)]["share"].iloc[0]
    f1 = full[(full["cohort"] == "2019") & (full["period"] == 1)]["share"].iloc[0]
    assert n1 > f1 + 0.1


# --- the proportional-hazards test of survival >= 3.0 -----------------------------------------

# R 4.2.2, survival 3.5.3, r = lifelines' rossi data:
#   f <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = r)
#   cox.zph(f, transform = tr)$table   (tr = "km", "rank", "identity"; chisq column)
ZPH_ROSSI = {
    "km": [0.06242975136, 5.97398165342, 2.06826538748, 4.22459563342, 1.01102156444,
           0.01838329917, 0.52058425030, 17.69441525445],
    "rank": [1.38380845141, 0.89642146157, 2.25997815120, 4.15968375317, 0.08959214185,
             0.02185165569, 1.64080345194, 11.02518340712],
    "identity": [0.008950558751, 6.615943789294, 2.144426256785, 3.876755124674,
                 1.031348318712, 0.028176598723, 0.424798396303, 18.182687039129],
}


@pytest.mark.parametrize("transform", list(ZPH_ROSSI))
def test_ph_test_matches_r_cox_zph(transform):
    from tests._data import rossi as load_rossi

    covs = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    m = lapse.fit_lapse_model(load_rossi(), "week", "arrest", covs, standardize=False)
    ph = m.check_assumptions(transform=transform)
    assert ph["covariate"].tolist() == [*covs, "GLOBAL"]
    np.testing.assert_allclose(ph["statistic"], ZPH_ROSSI[transform], rtol=2e-6)
    assert ph["df"].tolist() == [1] * 7 + [7]
    # standardizing covariates does not change the test
    s = lapse.fit_lapse_model(load_rossi(), "week", "arrest", covs).check_assumptions(
        transform=transform)
    np.testing.assert_allclose(s["statistic"], ph["statistic"], rtol=1e-6)


def test_ph_test_with_strata_matches_r():
    # R: cox.zph(coxph(Surv(week, arrest) ~ age + prio + strata(wexp), data = r))$table
    #   age 11.2449242846, prio 0.1099878118, GLOBAL 11.2877628325 (df 2)
    from tests._data import rossi as load_rossi

    m = lapse.fit_lapse_model(load_rossi(), "week", "arrest", ["age", "prio"],
                              strata=["wexp"], standardize=False)
    ph = m.check_assumptions()
    np.testing.assert_allclose(ph["statistic"], [11.2449242846, 0.1099878118, 11.2877628325],
                               rtol=2e-6)
    assert ph["verdict"].tolist() == ["violated", "holds", "violated"]
    with pytest.raises(ValueError, match="transform must be one of"):
        m.check_assumptions(transform="sqrt")


# --- tenure from membership years ------------------------------------------------------------

def test_tenure_from_years_definitions():
    m = pd.DataFrame({"years": [(1921, 1922, 1924), (1939, 1940, 1941), (1930,), "1925;1926",
                                (), (1950,)]})
    first = lapse.tenure_from_years(m, last_year=1941)
    d = first.data
    assert d["tenure"].tolist() == [2, 3, 1, 2]
    assert d["has_lapsed"].tolist() == [True, False, True, True]  # 1941 is the closure
    assert d["rejoined"].tolist() == [True, False, False, False]
    assert d["first_year"].tolist() == [1921, 1939, 1930, 1925]
    assert first.excluded == {"no membership years": 1, "first year after 1941": 1}
    bridge = lapse.tenure_from_years(m, last_year=1941, gaps="bridge").data
    assert bridge["tenure"].tolist() == [4, 3, 1, 2]
    # a run that goes past the end of the records is censored at the last year
    late = lapse.tenure_from_years(pd.DataFrame({"years": [(1940, 1941, 1942)]}),
                                   last_year=1941).data
    assert late["tenure"].tolist() == [2] and not late["has_lapsed"].iloc[0]
    with pytest.raises(TypeError, match="not a list of years"):
        lapse.tenure_from_years(pd.DataFrame({"years": [["x"]]}), last_year=1941)


def test_tenure_from_years_on_the_lending_library():
    from loyaltylab import datasets

    t = lapse.tenure_from_years(datasets.load_shxco(), last_year=1941)
    assert (t.n_used, t.n_lapsed, t.n_censored) == (5134, 4883, 251)
    # the life table of whole years is the Kaplan-Meier curve of the tenures
    rc = lapse.retention_curves(t, "tenure", "has_lapsed", horizons=(1, 2))
    d = t.data
    s1 = 1 - (d["has_lapsed"] & (d["tenure"] == 1)).sum() / len(d)
    assert rc.at_horizons["retention"].iloc[0] == pytest.approx(s1, rel=1e-12)


def test_holm_adjustment_equals_statsmodels():
    # second implementation: statsmodels' multipletests (the package's own avoids its
    # garbage collection per call)
    from statsmodels.stats.multitest import multipletests

    from loyaltylab import _stats

    p = np.random.default_rng(5).uniform(size=40) ** 3
    p[:12] = p[0]  # ties
    np.testing.assert_allclose(_stats.holm(p), multipletests(p, method="holm")[1], rtol=1e-15)
    np.testing.assert_allclose(_stats.holm(np.array([0.2])), [0.2])
    with_gap = np.array([0.01, np.nan, 0.04, 0.03])
    np.testing.assert_allclose(_stats.holm(with_gap), [0.03, np.nan, 0.06, 0.06])
    assert _stats.holm(np.array([])).size == 0


def test_every_interval_scale_matches_r(lung):
    # R 4.2.2, survival 3.5.3, lifelines' lung written to CSV (status 1 = died):
    #   summary(survfit(Surv(time, status) ~ sex, d, conf.type = "plain"),
    #           times = c(100, 300, 500));  and conf.type = "log-log"
    ref = {"plain": [(0.762847590429, 0.889326322614), (0.354970845012, 0.527206941166),
                     (0.144485235324, 0.301938143345), (0.866661721150, 0.977514985677),
                     (0.571719828798, 0.776685343300), (0.288383026035, 0.533709244178)],
           "log-log": [(0.751851722986, 0.879870543129), (0.353807895732, 0.524763050656),
                       (0.149978862199, 0.305641451342), (0.843505205595, 0.962077737666),
                       (0.560068940306, 0.764835606239), (0.288327875015, 0.529642663898)]}
    for conf_type, bands in ref.items():
        rc = lapse.retention_curves(lung, "time", "status", by="sex", conf_type=conf_type,
                                    horizons=(100, 300, 500))
        got = rc.at_horizons.sort_values(["group", "horizon"], kind="stable")
        np.testing.assert_allclose(got[["ci_low", "ci_high"]].to_numpy(), np.array(bands),
                                   atol=1e-10, err_msg=conf_type)
    surv = [0.826086956522, 0.441088893089, 0.223211689334, 0.922088353414, 0.674202586049,
            0.411046135107]
    np.testing.assert_allclose(got["retention"].to_numpy(), surv, atol=1e-11)


def test_a_lapse_on_as_of_is_a_lapse_and_one_day_later_is_not():
    from loyaltylab.schema import membership_end

    m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2020-01-01"] * 3,
                      "lapsed": ["2022-12-31", "2023-01-01", "2020-01-02"]})
    end = membership_end(m, "2022-12-31")
    assert end["has_lapsed"].tolist() == [True, False, True]
    assert end["lapse_after_as_of"].tolist() == [False, True, False]
    assert end["days"].tolist() == [1095.0, 1095.0, 1.0]
    # one row per member, on the members' own index (a filtered or shuffled table keeps its
    # labels, so the result lines up with it)
    shuffled = m.iloc[[2, 0, 1]].set_axis([30, 10, 20])
    again = membership_end(shuffled, "2022-12-31")
    assert again.index.tolist() == [30, 10, 20]
    assert again["has_lapsed"].tolist() == [True, True, False]


def test_restricted_mean_and_its_interval_equal_r(lung):
    # R 4.2.2, survival 3.5.3:
    #   f <- survfit(Surv(time, status) ~ sex, data = lung)
    #   summary(f, rmean = 400)$table[, c("records", "rmean", "se(rmean)")]
    #   sex=1 138 252.701213850 11.4315326690; sex=2 90 315.382701326 12.2635563489
    #   summary(f, rmean = 11)$table: 11 (se 0) and 10.9333333333 (se 0.0662952617341)
    #   (a lapse at 11: the horizon is included)
    from scipy import stats

    rc = lapse.retention_curves(lung, "time", "status", by="sex")
    r = rc.restricted_mean(400, ci=0.9)
    assert list(r.columns) == ["horizon", "n", "restricted_mean", "se", "ci_low", "ci_high"]
    np.testing.assert_allclose(r["restricted_mean"], [252.701213850, 315.382701326], rtol=1e-10)
    np.testing.assert_allclose(r["se"], [11.4315326690, 12.2635563489], rtol=1e-9)
    assert r["n"].tolist() == [138, 90] and (r["horizon"] == 400).all()
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(r["ci_low"], r["restricted_mean"] - z * r["se"], rtol=1e-12)
    np.testing.assert_allclose(r["ci_high"], r["restricted_mean"] + z * r["se"], rtol=1e-12)
    at11 = rc.restricted_mean(11)
    np.testing.assert_allclose(at11["restricted_mean"], [11.0, 10.9333333333], rtol=1e-10)
    np.testing.assert_allclose(at11["se"], [0.0, 0.0662952617341], atol=1e-12)
    # a horizon before the first lapse: everyone is still a member the whole time
    early = rc.restricted_mean(0.5)
    assert early["restricted_mean"].tolist() == [0.5, 0.5] and early["se"].tolist() == [0, 0]
    # the difference: of the two means, its standard error from both, a normal interval
    d = rc.restricted_mean_difference(400, ci=0.9).iloc[0]
    m, s = r["restricted_mean"].to_numpy(), r["se"].to_numpy()
    assert d["difference"] == pytest.approx(m[0] - m[1], rel=1e-12)
    assert d["se"] == pytest.approx(np.hypot(*s), rel=1e-12)
    assert (d["ci_low"], d["ci_high"]) == pytest.approx(
        (d["difference"] - z * d["se"], d["difference"] + z * d["se"]), rel=1e-12)
    assert d["p_value"] == pytest.approx(2 * stats.norm.sf(abs(d["difference"]) / d["se"]),
                                         rel=1e-10)
    assert (d["group_a"], d["group_b"]) == (1, 2) and d["p_holm"] == d["p_value"]
    with pytest.raises(ValueError, match=r"ci must be"):
        rc.restricted_mean(400, ci=1.5)


def test_cohort_table_by_quarter_and_month_by_hand():
    # A joins 2020-01-15 and lapses 2020-04-15, exactly a quarter (three months) later: not
    # retained at period 1 (a member k periods on must still be one after the mark). C joins
    # 2020-04-01 and lapses on its first quarter mark too; B and D stay.
    m = pd.DataFrame({"joined": pd.to_datetime(["2020-01-15", "2020-02-10", "2020-04-01",
                                                "2020-04-20"]),
                      "lapsed": pd.to_datetime(["2020-04-15", None, "2020-07-01", None])})
    q = lapse.cohort_table(m, "2020-10-31", cohort_period="quarter", period="quarter")
    assert q["cohort"].astype(str).tolist() == ["2020Q1"] * 4 + ["2020Q2"] * 4
    assert q["period"].tolist() == [0, 1, 2, 3] * 2
    assert q["size"].tolist() == [2] * 8
    # period 3 of Q1: A's mark (2020-10-15) is before as_of, B's (2020-11-10) after
    assert q["observable"].tolist() == [2, 2, 2, 1, 2, 2, 2, 0]
    assert q["retained"].tolist() == [2, 1, 1, 0, 2, 1, 1, 0]
    np.testing.assert_array_equal(q["share"], [1, 0.5, 0.5, np.nan, 1, 0.5, 0.5, np.nan])
    mo = lapse.cohort_table(m, "2020-10-31", cohort_period="month", period="month")
    a = mo[mo["cohort"].astype(str) == "2020-01"]
    # A: a member at months 1 and 2 (Feb 15, Mar 15), gone at month 3 (its lapse date)
    assert a["period"].tolist() == list(range(10)) and a["size"].iloc[0] == 1
    assert a["retained"].tolist() == [1, 1, 1] + [0] * 7
    with pytest.raises(ValueError, match=r"period must be one of"):
        lapse.cohort_table(m, "2020-10-31", period="week")
    with pytest.raises(ValueError, match=r"cohort_period must be one of"):
        lapse.cohort_table(m, "2020-10-31", cohort_period="week")
    with pytest.raises(TypeError, match=r"^members must be a pandas DataFrame"):
        lapse.cohort_table([1], "2020-10-31")


def test_at_risk_at_exit_times_and_at_an_entry(lung):
    # R: summary(survfit(Surv(time, status) ~ 1, lung), times = c(5, 11, 12))$n.risk
    #   228 227 224 (each an exit time: members leaving at t are still at risk at t)
    rc = lapse.retention_curves(lung, "time", "status")
    assert rc.at_risk([5, 11, 12]).iloc[0].tolist() == [228, 227, 224]
    # delayed entry, (entry, exit]: a member who enters at 2 is at risk only after 2
    d = pd.DataFrame({"t": [5.0, 4.0, 6.0], "e": [1, 0, 1], "entry": [2.0, 0.0, 0.0]})
    at = lapse.retention_curves(d, "t", "e", entry="entry").at_risk([1, 2, 3])
    assert at.iloc[0].tolist() == [2, 2, 3]


# R 4.2.2, survival 3.5.3: f <- survfit(Surv(time, status) ~ 1, data = lung)
#   cbind(f$time, f$n.risk, f$n.event, f$n.censor, f$surv, f$lower, f$upper)
R_KM_ROWS = {  # time: at risk, lapsed, censored, retention, ci_low, ci_high (log bands)
    5: (228, 1, 0, 0.995614035088, 0.987073416741, 1.000000000000),
    11: (227, 3, 0, 0.982456140351, 0.965561897075, 0.999645978820),
    13: (223, 2, 0, 0.969298245614, 0.947163003131, 0.991950789721),
    1010: (2, 0, 1, 0.0503455680708, 0.020685460199, 0.122534195517),
    1022: (1, 0, 1, 0.0503455680708, 0.020685460199, 0.122534195517),
}


def test_kaplan_meier_table_row_by_row_equals_r(lung):
    tab = lapse.retention_curves(lung, "time", "status").table
    assert tab.columns.tolist() == ["group", "time", "retention", "ci_low", "ci_high",
                                    "at_risk", "lapsed", "censored"]
    # a first row at time 0 with everyone at risk, then R's rows
    assert tab.iloc[0, 1:].tolist() == [0.0, 1.0, 1.0, 1.0, 228.0, 0.0, 0.0]
    t = tab.set_index("time")
    for time, row in R_KM_ROWS.items():
        got = t.loc[float(time), ["at_risk", "lapsed", "censored", "retention", "ci_low",
                                  "ci_high"]].to_numpy(float)
        np.testing.assert_allclose(got, row, rtol=1e-9, err_msg=str(time))
    # sum(f$n.censor) 63, the first censored at 92, 105 and 173
    assert t["censored"].sum() == 63 and t.index[t["censored"] > 0][:3].tolist() == [92, 105,
                                                                                        173]
    # plain bands, clipped to [0, 1] (R: conf.type = "plain": 5 -> 0.98703657414631 to 1;
    # 1022 -> 0.00556421507828 to 0.0951269210633)
    p = lapse.retention_curves(lung, "time", "status", conf_type="plain").table.set_index(
        "time")
    np.testing.assert_allclose(p.loc[[5.0, 1022.0], ["ci_low", "ci_high"]].to_numpy(),
                               [[0.98703657414631, 1.0], [0.00556421507828, 0.0951269210633]],
                               rtol=1e-9)
    # the door's words
    with pytest.raises(ValueError, match=r"data has no column 'sex2', needed for retention "
                                         r"curves"):
        lapse.retention_curves(lung, "time", "status", by="sex2")
    with pytest.raises(ValueError, match=r"conf_type must be one of"):
        lapse.retention_curves(lung, "time", "status", conf_type="logit")
    with pytest.raises(ValueError, match=r"ci must be"):
        lapse.retention_curves(lung, "time", "status", ci=2)


# R 4.2.2, survival 3.5.3, small curves at the edges of the median rule (issue #24's
# mutation run on lapse/curves): for each set and conf.type,
#   q <- quantile(survfit(Surv(t, e) ~ 1, data = d, conf.type = ct), 0.5)
#   c(q$quantile, q$lower, q$upper)
_EDGE_SETS = {
    # ends with the last member lapsing (retention 0: R has no band there)
    "A": ([1, 2, 2, 3, 4, 4, 5, 6, 6, 7], [1, 1, 0, 1, 1, 1, 0, 1, 0, 1]),
    "B": ([1, 2], [1, 1]),  # exactly 0.5 at the second-to-last time
    "C": ([1, 2, 3, 4], [1, 1, 1, 1]),  # exactly 0.5 in the middle
    # exactly 0.5 at 3, a censoring at 5, the next drop at 8: R takes (3 + 8) / 2
    "D": ([2, 3, 3, 5, 8], [0, 1, 1, 0, 1]),
    "E": ([1, 2, 3, 4, 5, 6], [1, 0, 1, 1, 0, 0]),
    # a small first drop, 36 censored, then the 3 left all lapse: the lower band stays
    # above 0.5 until retention is 0, where R reads no band (lower NA)
    "F": ([1] + [2] * 36 + [3] * 3, [1] + [0] * 36 + [1] * 3),
}
R_EDGE_MEDIANS = {  # (set, conf.type): median, lower, upper (NA as nan)
    ("A", "log"): (4, 3, np.nan), ("A", "log-log"): (4, 1, np.nan),
    ("A", "plain"): (4, 3, np.nan),
    ("B", "log"): (1.5, 1, np.nan), ("B", "log-log"): (1.5, 1, np.nan),
    ("B", "plain"): (1.5, 1, np.nan),
    ("C", "log"): (2.5, 1, np.nan), ("C", "log-log"): (2.5, 1, np.nan),
    ("C", "plain"): (2.5, 1, np.nan),
    ("D", "log"): (5.5, 3, np.nan), ("D", "log-log"): (5.5, 3, np.nan),
    ("D", "plain"): (5.5, 3, np.nan),
    ("E", "log"): (4, 3, np.nan), ("E", "log-log"): (4, 1, np.nan),
    ("E", "plain"): (4, 3, np.nan),
    ("F", "log"): (3, np.nan, np.nan), ("F", "log-log"): (3, np.nan, np.nan),
    ("F", "plain"): (3, np.nan, np.nan),
}
# summary(survfit(Surv(t, e) ~ 1, data = A, conf.type = ct))$lower / $upper, rows 1 to 6
R_EDGE_BANDS_A = {
    "log": ([0.732011642743993, 0.586817701233814, 0.444721660685212, 0.224195947585669,
             0.224195947585669, 0.104391312221182],
            [1, 1, 1, 0.932129211465251, 0.932129211465251, 0.889727474613145]),
    "log-log": ([0.4730092713620505, 0.4086907816334043, 0.3045850742018473,
                 0.1429821627556124, 0.1429821627556124, 0.0535338846000109],
                [0.985281393367343, 0.945872645838912, 0.887148495027707, 0.729779106015238,
                 0.729779106015238, 0.617367561755693]),
    "plain": ([0.714061490308632, 0.552081987078175, 0.388791467673654, 0.131439769483513,
               0.131439769483513, 0.0],
              [1, 1, 0.982637103754917, 0.782845944802201, 0.782845944802201,
               0.631279047896586]),
}


@pytest.mark.parametrize(("name", "conf_type"), sorted(R_EDGE_MEDIANS))
def test_median_tenure_and_its_interval_at_the_edges_equal_r(name, conf_type):
    t, e = _EDGE_SETS[name]
    rc = lapse.retention_curves(pd.DataFrame({"t": t, "e": e}), "t", "e", conf_type=conf_type)
    row = rc.summary().iloc[0]
    got = [row["median"], row["median_ci_low"], row["median_ci_high"]]
    np.testing.assert_allclose(got, R_EDGE_MEDIANS[name, conf_type], rtol=1e-12)
    assert rc.median_tenure.iloc[0] == row["median"]


@pytest.mark.parametrize("conf_type", sorted(R_EDGE_BANDS_A))
def test_bands_of_a_curve_that_reaches_zero_equal_r(conf_type):
    t, e = _EDGE_SETS["A"]
    tab = lapse.retention_curves(pd.DataFrame({"t": t, "e": e}), "t", "e",
                                 conf_type=conf_type).table
    lo, hi = R_EDGE_BANDS_A[conf_type]
    np.testing.assert_allclose(tab["ci_low"].iloc[1:7], lo, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tab["ci_high"].iloc[1:7], hi, rtol=1e-12)
    # at retention 0 R has no band (NA); the table shows the curve itself, [0, 0], and the
    # median's interval reads nothing there (above: upper NA as in R)
    assert tab[["retention", "ci_low", "ci_high"]].iloc[-1].tolist() == [0.0, 0.0, 0.0]


def test_no_one_at_risk_yet_adds_nothing_to_the_bands():
    # with delayed entry, members leaving at 0 who entered at 0 were never at risk: the row
    # at time 0 has no one at risk, and the curve and its bands are those without them
    d = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "e": [1, 1, 0, 1, 0, 1],
                      "entry": [0.0, 0, 0.5, 0, 1, 0]})
    zero = pd.DataFrame({"t": [0.0, 0.0], "e": [0, 0], "entry": [0.0, 0.0]})
    for conf_type in ("log", "log-log", "plain"):
        a = lapse.retention_curves(d, "t", "e", entry="entry", conf_type=conf_type).table
        b = lapse.retention_curves(pd.concat([zero, d], ignore_index=True), "t", "e",
                                   entry="entry", conf_type=conf_type).table
        assert b.loc[0, ["time", "at_risk", "retention", "ci_low", "ci_high"]].tolist() == [
            0.0, 0.0, 1.0, 1.0, 1.0]
        pd.testing.assert_frame_equal(a.iloc[1:].reset_index(drop=True),
                                      b.iloc[1:].reset_index(drop=True))


def test_the_curves_say_nothing_of_their_own_arithmetic():
    # retention 1 before the first lapse and 0 at the end are the log-log band's 0 / 0 and
    # log 0: handled, not a RuntimeWarning for the user
    d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 5], "e": [0, 1, 1, 0, 1, 1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for conf_type in ("log", "log-log", "plain"):
            tab = lapse.retention_curves(d, "t", "e", conf_type=conf_type).table
            assert tab[["ci_low", "ci_high"]].notna().all().all()


def test_a_median_flat_at_one_half_to_the_end_equals_r():
    # R: quantile(survfit(Surv(t, e) ~ 1, data.frame(t = 1:4, e = c(1, 1, 0, 0))), 0.5)
    #   quantile 3, lower 1, upper NA: at 0.5 from 2 and never dropping again, R takes the
    #   midpoint of 2 and the last time, 4
    d = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 0, 0]})
    m = lapse.retention_curves(d, "t", "e").medians.iloc[0]
    assert m["median"] == 3.0 and m["median_ci_low"] == 1.0 and np.isnan(m["median_ci_high"])


def test_restricted_mean_at_the_edges_equals_r():
    # R: print(summary(f, rmean = 7)$table) and rmean = 4 for set A (a horizon on a lapse
    # time and the curve's end); set D's first time is a censoring at 2 (rmean = 2.5, 3:
    # everyone present, se 0)
    t, e = _EDGE_SETS["A"]
    rc = lapse.retention_curves(pd.DataFrame({"t": t, "e": e}), "t", "e")
    for horizon, mean, se in ((7, 4.604761904761904, 0.686798478358698),
                              (4, 3.385714285714286, 0.324180959435685)):
        r = rc.restricted_mean(horizon).iloc[0]
        assert r["restricted_mean"] == pytest.approx(mean, rel=1e-12)
        assert r["se"] == pytest.approx(se, rel=1e-12)
    t, e = _EDGE_SETS["D"]
    rd = lapse.retention_curves(pd.DataFrame({"t": t, "e": e}), "t", "e")
    for horizon in (2.5, 3.0):
        r = rd.restricted_mean(horizon).iloc[0]
        assert (r["restricted_mean"], r["se"]) == (horizon, 0.0)


def test_cohort_table_with_observed_from_by_hand():
    # a cohort that began before the data window is kept but marked truncated, with nothing
    # observable and no share; one that begins on the window's first day is whole
    m = pd.DataFrame({"joined": ["2019-03-01", "2019-09-01", "2020-01-01", "2020-02-01",
                                 "2021-05-01"],
                      "lapsed": ["2020-06-01", None, "2020-12-01", None, None]})
    out = lapse.cohort_table(m, "2022-06-30", observed_from="2020-01-01")
    assert out.columns.tolist() == ["cohort", "period", "size", "observable", "retained",
                                    "share", "truncated"]
    c19 = out[out["cohort"] == "2019"]
    assert c19["truncated"].all() and (c19[["observable", "retained"]] == 0).all().all()
    assert c19["share"].isna().all() and (c19["size"] == 2).all()
    assert out["size"].dtype == np.int64 and out["observable"].dtype == np.int64
    c20 = out[out["cohort"] == "2020"].set_index("period")
    assert not c20["truncated"].any()
    # 2020: both there at 0; at 1 year (2021-01-01, 2021-02-01) the one who left on
    # 2020-12-01 is gone; at 2 years too; 3 years is not reached by 2022-06-30
    assert c20["retained"].tolist() == [2, 1, 1, 0] and c20["observable"].tolist() == [
        2, 2, 2, 0]
    np.testing.assert_array_equal(c20["share"], [1.0, 0.5, 0.5, np.nan])
    assert out[out["cohort"] == "2021"]["share"].iloc[0] == 1.0
    without = lapse.cohort_table(m, "2022-06-30")
    assert "truncated" not in without and without[without["cohort"] == "2019"][
        "share"].notna().any()


def test_at_horizons_on_a_lapse_time_at_the_end_and_beyond():
    # R: summary(survfit(Surv(t, e) ~ 1, data = A), times = c(4, 7))
    #   n.risk 6 1; surv 0.457142857142857 0; lower 0.224195947585669 NA
    t, e = _EDGE_SETS["A"]
    d = pd.DataFrame({"t": t, "e": e})
    h = lapse.retention_curves(d, "t", "e", horizons=(4, 7, 8)).at_horizons
    assert h.columns.tolist() == ["group", "horizon", "retention", "ci_low", "ci_high",
                                  "at_risk"]
    assert h["at_risk"].tolist() == [6, 1, 0]
    assert h["retention"].iloc[0] == pytest.approx(0.457142857142857, rel=1e-12)
    assert h["ci_low"].iloc[0] == pytest.approx(0.224195947585669, rel=1e-12)
    assert h["ci_high"].iloc[0] == pytest.approx(0.932129211465251, rel=1e-12)
    assert h["retention"].iloc[1] == 0.0  # the last member lapsed at 7: on the curve
    assert h.iloc[2][["retention", "ci_low", "ci_high"]].isna().all()  # beyond the data
    # (entry, exit]: the member entering at 4 is not at risk at 4 (R counts 5 with
    # Surv(entry, t, e))
    d["entry"] = [0, 0, 0, 0, 0, 0, 4, 0, 0, 0]
    he = lapse.retention_curves(d, "t", "e", entry="entry", horizons=(4,)).at_horizons
    assert he["at_risk"].tolist() == [5]
    # between exit times, and at 0: R counts those at risk at the next exit time
    #   d <- data.frame(start = c(0, 0, 1, 2, 0), stop = c(2, 3, 3, 5, 8), e = c(1, 1, 0, 1, 0))
    #   summary(survfit(Surv(stop, e) ~ 1, d), times = c(0, 0.5, 2))$n.risk         5 5 5
    #   summary(survfit(Surv(start, stop, e) ~ 1, d), times = c(0, 0.5, 1, 1.5, 2))$n.risk
    #                                                                        4 4 4 4 4
    # (the member entering at 2 is not yet at risk then; before this fix the package said 0
    # at 0, and 3 at 0.5 and at 1)
    d = pd.DataFrame({"start": [0, 0, 1, 2, 0], "stop": [2, 3, 3, 5, 8], "e": [1, 1, 0, 1, 0]})
    plain = lapse.retention_curves(d, "stop", "e", horizons=(0, 0.5, 2)).at_horizons
    assert plain["at_risk"].tolist() == [5, 5, 5]
    entered = lapse.retention_curves(d, "stop", "e", entry="start",
                                     horizons=(0, 0.5, 1, 1.5, 2)).at_horizons
    assert entered["at_risk"].tolist() == [4, 4, 4, 4, 4]
    assert entered["retention"].tolist() == [1.0, 1.0, 1.0, 1.0, 0.75]


def test_kaplan_meier_edges_a_lapse_at_time_0_and_entries():
    # a lapse at tenure 0 is the time-0 row itself (R: survfit's first row at time 0 with
    # n.risk 4, n.event 1, surv 0.75), not a second row at 0
    d = pd.DataFrame({"t": [0.0, 1.0, 2.0, 2.0], "e": [1, 1, 0, 1]})
    rc = lapse.retention_curves(d, "t", "e")
    tab = rc.table
    assert tab["time"].tolist() == [0.0, 1.0, 2.0]
    assert tab[["at_risk", "lapsed", "censored"]].iloc[0].tolist() == [4.0, 1.0, 0.0]
    assert tab["retention"].tolist() == pytest.approx([0.75, 0.5, 0.25], rel=1e-12)
    assert tab.index.equals(pd.RangeIndex(3))
    assert rc.summary().columns.tolist() == ["group", "n", "lapsed", "median",
                                             "median_ci_low", "median_ci_high"]
    assert rc.summary()["lapsed"].tolist() == [3]
    assert rc.median_tenure.name == "median_tenure"
    assert lapse.retention_curves(d, "t", "e", conf_type="plain").conf_type == "plain"
    # two groups: one table, one row label each
    two = lapse.retention_curves(d.assign(g=["a", "a", "b", "b"]), "t", "e", by="g").table
    assert two.index.equals(pd.RangeIndex(4)) and two["group"].tolist() == ["a", "a", "b",
                                                                             "b"]
    # delayed entry: at time 0 only those who entered at 0 are at risk (entry 0.5 is not)
    de = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [1, 0, 1], "entry": [0.0, 0.5, 0.0]})
    first = lapse.retention_curves(de, "t", "e", entry="entry").table.iloc[0]
    assert first["time"] == 0.0 and first["at_risk"] == 2.0
    # an entry at or after the exit is refused by name, 0 with an exit of 0 is no time at risk
    for entry, exit_ in ((2.0, 2.0), (0.5, 0.5), (3.0, 2.0)):
        bad = pd.DataFrame({"t": [exit_, 4.0], "e": [1, 0], "entry": [entry, 0.0]})
        with pytest.raises(ValueError, match=r"column 'entry' has 1 entry time\(s\) at or "
                                             r"after the exit"):
            lapse.retention_curves(bad, "t", "e", entry="entry")
    ok = pd.DataFrame({"t": [0.0, 4.0], "e": [0, 1], "entry": [0.0, 0.0]})
    assert lapse.retention_curves(ok, "t", "e", entry="entry").n == 2
    with pytest.raises(ValueError, match=r"column 'entry' has 1 missing value"):
        lapse.retention_curves(de.assign(entry=[0.0, None, 0.0]), "t", "e", entry="entry")
    with pytest.raises(ValueError, match=r"column 'entry' has 1 value\(s\) below 0"):
        lapse.retention_curves(de.assign(entry=[0.0, -1.0, 0.0]), "t", "e", entry="entry")


def test_restricted_mean_difference_uses_its_own_level():
    t, e = _EDGE_SETS["A"]
    d = pd.DataFrame({"t": t * 2, "e": e * 2, "g": ["a"] * 10 + ["b"] * 10})
    d.loc[d["g"] == "b", "t"] += 1
    rc = lapse.retention_curves(d, "t", "e", by="g")
    diff90 = rc.restricted_mean_difference(5, ci=0.9)
    diff95 = rc.restricted_mean_difference(5)
    from scipy import stats

    z90 = stats.norm.ppf(0.95)
    row = diff90.iloc[0] if isinstance(diff90, pd.DataFrame) else diff90
    width = (row["ci_high"] - row["ci_low"]) / 2
    assert width == pytest.approx(z90 * row["se"], rel=1e-12)
    row95 = diff95.iloc[0] if isinstance(diff95, pd.DataFrame) else diff95
    assert (row95["ci_high"] - row95["ci_low"]) / 2 > width


def test_cohort_table_period_count_and_its_names():
    # the last period is whole only when as_of reaches the first join's day of the month:
    # first join 2019-03-15, as_of 2022-03-10: 35 whole months, periods 0 to 2 by year
    m = pd.DataFrame({"joined": ["2019-03-15", "2020-05-01"], "gone": [None, "2021-01-01"]})
    out = lapse.cohort_table(m, "2022-03-10", lapsed="gone")
    assert sorted(out["period"].unique().tolist()) == [0, 1, 2]
    assert out[out["cohort"] == "2020"]["retained"].tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match=r"observed_from"):
        lapse.cohort_table(m, "2022-03-10", lapsed="gone", observed_from="soon")


def test_log_rank_result_as_a_table():
    t, e = _EDGE_SETS["A"]
    d = pd.DataFrame({"t": t * 2, "e": e * 2, "g": ["a"] * 10 + ["b"] * 10})
    d.loc[d["g"] == "b", "t"] += 3
    lr = lapse.retention_curves(d, "t", "e", by="g").compare()
    row = lr.to_frame()
    assert row.columns.tolist() == ["test", "statistic", "df", "p_value"]
    assert row.iloc[0].tolist() == ["log-rank (overall)", lr.statistic, lr.df, lr.p_value]
    # the summary: the overall test, then each pair named, 1 df, with Holm's p
    d3 = pd.concat([d, d[d["g"] == "a"].assign(g="c", t=lambda x: x["t"] + 1)],
                   ignore_index=True)
    lr3 = lapse.retention_curves(d3, "t", "e", by="g").compare()
    sm = lr3.summary()
    assert sm.columns.tolist() == ["test", "statistic", "df", "p_value", "p_holm"]
    assert sm["test"].tolist() == ["log-rank (overall)", "log-rank (a vs b)",
                                   "log-rank (a vs c)", "log-rank (b vs c)"]
    assert sm["df"].tolist() == [2, 1, 1, 1] and np.isnan(sm.loc[0, "p_holm"])
    assert sm["statistic"].iloc[1:].tolist() == lr3.pairwise["statistic"].tolist()
    assert sm["p_holm"].iloc[1:].tolist() == lr3.pairwise["p_holm"].tolist()


# --- survivors of a from-scratch test-mutation run (issue 24) ---------------------------------

def test_restricted_means_follow_the_groups_order_and_refuse_in_words():
    rng = np.random.default_rng(1)
    n = 90
    g = pd.Categorical(rng.choice(["z", "a", "m"], n), categories=["z", "a", "m"])
    d = pd.DataFrame({"t": rng.integers(1, 20, n), "e": rng.integers(0, 2, n), "g": g})
    rc = lapse.retention_curves(d, "t", "e", by="g")
    assert rc.restricted_mean(10).index.tolist() == ["z", "a", "m"]  # the categories' order
    one = lapse.retention_curves(d, "t", "e")
    with pytest.raises(ValueError, match=r"^a difference needs at least two groups; pass "
                                         r"by=<column> to retention_curves$"):
        one.restricted_mean_difference(10)
    with pytest.raises(ValueError, match=r"^ci must be"):
        rc.restricted_mean_difference(10, ci=2)
    with pytest.raises(ValueError, match=r"^a log-rank test needs at least two groups; pass "
                                         r"by=<column> with two or more groups to "
                                         r"retention_curves$"):
        one.compare()
    late = lapse.retention_curves(d.assign(entry=0.5), "t", "e", by="g", entry="entry")
    with pytest.raises(ValueError, match=r"^the log-rank test here \(as R's survdiff\) has no "
                                         r"delayed entry; compare groups with "
                                         r"fit_lapse_model\(\.\.\., entry=\.\.\.\) and its "
                                         r"test of the group effect$"):
        late.compare()


def test_a_band_that_sits_at_the_median_then_ends_has_no_time():
    # a band at exactly 0.5 whose last values are NaN (R's NA where retention is 0): it is
    # reached but never passed, so no median time (survivor of a test-mutation run)
    from loyaltylab.lapse.curves import _quantile_time

    assert np.isnan(_quantile_time(np.array([0.0, 1, 2, 3]), np.array([1, 0.5, 0.5, np.nan])))
    # sitting at 0.5 to the last time: the midpoint to the end (R's quantile.survfit)
    assert _quantile_time(np.array([0.0, 1, 2, 3]), np.array([1, 0.8, 0.5, 0.5])) == 2.5
    assert np.isnan(_quantile_time(np.array([0.0, 1]), np.array([np.nan, np.nan])))


def test_retention_curves_name_a_bad_entry_column():
    d = pd.DataFrame({"t": [1.0, 2, 3], "e": [1, 0, 1], "entry": [0.0, -1, 0]})
    with pytest.raises(ValueError, match="retention curves needs values of at least 0"):
        lapse.retention_curves(d, "t", "e", entry="entry")


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_bands_are_zero_where_retention_is_zero(conf_type):
    d = pd.DataFrame({"t": [1.0, 2, 2, 3, 4], "e": [1, 0, 1, 1, 1]})
    tab = lapse.retention_curves(d, "t", "e", conf_type=conf_type).table
    end = tab[tab["retention"] == 0]
    assert len(end) == 1 and (end[["ci_low", "ci_high"]].to_numpy() == 0).all()
    assert tab.index.equals(pd.RangeIndex(len(tab)))


def test_a_group_without_lapses_warns_at_the_callers_line():
    d = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 1, 0, 0], "g": ["a", "a", "b", "b"]})
    with pytest.warns(UserWarning, match="group 'b' has no lapses") as rec:
        lapse.retention_curves(d, "t", "e", by="g")
    # stacklevel: the warning names the frame that called the package's function, this test;
    # under make test-mutation every function is entered through mutmut's trampoline, which
    # is then that frame
    f = lapse.retention_curves
    caller = f.__code__.co_filename if hasattr(f, "__wrapped__") else __file__
    assert rec[0].filename == caller


def test_a_missing_entry_column_is_named_for_the_curves():
    d = pd.DataFrame({"t": [1.0, 2, 3], "e": [1, 0, 1]})
    with pytest.raises(ValueError, match="has no column 'entry', needed for retention curves"):
        lapse.retention_curves(d, "t", "e", entry="entry")


@pytest.mark.parametrize(("value", "message"), [
    (2, r"column 'e' has 1 value\(s\) outside 0-1"),
    (-1, r"column 'e' has 1 value\(s\) outside 0-1"),
    (0.5, r"column 'e' has 1 non-integer value\(s\)"),
    (np.nan, r"column 'e' has 1 missing value\(s\)"),
])
def test_the_curves_take_events_as_0_or_1_only(value, message):
    d = pd.DataFrame({"t": [1.0, 2, 3], "e": [1.0, 0, value]})
    with pytest.raises(ValueError, match=message + r".*event must be 0/1 or bool"):
        lapse.retention_curves(d, "t", "e")
    with pytest.raises(ValueError, match=r"column 't' has 1 missing value"):
        lapse.retention_curves(d.assign(t=[1.0, np.nan, 3], e=[1, 0, 1]), "t", "e")

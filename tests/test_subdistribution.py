"""Fine-Gray subdistribution hazards model of one lapse reason.

Reference values from R 4.2.2 with cmprsk 2.2-11 (Debian package), on the data of
``tests/test_reasons.py`` written to CSV and read by R once:
    cv <- cbind(x = d$x, grpB = as.numeric(d$grp == "B"))
    f1 <- crr(d$t, d$why, cv, failcode = 1, gtol = 1e-12, maxiter = 100)
    f2 <- crr(d$t, d$why, cv, failcode = 2, gtol = 1e-12, maxiter = 100)
    f1$coef; sqrt(diag(f1$var)); f1$var; f1$loglik; f1$loglik.null
    predict(f1, rbind(c(0, 0), c(1, 1)))   (rows at t = 20, 50, 100)
(``gtol`` tightened from its default 1e-6 so that both sides stop at the optimum.)
"""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse
from tests.test_reasons import _members, _with_grp3_and_stratum


@pytest.fixture(scope="module")
def d():
    return _members()


def test_fine_gray_matches_crr(d):
    m = lapse.fit_subdistribution_model(d, "t", "why", ["x", "grp"], cause=1,
                                        standardize=False)
    np.testing.assert_allclose(m.params, [0.487310560005, 0.410883242154], rtol=1e-9)
    np.testing.assert_allclose(m.se, [0.0933254445509, 0.1635981372235], rtol=1e-9)
    np.testing.assert_allclose(m.variance.to_numpy(),
                               [[0.00870963860062, 0.00639813857819],
                                [0.00639813857819, 0.02676435050300]], rtol=1e-9)
    np.testing.assert_allclose([m.fit.loglik, m.fit.loglik_null],
                               [-807.936268489, -824.342976922], rtol=1e-11)
    assert list(m.params.index) == ["x", "grp[B]"]
    profiles = pd.DataFrame({"x": [0.0, 1.0], "grp": ["A", "B"]}, index=["base", "x1 B"])
    pred = m.predict_incidence(profiles, [20, 50, 100])
    np.testing.assert_allclose(pred["base"], [0.152618467326, 0.359403164129,
                                              0.544503789375], rtol=1e-9)
    np.testing.assert_allclose(pred["x1 B"], [0.334079943756, 0.664931329000,
                                              0.854947941674], rtol=1e-9)
    assert (m.predict_incidence(profiles, [0.5]).to_numpy() == 0).all()  # before any lapse


def test_fine_gray_other_reason_matches_crr(d):
    # R: f2$coef -0.580519217434 -0.230985022684; se 0.112755689152 0.233720967344;
    #    loglik -372.493390056, null -383.457238912;
    #    p <- predict(f2, rbind(c(0, 0), c(-1, 1))); p[findInterval(c(20, 50, 100), p[, 1]), ]
    m = lapse.fit_subdistribution_model(d, "t", "why", ["x", "grp"], cause=2,
                                        standardize=False)
    np.testing.assert_allclose(m.params, [-0.580519217434, -0.230985022684], rtol=1e-9)
    np.testing.assert_allclose(m.se, [0.112755689152, 0.233720967344], rtol=1e-9)
    np.testing.assert_allclose([m.fit.loglik, m.fit.loglik_null],
                               [-372.493390056, -383.457238912], rtol=1e-11)
    pred = m.predict_incidence(pd.DataFrame({"x": [0.0, -1.0], "grp": ["A", "B"]}),
                               [20, 50, 100])
    np.testing.assert_allclose(pred[0], [0.102695720346, 0.171165858337, 0.259801144699],
                               rtol=1e-9)
    np.testing.assert_allclose(pred[1], [0.142469825199, 0.233779187995, 0.347346142853],
                               rtol=1e-9)
    assert (m.n_lapsed, m.n_other_reasons, m.n_censored) == (
        int((d["why"] == 2).sum()), int((d["why"] == 1).sum()), int((d["why"] == 0).sum()))


def test_fine_gray_three_levels_match_crr(d):
    # R: cv <- cbind(x = d$x, B = as.numeric(d$grp3 == "B"), C = as.numeric(d$grp3 == "C"))
    #    f <- crr(d$t, d$why, cv, gtol = 1e-12, maxiter = 100)
    #    coef 0.306828549480 0.154174699503 0.449765502722
    #    se   0.131322132712 0.199367287030 0.256981035141
    m = lapse.fit_subdistribution_model(_with_grp3_and_stratum(d), "t", "why", ["x", "grp3"],
                                        cause=1, standardize=False)
    np.testing.assert_allclose(m.params, [0.306828549480, 0.154174699503, 0.449765502722],
                               rtol=1e-9)
    np.testing.assert_allclose(m.se, [0.131322132712, 0.199367287030, 0.256981035141],
                               rtol=1e-9)


def test_per_sd_effects_labels_and_counts(d):
    raw = lapse.fit_subdistribution_model(d, "t", "why", ["x", "grp"], cause=1,
                                          standardize=False)
    per_sd = lapse.fit_subdistribution_model(d, "t", "why", ["x", "grp"], cause=1)
    sd = d["x"].std()
    np.testing.assert_allclose(per_sd.params["x"], raw.params["x"] * sd, rtol=1e-9)
    np.testing.assert_allclose(per_sd.se["x"], raw.se["x"] * sd, rtol=1e-8)
    eff = per_sd.effects()
    assert eff.loc[eff["covariate"] == "x", "scale"].iloc[0] == f"per SD ({sd:.4g})"
    np.testing.assert_allclose(eff["subdistribution_hazard_ratio"], np.exp(per_sd.params))
    # the same predictions whatever the coding
    prof = pd.DataFrame({"x": [0.3, -1.2], "grp": ["B", "A"]})
    pd.testing.assert_frame_equal(per_sd.predict_incidence(prof, [10, 40]),
                                  raw.predict_incidence(prof, [10, 40]), rtol=1e-8)
    # labels as reasons
    labels = d.assign(why=d["why"].map({0: "member", 1: "did not renew", 2: "moved away"}))
    lab = lapse.fit_subdistribution_model(labels, "t", "why", ["x", "grp"],
                                          cause="did not renew", censored="member",
                                          standardize=False)
    np.testing.assert_allclose(lab.params, raw.params, rtol=1e-12)
    # a missing covariate is left out and counted
    gap = d.assign(x=d["x"].where(d.index >= 5))
    m = lapse.fit_subdistribution_model(gap, "t", "why", ["x", "grp"], cause=1)
    assert m.n == len(d) - 5 and m.n_excluded == 5
    assert m.excluded == {"missing covariate": 5} and m.counts["n_excluded"] == 5
    assert "SubdistributionModel(reason 1" in repr(m)
    assert "<table" in m._repr_html_()
    with pytest.raises(AttributeError):
        m.n = 0  # frozen
    assert list(m.summary().columns)[:2] == ["covariate", "subdistribution_hazard_ratio"]


def test_fine_gray_recovers_a_known_model():
    # simulated truth, the design of Fine & Gray (1999, sec. 5):
    #   F1(t | z) = 1 - (1 - p (1 - exp(-t)))^exp(b1'z), p = 0.4;
    #   other reason given not this one: exponential with rate exp(b2'z)
    rng = np.random.default_rng(2026)
    n, p, b1, b2 = 4000, 0.4, np.array([0.5, -0.4]), np.array([-0.3, 0.2])
    z = np.c_[rng.normal(size=n), rng.integers(0, 2, n)]
    k = np.exp(z @ b1)
    f1_inf = 1 - (1 - p) ** k
    first = rng.uniform(size=n) < f1_inf
    u = rng.uniform(size=n) * f1_inf
    t1 = -np.log(1 - (1 - (1 - u) ** (1 / k)) / p)
    t2 = rng.exponential(1 / np.exp(z @ b2))
    t = np.where(first, t1, t2)
    c = rng.uniform(0, 4, n)
    why = np.where(c < t, 0, np.where(first, 1, 2))
    data = pd.DataFrame({"t": np.minimum(t, c), "why": why, "z1": z[:, 0], "z2": z[:, 1]})
    m = lapse.fit_subdistribution_model(data, "t", "why", ["z1", "z2"], cause=1,
                                        standardize=False)
    assert (np.abs(m.params.to_numpy() - b1) < 3.5 * m.se.to_numpy()).all(), m.params
    # the predicted incidence for z = 0 against the true p (1 - exp(-t))
    pred = m.predict_incidence(pd.DataFrame({"z1": [0.0], "z2": [0]}), [0.5, 1, 2])[0]
    truth = p * (1 - np.exp(-np.array([0.5, 1, 2])))
    np.testing.assert_allclose(pred, truth, atol=0.03)


def test_fine_gray_refuses_bad_input(d):
    with pytest.raises(ValueError, match="cause 3 does not occur in column 'why'"):
        lapse.fit_subdistribution_model(d, "t", "why", ["x"], cause=3)
    with pytest.raises(ValueError, match="cause 0 does not occur"):
        lapse.fit_subdistribution_model(d, "t", "why", ["x"], cause=0)
    with pytest.raises(ValueError, match="missing reason"):
        lapse.fit_subdistribution_model(d.assign(why=d["why"].where(d.index > 0)), "t", "why",
                                        ["x"], cause=1)
    with pytest.raises(ValueError, match="covariates is empty"):
        lapse.fit_subdistribution_model(d, "t", "why", [], cause=1)
    with pytest.raises(ValueError, match="'nope'"):
        lapse.fit_subdistribution_model(d, "t", "why", ["nope"], cause=1)
    bad = d.assign(t=d["t"].astype(object).where(d.index != 3, "soon"))
    with pytest.raises((TypeError, ValueError), match="'t'"):
        lapse.fit_subdistribution_model(bad, "t", "why", ["x"], cause=1)
    with pytest.raises(ValueError, match=r"column 't' has 300 value\(s\) below 0"):
        lapse.fit_subdistribution_model(d.assign(t=-d["t"]), "t", "why", ["x"], cause=1)
    with pytest.raises(ValueError, match="collinear"):
        lapse.fit_subdistribution_model(d.assign(x2=2 * d["x"]), "t", "why", ["x", "x2"],
                                        cause=1, standardize=False)


def test_forest_plot_of_subdistribution_hazard_ratios(d):
    import matplotlib.pyplot as plt

    from loyaltylab import plots

    m = lapse.fit_subdistribution_model(d, "t", "why", ["x", "grp"], cause=1)
    fig, ax = plt.subplots()
    out = plots.forest(m.effects(), ax=ax)
    assert out is ax and ax.get_xlabel() == "subdistribution hazard ratio (log scale)"
    # one row per covariate, the first on top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "grp[B]"]
    assert list(ax.get_yticks()) == [1, 0]
    plt.close(fig)
    with pytest.raises(ValueError, match="no ratio column"):
        plots.forest(m.effects().drop(columns="subdistribution_hazard_ratio"))


def test_fine_gray_refuses_records_that_begin_at_a_migration(lib):
    from loyaltylab import simulate

    mig = simulate.migrate(simulate.lapse_reasons(lib, seed=3), "2021-01-01")
    t = lapse.tenure_table(mig.members, mig.as_of, observed_from="2021-01-01")
    with pytest.raises(ValueError, match="only from 2021-01-01 .*fit_lapse_model"):
        lapse.fit_subdistribution_model(t, "tenure", "reason", ["member_type"],
                                        cause="moved away", censored="member")
    # the same members as a plain frame: the caller has decided
    m = lapse.fit_subdistribution_model(t.data, "tenure", "reason", ["member_type"],
                                        cause="moved away", censored="member")
    assert m.n == len(t.data)

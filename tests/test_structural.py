"""PLS path modeling (loyaltylab.structural) against published and R reference estimates.

References:
- SmartPLS 2.0.M3 on the ECSI mobile-phone model (semPLS's ``ECSImobi`` on ``mobi``), data
  standardised, initial weights 1, abort criterion 1e-7: the results shipped with the R package
  semPLS in ``tests/SmartPLS/results/ecsi/{centroid,factorial,pathWeighting}/`` (outer
  weights, path coefficients, cross-loadings), compared there by ``tests/regtest_SmartPLS.R``.
- R package plspm (Sanchez 2013) on the bank satisfaction data, centroid scheme,
  ``plspm(satisfaction, path, blocks, modes, scaled = FALSE)``: outputs as kept in the test
  data of plspm-python (``tests/data/satisfaction.*.csv``), convergence tolerance 1e-6.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from loyaltylab import datasets, scales, structural

ITEMS = ["CUEX1", "CUEX2", "CUEX3", "CUSA1", "CUSA2", "CUSA3", "CUSCO", "CUSL1", "CUSL2",
         "CUSL3", "IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "PERQ1", "PERQ2", "PERQ3",
         "PERQ4", "PERQ5", "PERQ6", "PERQ7", "PERV1", "PERV2"]

# SmartPLS outer weights, items in ITEMS order
SMARTPLS_WEIGHTS = {
    "centroid": [0.52282271, 0.46806824, 0.44989729, 0.37718684, 0.38156707, 0.44105872, 1.0,
                 0.45046794, 0.13133992, 0.65948149, 0.29813185, 0.26233656, 0.21987218,
                 0.32782296, 0.32492101, 0.21364542, 0.14346701, 0.19943921, 0.17811594,
                 0.18083905, 0.18050324, 0.21436270, 0.48582034, 0.59776530],
    "factorial": [0.52090762, 0.47378907, 0.44585601, 0.37788083, 0.38247081, 0.43950908, 1.0,
                  0.45553653, 0.12559574, 0.65632685, 0.30113984, 0.25986939, 0.21780805,
                  0.32862476, 0.32467429, 0.21333116, 0.14477854, 0.19981851, 0.17953152,
                  0.17862778, 0.17921848, 0.21525464, 0.48331535, 0.60017870],
    "path": [0.52118068, 0.47367966, 0.44563424, 0.36486486, 0.38315604, 0.45096120, 1.0,
             0.46066473, 0.11426953, 0.65431059, 0.30131215, 0.25969115, 0.21792305,
             0.32850357, 0.32468141, 0.21317504, 0.14472169, 0.20001771, 0.17939947,
             0.17863569, 0.17912074, 0.21548153, 0.47928245, 0.60405602],
}
# SmartPLS path coefficients, in the order of structural.ECSI_MOBI.paths
SMARTPLS_PATHS = {
    "centroid": [0.50470564, 0.55724786, 0.05078755, 0.55721686, 0.17883348, 0.06442534,
                 0.51254524, 0.19181566, 0.52609731, 0.19535971, 0.48347472, 0.07123241],
    "factorial": [0.50494314, 0.55675903, 0.05017810, 0.55776245, 0.17859267, 0.06494365,
                  0.51297470, 0.19144526, 0.52585655, 0.19581962, 0.48305917, 0.07031057],
    "path": [0.50491393, 0.55674896, 0.04998839, 0.55830438, 0.17873950, 0.06252287,
             0.51202394, 0.19476510, 0.52806625, 0.19575534, 0.48547762, 0.06692607],
}
# SmartPLS centroid loadings (the own-construct column of crossLoadings.txt), ITEMS order
SMARTPLS_LOADINGS_CENTROID = [
    0.77149227, 0.68662595, 0.61182525, 0.79902589, 0.84621071, 0.85188614, 1.0, 0.81381092,
    0.21914243, 0.91681439, 0.74336994, 0.60072962, 0.57761738, 0.76836239, 0.74447502,
    0.80334000, 0.63739120, 0.78353507, 0.76911595, 0.75577372, 0.77515801, 0.77939921,
    0.90434465, 0.93791155]


@pytest.fixture(scope="module")
def mobi():
    return datasets.load_ecsi("mobi")


@pytest.fixture(scope="module")
def bank():
    return datasets.load_ecsi("bank")


@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_ecsi_matches_smartpls(mobi, scheme):
    res = structural.fit_pls(mobi, structural.ECSI_MOBI, scheme=scheme)
    w = res.outer.set_index("item").loc[ITEMS, "weight"]
    np.testing.assert_allclose(w, SMARTPLS_WEIGHTS[scheme], atol=2e-8)
    np.testing.assert_allclose(res.paths["coef"], SMARTPLS_PATHS[scheme], atol=2e-8)
    assert res.converged and res.n == 250 and res.excluded == {}


def test_ecsi_loadings_and_cross_loadings_match_smartpls(mobi):
    res = structural.fit_pls(mobi, structural.ECSI_MOBI, scheme="centroid")
    lam = res.outer.set_index("item").loc[ITEMS, "loading"]
    np.testing.assert_allclose(lam, SMARTPLS_LOADINGS_CENTROID, atol=2e-8)
    # SmartPLS crossLoadings.txt, centroid: row CUSL3 and row PERV2
    cl = res.cross_loadings
    order = ["Complaints", "Expectation", "Image", "Loyalty", "Quality", "Satisfaction",
             "Value"]
    np.testing.assert_allclose(cl.loc["CUSL3", order],
                               [0.44787346, 0.35649732, 0.53884470, 0.91681439, 0.53350423,
                                0.66292627, 0.49361963], atol=2e-8)
    np.testing.assert_allclose(cl.loc["PERV2", order],
                               [0.35983718, 0.35124452, 0.52954001, 0.53574822, 0.59458493,
                                0.61864105, 0.93791155], atol=2e-8)
    # SmartPLS totalEffects of Image on Loyalty (centroid) = direct + indirect paths
    eff = res.effects.set_index(["from", "to"])
    b = res.paths.set_index(["from", "to"])["coef"]
    via_sat = b["Image", "Satisfaction"] * (b["Satisfaction", "Loyalty"] + b[
        "Satisfaction", "Complaints"] * b["Complaints", "Loyalty"])
    assert eff.loc[("Image", "Loyalty"), "direct"] == pytest.approx(b["Image", "Loyalty"])
    assert eff.loc[("Satisfaction", "Loyalty"), "indirect"] == pytest.approx(
        b["Satisfaction", "Complaints"] * b["Complaints", "Loyalty"], abs=1e-12)
    assert eff.loc[("Image", "Loyalty"), "total"] > b["Image", "Loyalty"] + via_sat


# plspm, bank satisfaction data, scaled = FALSE, centroid (see module docstring)
PLSPM_WEIGHTS = {"imag1": 0.0982418501741741, "imag2": 0.157472863818056,
                 "imag3": 0.156722118194341, "imag4": 0.0765758587028763,
                 "imag5": 0.184330241358762, "expe1": 0.106230159251131,
                 "expe2": 0.140693124381936, "expe3": 0.118783165134756,
                 "expe4": 0.0994514827286758, "expe5": 0.138374378658729,
                 "qual1": 0.106606553258155, "qual2": 0.134594903250232,
                 "qual3": 0.117141650592502, "qual4": 0.0956184636638662,
                 "qual5": 0.115707870129084, "val1": 0.174960810051613,
                 "val2": 0.11766978894579, "val3": 0.1207889525664, "val4": 0.16652602110192,
                 "sat1": 0.166366549374147, "sat2": 0.162659797860461,
                 "sat3": 0.121091359148817, "sat4": 0.132079076814512,
                 "loy1": 0.158624625826792, "loy2": 0.081728096069474,
                 "loy3": 0.161664593108151, "loy4": 0.0806690862675395}
PLSPM_LOADINGS = {"imag1": 0.70932650116601, "imag2": 0.877307817983846,
                  "imag3": 0.841748537706059, "imag4": 0.569193430203468,
                  "imag5": 0.77846683251928, "expe1": 0.765800562617078,
                  "expe2": 0.837418997567575, "expe3": 0.759820571357087,
                  "expe4": 0.71834524993581, "expe5": 0.837276022047764,
                  "qual1": 0.781469313516066, "qual2": 0.881558340214507,
                  "qual3": 0.794076151381524, "qual4": 0.788981936722486,
                  "qual5": 0.807446541109636, "val1": 0.864821997997945,
                  "val2": 0.796238958208741, "val3": 0.750064674608617,
                  "val4": 0.844483086242166, "sat1": 0.919797990928334,
                  "sat2": 0.916030239797506, "sat3": 0.825878617822696,
                  "sat4": 0.8175253352275, "loy1": 0.906587085677551,
                  "loy2": 0.671101376778201, "loy3": 0.904973625494352,
                  "loy4": 0.681874238346727}
# inner summary R-squared and AVE (block_communality) in construct order
PLSPM_R2 = [0.335193672418813, 0.719688235228933, 0.59008437279849, 0.707320949544597,
            0.509922562050087]
PLSPM_AVE = [0.582269092760334, 0.616419883010119, 0.65857174851724, 0.66441556645883,
             0.75889072736371, 0.639051735398058]
# effects (from, to): direct, indirect, total
PLSPM_EFFECTS = {("Image", "Expectation"): (0.57895912845279, 0, 0.57895912845279),
                 ("Image", "Loyalty"): (0.275149575748467, 0.243266046562688,
                                        0.518415622311155),
                 ("Expectation", "Satisfaction"): (-0.00275399457916834, 0.504079430753709,
                                                   0.501325436174541),
                 ("Expectation", "Loyalty"): (0, 0.248396387262645, 0.248396387262645),
                 ("Quality", "Satisfaction"): (0.122144565609107, 0.398773842804961,
                                               0.520918408414068),
                 ("Value", "Loyalty"): (0, 0.292001150957277, 0.292001150957277),
                 ("Satisfaction", "Loyalty"): (0.495479322090817, 0, 0.495479322090817)}


def test_bank_unscaled_matches_plspm(bank):
    res = structural.fit_pls(bank, structural.ECSI_BANK, scheme="centroid", scaled=False)
    out = res.outer.set_index("item")
    # plspm stops at a change below 1e-6, so agreement is to about 1e-6
    np.testing.assert_allclose(out.loc[list(PLSPM_WEIGHTS), "weight"],
                               list(PLSPM_WEIGHTS.values()), atol=1e-6)
    np.testing.assert_allclose(out.loc[list(PLSPM_LOADINGS), "loading"],
                               list(PLSPM_LOADINGS.values()), atol=1e-6)
    np.testing.assert_allclose(res.r_squared["r_squared"], PLSPM_R2, atol=1e-6)
    # plspm's block_communality is the AVE of a reflective block
    np.testing.assert_allclose(res.reliability["ave"], PLSPM_AVE, atol=1e-6)
    eff = res.effects.set_index(["from", "to"])
    for key, vals in PLSPM_EFFECTS.items():
        np.testing.assert_allclose(eff.loc[key, ["direct", "indirect", "total"]], vals,
                                   atol=1e-6)


def test_bank_formative_blocks_match_plspm(bank):
    # plspm(..., modes = rep("B", 6), scaled = FALSE), centroid:
    # satisfaction.modeb.inner-summary.csv, r_squared and block_communality
    model = structural.path_model(structural.ECSI_BANK.blocks, structural.ECSI_BANK.paths,
                                  modes=dict.fromkeys(structural.ECSI_BANK.constructs, "B"))
    r2 = [0.372046006581529, 0.722837619445379, 0.614360808369793, 0.732183693952877,
          0.539969047981518]
    # plspm stopped after 6 updates of the weights (its tolerance 1e-6 on the change):
    # stopped at the same step, the two implementations agree to rounding
    with pytest.warns(RuntimeWarning, match="did not converge"):
        six = structural.fit_pls(bank, model, scheme="centroid", scaled=False, max_iter=6)
    np.testing.assert_allclose(six.r_squared["r_squared"], r2, atol=1e-13)
    res = structural.fit_pls(bank, model, scheme="centroid", scaled=False)
    np.testing.assert_allclose(res.r_squared["r_squared"], r2, atol=1e-5)
    communality = six.outer.groupby("construct", sort=False)["communality"].mean()
    np.testing.assert_allclose(communality[list(model.constructs)],
                               [0.532480143903468, 0.60484775361322, 0.657778609805617,
                                0.637277128517747, 0.73353650551065, 0.578474667245272],
                               atol=1e-13)
    assert res.reliability["rho_c"].isna().all()


def test_scores_are_standardised_composites(mobi):
    res = structural.fit_pls(mobi, structural.ECSI_MOBI)
    np.testing.assert_allclose(res.scores.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(res.scores.std(ddof=0), 1, atol=1e-12)
    z = (mobi - mobi.mean()) / mobi.std(ddof=0)
    w = res.outer.set_index("item")["weight"]
    sat = z[list(structural.ECSI_MOBI.blocks["Satisfaction"])] @ w[
        list(structural.ECSI_MOBI.blocks["Satisfaction"])]
    np.testing.assert_allclose(res.scores["Satisfaction"], sat, atol=1e-12)
    # path coefficients are the OLS coefficients among the scores (second route: lstsq)
    x = res.scores[["Image", "Satisfaction", "Complaints"]].to_numpy()
    beta = np.linalg.lstsq(x, res.scores["Loyalty"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(res.paths.query("to == 'Loyalty'")["coef"], beta, atol=1e-12)
    r2 = res.r_squared.set_index("construct")
    assert r2.loc["Loyalty", "r_squared"] == pytest.approx(
        np.corrcoef(x @ beta, res.scores["Loyalty"])[0, 1] ** 2, abs=1e-12)


def test_reliability_against_second_routes(mobi):
    res = structural.fit_pls(mobi, structural.ECSI_MOBI)
    rel = res.reliability.set_index("construct")
    z = (mobi - mobi.mean()) / mobi.std()
    for c in ["Image", "Quality", "Satisfaction", "Loyalty"]:
        items = list(structural.ECSI_MOBI.blocks[c])
        # Cronbach's alpha of the standardised items by loyaltylab.scales
        assert rel.loc[c, "alpha"] == pytest.approx(
            scales.cronbach_alpha(z, items).alpha, abs=1e-12)
        lam = res.outer.set_index("item").loc[items, "loading"].to_numpy()
        assert rel.loc[c, "rho_c"] == pytest.approx(
            lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum()), abs=1e-12)
        assert rel.loc[c, "ave"] == pytest.approx(np.mean(lam ** 2), abs=1e-12)
    # the known weak item: CUSL2 drags Loyalty's alpha below 0.5 while rho_A stays above 0.7
    assert rel.loc["Loyalty", "alpha"] < 0.5 < 0.7 < rel.loc["Loyalty", "rho_a"]
    assert (rel.loc["Complaints", ["alpha", "rho_a", "rho_c", "ave"]] == 1).all()
    # Fornell-Larcker: sqrt(AVE) on the diagonal, latent correlations elsewhere
    fl = res.fornell_larcker
    np.testing.assert_allclose(np.diag(fl), np.sqrt(rel["ave"]), atol=1e-12)
    assert fl.loc["Image", "Loyalty"] == pytest.approx(
        np.corrcoef(res.scores["Image"], res.scores["Loyalty"])[0, 1], abs=1e-12)


def test_htmt_by_hand(mobi):
    res = structural.fit_pls(mobi, structural.ECSI_MOBI)
    r = mobi.corr()
    blk = structural.ECSI_MOBI.blocks
    hetero = r.loc[list(blk["Value"]), list(blk["Satisfaction"])].to_numpy().mean()
    mono_v = r.loc["PERV1", "PERV2"]
    s = r.loc[list(blk["Satisfaction"]), list(blk["Satisfaction"])].to_numpy()
    mono_s = s[np.triu_indices(3, 1)].mean()
    assert res.htmt.loc["Value", "Satisfaction"] == pytest.approx(
        hetero / np.sqrt(mono_v * mono_s), abs=1e-12)
    assert np.isnan(res.htmt.loc["Complaints", "Loyalty"])
    np.testing.assert_allclose(res.htmt, res.htmt.T)


def _simulate(n, seed):
    # a known structural model: quality -> value, quality & value -> satisfaction -> loyalty;
    # standardised latent variables, three reflective items each with known loadings
    rng = np.random.default_rng(seed)
    q = rng.normal(size=n)
    v = 0.6 * q + np.sqrt(1 - 0.36) * rng.normal(size=n)
    s_mean = 0.4 * q + 0.4 * v
    s = s_mean + np.sqrt(1 - (0.16 + 0.16 + 2 * 0.4 * 0.4 * 0.6)) * rng.normal(size=n)
    loy = 0.7 * s + np.sqrt(1 - 0.49) * rng.normal(size=n)
    lam = np.array([0.9, 0.8, 0.7])
    cols = {}
    for name, lv in {"q": q, "v": v, "s": s, "l": loy}.items():
        for k, li in enumerate(lam):
            cols[f"{name}{k + 1}"] = li * lv + np.sqrt(1 - li ** 2) * rng.normal(size=n)
    return pd.DataFrame(cols), lam


SIM_MODEL = structural.path_model(
    {"quality": ["q1", "q2", "q3"], "value": ["v1", "v2", "v3"],
     "satisfaction": ["s1", "s2", "s3"], "loyalty": ["l1", "l2", "l3"]},
    [("quality", "value"), ("quality", "satisfaction"), ("value", "satisfaction"),
     ("satisfaction", "loyalty")])


def test_recovery_of_a_known_structural_model():
    data, lam = _simulate(200_000, seed=11)
    res = structural.fit_pls(data, SIM_MODEL)
    rel = res.reliability.set_index("construct")
    # true reliability of a congeneric block: (sum l)^2 / ((sum l)^2 + sum(1 - l^2))
    true_rel = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum())
    # rho_A is consistent for the reliability of the PLS composite, which for Mode A
    # weights on a one-factor block is (w'lambda)^2 ...
    w = res.outer.set_index("item").loc[["q1", "q2", "q3"], "weight"].to_numpy()
    composite_rel = (w @ lam) ** 2
    assert rel.loc["quality", "rho_a"] == pytest.approx(composite_rel, abs=3e-3)
    # ... above the reliability of the plain sum score and below that of the optimally
    # weighted one (coefficient H, Hancock & Mueller 2001)
    h = 1 / (1 + 1 / np.sum(lam ** 2 / (1 - lam ** 2)))
    assert true_rel < composite_rel < h
    # loadings are item-composite correlations: cov(x_i, w'x) = l_i (w'l) + w_i (1 - l_i^2)
    lam_hat = res.outer.set_index("item").loc[["q1", "q2", "q3"], "loading"].to_numpy()
    np.testing.assert_allclose(lam_hat, lam * (w @ lam) + w * (1 - lam ** 2), atol=3e-3)
    # structural paths are attenuated by measurement error in PLS composites (the known
    # PLS bias): they keep their signs and order, below the true values
    b = res.paths.set_index(["from", "to"])["coef"]
    assert 0 < b["quality", "value"] < 0.6
    assert 0 < b["satisfaction", "loyalty"] < 0.7
    corr_true = 0.6 * composite_rel  # latent r attenuated by both composites' reliability
    assert b["quality", "value"] == pytest.approx(corr_true, abs=5e-3)


def test_bootstrap_intervals(mobi):
    res = structural.fit_pls(mobi, structural.ECSI_MOBI, n_boot=200, seed=3, progress=False)
    again = structural.fit_pls(mobi, structural.ECSI_MOBI, n_boot=200, seed=3,
                               progress=False)
    pd.testing.assert_frame_equal(res.paths, again.paths)
    p = res.paths
    assert (p["ci_low"] < p["coef"]).all() and (p["coef"] < p["ci_high"]).all()
    assert res.bootstrap.n_failed == 0 and len(res.bootstrap.draws["paths"]) == 200
    # a second route: refit on the same resamples row by row (pandas, one fit at a time)
    rng = np.random.default_rng(3)
    n = len(mobi)
    first = [structural.fit_pls(mobi.iloc[rng.integers(0, n, n)].reset_index(drop=True),
                                structural.ECSI_MOBI)
             for _ in range(3)]
    np.testing.assert_allclose(res.bootstrap.draws["paths"].iloc[:3].to_numpy(),
                               [f.paths["coef"].to_numpy() for f in first], atol=1e-8)
    # the weak complaint path is not significant, satisfaction -> loyalty is
    sig = p.set_index(["from", "to"])
    assert sig.loc[("Complaints", "Loyalty"), "ci_low"] < 0
    assert sig.loc[("Satisfaction", "Loyalty"), "ci_low"] > 0.2
    assert {"total_ci_low", "indirect_ci_high"} <= set(res.effects.columns)
    assert {"weight_ci_low", "loading_ci_high"} <= set(res.outer.columns)


def test_ipma_two_routes(mobi):
    res = structural.fit_pls(mobi, structural.ECSI_MOBI)
    m = res.ipma("Loyalty", scale=(1, 10))
    t = m.table.set_index("construct")
    # importance = standardised total effect x sd(target)/sd(driver) of the rescaled scores,
    # because each rescaled score is an affine function of the standardised score
    x = (mobi - 1) / 9 * 100
    w = res.outer.set_index("item")["weight"] / x.std(ddof=0)
    lv = {}
    for c, items in structural.ECSI_MOBI.blocks.items():
        v = w[list(items)] / w[list(items)].sum()
        lv[c] = x[list(items)] @ v
    for c in t.index:
        assert t.loc[c, "performance"] == pytest.approx(lv[c].mean(), abs=1e-9)
        assert t.loc[c, "importance"] == pytest.approx(
            t.loc[c, "standardized_total"] * lv["Loyalty"].std() / lv[c].std(), abs=1e-9)
    assert m.target_performance == pytest.approx(lv["Loyalty"].mean(), abs=1e-9)
    assert m.items.groupby("construct")["rescaled_weight"].sum().round(12).eq(1).all()
    with pytest.raises(ValueError, match="IMAG1.*outside 1.0-5.0"):
        res.ipma("Loyalty", scale=(1, 5))
    with pytest.raises(ValueError, match="no path leads to 'Image'"):
        res.ipma("Image", scale=(1, 10))


def test_model_checks_at_the_door():
    ok = {"a": ["x1", "x2"], "b": ["y1"]}
    with pytest.raises(ValueError, match="construct 'c', which has no block"):
        structural.path_model(ok, [("a", "c")])
    with pytest.raises(ValueError, match="construct 'b' has no items"):
        structural.path_model({"a": ["x1"], "b": []}, [("a", "b")])
    with pytest.raises(ValueError, match="item 'x1' is in the blocks of both 'a' and 'b'"):
        structural.path_model({"a": ["x1"], "b": ["x1"]}, [("a", "b")])
    with pytest.raises(ValueError, match="cycle"):
        structural.path_model({"a": ["x"], "b": ["y"], "c": ["z"]},
                              [("a", "b"), ("b", "c"), ("c", "a")])
    with pytest.raises(ValueError, match="form a cycle"):
        structural.path_model(ok, [("a", "b"), ("b", "a")])
    with pytest.raises(ValueError, match="in no path"):
        structural.path_model({**ok, "c": ["z"]}, [("a", "b")])
    with pytest.raises(ValueError, match="at itself"):
        structural.path_model(ok, [("a", "a"), ("a", "b")])
    with pytest.raises(ValueError, match="mode of 'a' must be 'A'"):
        structural.path_model(ok, [("a", "b")], modes={"a": "formative"})
    m = structural.path_model({"late": ["y1"], "early": ["x1"]}, [("early", "late")])
    assert m.constructs == ("early", "late")  # causal order
    assert "early -> late" in repr(m)


def test_data_checks_at_the_door(mobi):
    model = structural.ECSI_MOBI
    with pytest.raises(ValueError, match="CUSL2"):
        structural.fit_pls(mobi.drop(columns="CUSL2"), model)
    bad = mobi.astype({"PERV1": object})
    bad.loc[bad.index[:3], "PERV1"] = "n/a"
    with pytest.raises(TypeError, match="'PERV1' has 3 non-numeric"):
        structural.fit_pls(bad, model)
    gaps = mobi.copy()
    gaps.loc[gaps.index[:7], "IMAG2"] = np.nan
    res = structural.fit_pls(gaps, model)
    assert res.n == 243 and res.excluded == {"missing answer": 7}
    assert "7 excluded" in repr(res)
    with pytest.raises(ValueError, match="same answer from all"):
        structural.fit_pls(mobi.assign(CUSCO=5), model)
    collinear = mobi.assign(PERV2=mobi["PERV1"] * 2 + 1)
    formative = structural.path_model(model.blocks, model.paths, modes={"Value": "B"})
    with pytest.raises(ValueError, match="formative construct 'Value'.*collinear"):
        structural.fit_pls(collinear, formative)
    with pytest.raises(ValueError, match="scheme"):
        structural.fit_pls(mobi, model, scheme="mode A")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = structural.fit_pls(mobi, model, max_iter=2)
    assert not res.converged and any("did not converge" in str(x.message) for x in w)


def test_htmt_bootstrap_draws_equal_the_single_fit_function_on_the_same_resample():
    # issue 26: HTMT needs an interval (discriminant validity is judged on its upper bound);
    # the batch computation in the bootstrap equals structural.quality.htmt on the resample
    from loyaltylab.structural import quality

    data = datasets.load_ecsi("mobi")
    res = structural.fit_pls(data, structural.ECSI_MOBI, n_boot=1, seed=7, progress=False)
    draws = res.bootstrap.draws["htmt"]
    arr = res._items.to_numpy(float)
    rows = np.random.default_rng(7).integers(0, len(arr), size=(1, len(arr)))[0]
    corr = np.corrcoef(arr[rows], rowvar=False)
    single = quality.htmt(structural.ECSI_MOBI, corr)
    for pair in draws.columns:
        a, b = pair.split(" | ")
        assert draws[pair].iloc[0] == pytest.approx(single.loc[a, b], rel=1e-10)
    assert "Complaints" not in " ".join(draws.columns)  # one item: no HTMT

"""Scales and reliability: references, properties and bad input."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from loyaltylab import datasets, scales
from loyaltylab.scales import STANDARD_SCALES, Scale

# pingouin's `cronbach_wide_missing` data set (12 respondents x 11 binary items, 3 missing
# answers), the example of pingouin.cronbach_alpha's documentation.
WIDE_MISSING = """Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9,Q10,Q11
1,1,1,1,1,1,1,1,1,1,1
1,1,1,1,1,1,1,1,0,1,0
,0,1,1,,1,1,1,1,0,0
1,1,1,0,1,1,0,1,1,0,0
1,1,1,1,1,0,0,0,1,0,0
0,1,,0,1,1,1,1,0,0,0
1,1,1,1,0,0,1,0,0,0,0
1,1,1,1,1,0,0,0,0,0,0
0,1,0,1,1,0,0,0,0,1,0
1,0,0,1,0,1,0,0,,0,0
1,1,1,0,0,0,0,0,0,0,0
1,0,0,1,0,0,0,0,0,0,0"""


@pytest.fixture(scope="module")
def wide():
    return pd.read_csv(io.StringIO(WIDE_MISSING))


def test_alpha_matches_r_psych_and_pingouin(wide):
    items = list(wide.columns)
    # R psych::alpha(data, use = "complete.obs") and pingouin: 0.8016949152542373
    res = scales.cronbach_alpha(wide, items)
    assert res.alpha == pytest.approx(0.8016949152542373, abs=1e-12)
    assert (res.n, res.k, res.n_excluded) == (9, 11, 3)
    # pingouin documentation, median-imputed data: (0.7380191693290734, [0.447, 0.911])
    imp = scales.cronbach_alpha(wide.fillna(wide.median()), items)
    assert imp.alpha == pytest.approx(0.7380191693290734, abs=1e-12)
    assert (round(imp.ci_low, 3), round(imp.ci_high, 3)) == (0.447, 0.911)


def _alpha_hoyt(x: np.ndarray) -> tuple[float, float, float]:
    """Independent route: Hoyt's (1941) two-way ANOVA, alpha = 1 - MS_error / MS_persons,
    and Feldt's interval from the F distribution of MS_persons / MS_error."""
    n, k = x.shape
    grand = x.mean()
    ss_p = k * ((x.mean(1) - grand) ** 2).sum()
    ss_i = n * ((x.mean(0) - grand) ** 2).sum()
    ss_e = ((x - grand) ** 2).sum() - ss_p - ss_i
    ms_p, ms_e = ss_p / (n - 1), ss_e / ((n - 1) * (k - 1))
    a = 1 - ms_e / ms_p
    f_lo, f_hi = stats.f.ppf([0.975, 0.025], n - 1, (n - 1) * (k - 1))
    return a, 1 - (1 - a) * f_lo, 1 - (1 - a) * f_hi


def test_alpha_and_feldt_interval_match_anova_route(lib):
    s = STANDARD_SCALES["switching"]
    res = scales.cronbach_alpha(lib.survey, s)
    x = lib.survey[list(s.items)].dropna().to_numpy().copy()
    x[:, s.items.index("sw3")] = 6 - x[:, s.items.index("sw3")]
    a, lo, hi = _alpha_hoyt(x)
    assert res.alpha == pytest.approx(a, rel=1e-10)
    assert (res.ci_low, res.ci_high) == pytest.approx((lo, hi), rel=1e-10)


def test_standard_scales_are_reliable_on_shipped_data(lib):
    for s in STANDARD_SCALES.values():
        res = scales.cronbach_alpha(lib.survey, s)
        assert 0.7 <= res.alpha <= 0.9, (s.name, res)
        assert res.ci_low < res.alpha < res.ci_high


def test_reverse_coding_matters(lib):
    s = STANDARD_SCALES["relationship"]
    res = scales.item_analysis(lib.survey, s)
    assert res.n_used + res.n_excluded == len(lib.survey)
    good = res.data.set_index("item")
    raw = scales.item_analysis(lib.survey, list(s.items)).data.set_index("item")
    assert good.loc["rel4", "item_total_r"] > 0.4
    assert raw.loc["rel4", "item_total_r"] < 0  # forgetting to reverse-code shows up
    alpha = scales.cronbach_alpha(lib.survey, s).alpha
    assert (good["alpha_if_deleted"] < alpha + 0.02).all()


def test_omega_and_efa_recover_loadings(lib):
    truth = lib.truth.loadings.set_index("item")["loading"].abs()
    items = [i for s in STANDARD_SCALES.values() for i in s.items]
    res = scales.efa(lib.survey, items, n_factors=5, rotation="varimax")
    assert res.method == "ml" and res.n_used + res.n_excluded == len(lib.survey)
    load = res.data
    prim = load[load["primary"]].set_index("item")
    # each scale's items share one factor, and no two scales share a factor
    fac = {name: set(prim.loc[list(s.items), "factor"]) for name, s in STANDARD_SCALES.items()}
    assert all(len(f) == 1 for f in fac.values()) and len(set.union(*fac.values())) == 5
    # discretised items lose a little; estimated loadings track the generating ones
    est = prim["loading"].abs()
    assert np.corrcoef(est, truth[est.index])[0, 1] > 0.5
    assert ((est - truth[est.index]).abs() < 0.25).all()
    cr = scales.composite_reliability(lib.survey, STANDARD_SCALES["satisfaction"])
    assert 0.75 < cr.omega < 0.95 and 0.5 < cr.ave < 0.8


def test_score_rule_and_pomp():
    s = Scale("x", ("a", "b", "c", "d"), 1, 5, reverse=("d",))
    df = pd.DataFrame({"a": [5, 1, None], "b": [4, None, None], "c": [5, None, None],
                       "d": [1, 5, 3]})
    sc = scales.score(df, s)
    # row 2 answered 2 of 4 items (enough: at least half), row 3 only one
    assert sc.iloc[0] == pytest.approx(4.75) and sc.iloc[1] == 1.0 and np.isnan(sc.iloc[2])
    assert len(sc) == len(df) and sc.isna().sum() == 1  # aligned: nobody dropped
    assert scales.score(df, s, pomp=True).iloc[0] == pytest.approx(93.75)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(1, 5), min_size=4, max_size=4), min_size=6, max_size=40),
       st.permutations(range(4)))
@pytest.mark.filterwarnings("ignore:alpha is negative:UserWarning")
def test_alpha_invariant_to_item_order(rows, perm):
    df = pd.DataFrame(rows, columns=list("abcd"))
    if (df.var() == 0).any():
        return
    items = list("abcd")
    a = scales.cronbach_alpha(df, items).alpha
    b = scales.cronbach_alpha(df, [items[i] for i in perm]).alpha
    assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4),
                min_size=1, max_size=30))
def test_scores_unchanged_by_an_all_missing_respondent(rows):
    s = STANDARD_SCALES["switching"]
    df = pd.DataFrame(rows, columns=list(s.items), dtype=float)
    before = scales.score(df, s)
    after = scales.score(pd.concat([df, pd.DataFrame([[np.nan] * 4], columns=list(s.items))],
                                   ignore_index=True), s)
    pd.testing.assert_series_equal(before, after.iloc[:-1])
    assert np.isnan(after.iloc[-1])


@pytest.mark.parametrize(
    ("data", "exc", "message"),
    [
        (pd.DataFrame({"sw1": [1, 2], "sw2": [2, 9], "sw3": [1, 1], "sw4": [2, 2]}),
         ValueError, "outside 1-5"),
        (pd.DataFrame({"sw1": [1, 2], "sw2": ["a", 3], "sw3": [1, 1], "sw4": [2, 2]}),
         TypeError, "non-numeric"),
        (pd.DataFrame({"sw1": [1, 2], "sw3": [1, 1], "sw4": [2, 2]}), ValueError,
         "no column 'sw2'"),
        (pd.DataFrame(columns=["sw1", "sw2", "sw3", "sw4"]), ValueError, "empty"),
        ([1, 2, 3], TypeError, "must be a pandas DataFrame"),
    ],
)
def test_bad_input_is_rejected(data, exc, message):
    with pytest.raises(exc, match=message):
        scales.cronbach_alpha(data, STANDARD_SCALES["switching"])
    with pytest.raises(exc, match=message):
        scales.score(data, STANDARD_SCALES["switching"])


def test_other_bad_input():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [1, 1, 1], "c": [3, 2, 1]})
    with pytest.raises(ValueError, match="no variance"):
        scales.cronbach_alpha(df, ["a", "b"])
    with pytest.raises(ValueError, match="at least two items"):
        scales.cronbach_alpha(df, ["a"])
    with pytest.raises(ValueError, match="not among its items"):
        Scale("x", ("a", "b"), 1, 5, reverse=("z",))
    with pytest.raises(ValueError, match="n_factors"):
        scales.efa(df, ["a", "b", "c"], n_factors=3)


# --- maximum-likelihood factor analysis against R's factanal ------------------------------------

MOBI_EFA_ITEMS = ["CUEX1", "CUEX2", "CUEX3", "CUSA1", "CUSA2", "CUSA3", "IMAG1", "IMAG2", "IMAG3",
                  "IMAG4", "IMAG5"]


def test_omega_of_a_heywood_block_matches_factanal_and_says_so():
    # R 4.2.2: f <- factanal(mobi[, c("CUSL1", "CUSL2", "CUSL3")], factors = 1)
    #   loadings 0.5430503378 0.1016099201 0.9974968845; uniquenesses ... 0.005 (the bound)
    #   omega = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)) = 0.6133764687
    mobi = datasets.load_ecsi("mobi")
    with pytest.warns(UserWarning, match=r"Heywood case: item\(s\) \['CUSL3'\]"):
        res = scales.composite_reliability(mobi, ["CUSL1", "CUSL2", "CUSL3"])
    np.testing.assert_allclose(res.loadings, [0.5430503378, 0.1016099201, 0.9974968845],
                               atol=2e-6)
    assert res.omega == pytest.approx(0.6133764687, abs=2e-6)
    assert res.heywood == ("CUSL3",) and res.converged and res.method == "ml"
    assert "Heywood case: CUSL3" in repr(res)


def test_efa_matches_factanal_with_kaiser_varimax():
    # R: f <- factanal(mobi[, MOBI_EFA_ITEMS], factors = 3)  (varimax, normalize = TRUE)
    expected = np.array([
        [0.35411437645, 0.15784485510, 0.22743033139],
        [0.34834074912, 0.09964682910, 0.34504461819],
        [0.40873806552, 0.08819815897, 0.07423849502],
        [0.73011765066, 0.23364489925, 0.23380955208],
        [0.43822459540, 0.41640319131, 0.32185447336],
        [0.29921224012, 0.92029702987, 0.24192127865],
        [0.42139302878, 0.35375157399, 0.31529102457],
        [0.48840270193, 0.20914995008, 0.11715875307],
        [0.06371898866, 0.11470360055, 0.67167422383],
        [0.34827866668, 0.28478534723, 0.51650226402],
        [0.37206826006, 0.25100417793, 0.44827595965]])
    uniq = [0.7979643699, 0.7496709352, 0.8196464284, 0.3576718494, 0.5309728103, 0.005,
            0.5978809142, 0.7039931213, 0.5316370501, 0.5308246809, 0.5976090452]
    mobi = datasets.load_ecsi("mobi")
    with pytest.warns(UserWarning, match="Heywood case"):
        res = scales.efa(mobi, MOBI_EFA_ITEMS, 3)
    got = res.data.pivot(index="item", columns="factor", values="loading").loc[MOBI_EFA_ITEMS]
    np.testing.assert_allclose(got.to_numpy(), expected, atol=2e-5)
    np.testing.assert_allclose(res.uniquenesses, uniq, atol=2e-5)
    assert res.heywood == ("CUSA3",)
    # raw varimax (no Kaiser normalisation) is a different rotation
    with pytest.warns(UserWarning, match="Heywood case"):
        raw = scales.efa(mobi, MOBI_EFA_ITEMS, 3, normalize=False)
    rg = raw.data.pivot(index="item", columns="factor", values="loading").loc[MOBI_EFA_ITEMS]
    assert np.abs(rg.to_numpy() - expected).max() > 0.01


def test_efa_on_the_library_matches_factanal(lib):
    # R: factanal(d, factors = 4) on the complete answers to the 14 attitudinal items of
    # the shipped library (sat1-3, rel1-4, sw1-4, ref1-3); loadings of sat1, rel1, sw3, ref2
    items = ["sat1", "sat2", "sat3", "rel1", "rel2", "rel3", "rel4", "sw1", "sw2", "sw3", "sw4",
             "ref1", "ref2", "ref3"]
    res = scales.efa(lib.survey, items, 4)
    got = res.data.pivot(index="item", columns="factor", values="loading")
    np.testing.assert_allclose(got.loc["sat1"], [0.1308419544, 0.80311508259, 0.14957998509,
                                                 0.11533605870], atol=2e-5)
    np.testing.assert_allclose(got.loc["rel1"], [0.7411579440, 0.09864787315, 0.14975897864,
                                                 0.10103438548], atol=2e-5)
    np.testing.assert_allclose(got.loc["sw3"], [-0.1039207269, -0.08186514841, -0.55770608172,
                                                -0.14897969442], atol=2e-5)
    np.testing.assert_allclose(got.loc["ref2"], [0.1210433448, 0.10787666459, 0.20439060823,
                                                 0.69556298739], atol=2e-5)
    assert res.converged and res.heywood == ()

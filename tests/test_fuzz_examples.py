"""Issue 24's fuzz classes, one example each: inputs that gave a silently wrong result or an
internal exception, now refused by name (each of these passed silently or crashed before)."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse


@pytest.fixture(scope="module")
def reasons():
    rng = np.random.default_rng(1)
    n = 200
    return pd.DataFrame({"t": rng.integers(1, 30, n).astype(float),
                         "reason": rng.choice(["value", "systems", "people", "none"], n),
                         "x": rng.normal(size=n), "g": rng.choice(["a", "b"], n)})


# --- codes that silently meant something else -----------------------------------------------

def test_text_reasons_with_no_censored_code_are_refused(reasons):
    # before: 'none' became a fourth lapse reason and every member a lapse
    msg = ("no row of column 'reason' equals censored=0 .*all 200 rows would be lapses; its "
           "values are 'none', 'people', 'systems', 'value': pass censored= the value")
    with pytest.raises(ValueError, match=msg):
        lapse.cumulative_incidence(reasons, "t", "reason")
    with pytest.raises(ValueError, match=msg):
        lapse.fit_subdistribution_model(reasons, "t", "reason", ["x"], cause="value")
    res = lapse.cumulative_incidence(reasons, "t", "reason", censored="none")
    assert res.reasons == ("people", "systems", "value")


def test_a_zero_stored_as_text_is_named(reasons):
    codes = reasons.assign(reason=reasons["reason"].map(
        {"none": 0, "value": 1, "systems": 2, "people": 3}).astype(str))
    with pytest.raises(ValueError, match="the codes are text: pass censored='0'"):
        lapse.cumulative_incidence(codes, "t", "reason")
    right = lapse.cumulative_incidence(codes, "t", "reason", censored="0")
    as_int = lapse.cumulative_incidence(codes.assign(reason=codes["reason"].astype(int)),
                                        "t", "reason")
    np.testing.assert_array_equal(right.table["incidence"], as_int.table["incidence"])


def test_every_member_lapsed_is_said_with_censored_none(reasons):
    lapsed = reasons[reasons["reason"] != "none"]
    res = lapse.cumulative_incidence(lapsed, "t", "reason", censored=None)
    # with no one censored, each reason's final incidence is its share of the members
    last = res.table.groupby("reason")["incidence"].last()
    np.testing.assert_allclose(last, lapsed["reason"].value_counts(normalize=True)[last.index],
                               rtol=1e-12)


@pytest.fixture(scope="module")
def model(reasons):
    d = reasons.assign(event=(reasons["reason"] != "none").astype(int))
    return lapse.fit_lapse_model(d, "t", "event", ["x", "g"])


def test_an_unseen_category_is_not_predicted_as_the_reference(model):
    # before: level 'c' was coded as zeros, i.e. predicted as the reference level 'a'
    with pytest.raises(ValueError, match=r"column 'g' of the profiles has 1 row\(s\) with a "
                                         r"level the model was not fitted on \(e.g. 'c'\); it "
                                         r"knows 'a', 'b' \('a' the reference\)"):
        model.predict_retention(pd.DataFrame({"x": [0.0], "g": ["c"]}), [5])


@pytest.mark.parametrize(("profile", "error", "message"), [
    ({"x": [0.0]}, ValueError, "profiles has no column 'g', needed for a prediction"),
    ({"x": [np.nan], "g": ["a"]}, ValueError, "column 'x' has 1 missing value"),
    ({"x": [0.0], "g": [None]}, ValueError, "column 'g' of the profiles has 1 missing value"),
    ({"x": ["u"], "g": ["a"]}, TypeError, "column 'x' has 1 non-numeric value"),
])
def test_incomplete_profiles_are_refused_by_name(model, profile, error, message):
    # before: KeyError 'g', a NaN prediction, or "unsupported operand type(s)"
    with pytest.raises(error, match=message):
        model.predict_retention(pd.DataFrame(profile), [5])


def test_known_profiles_predict_as_before(model):
    # the linear predictor of a profile equals the fitted design's (a reference level and
    # another, a covariate on its original scale)
    p = pd.DataFrame({"x": [0.5, -1.0], "g": ["a", "b"]})
    got = model.predict_retention(p, [0, 5, 10])
    sd, mean = model.scales.loc["x", "sd"], model.scales.loc["x", "mean"]
    lp = model.params["x"] * (p["x"] - mean) / sd + model.params["g[b]"] * (p["g"] == "b")
    # proportional hazards: log(-log S) differs between profiles by their linear predictors
    diff = np.log(-np.log(got.loc[5.0, 1])) - np.log(-np.log(got.loc[5.0, 0]))
    assert diff == pytest.approx(lp[1] - lp[0], rel=1e-12)
    assert (got.loc[0.0] == 1).all()


# --- impossible inputs accepted ---------------------------------------------------------------

def test_survival_shares_are_not_counts():
    # before: fitted as a cohort of one member (se 150 on alpha)
    with pytest.raises(ValueError, match=r"survivors must be counts of members \(whole "
                                         r"numbers\); period 1 has 0.8. Survival shares\?"):
        lapse.fit_sbg([1.0, 0.8, 0.6, 0.5])
    with pytest.raises(ValueError, match="the cohort size .* is 0"):
        lapse.fit_sbg([0, 0, 0])
    # whole counts stored as floats are counts
    assert lapse.fit_sbg([1000.0, 869, 743, 653]).alpha == lapse.fit_sbg(
        [1000, 869, 743, 653]).alpha


def test_all_zero_weights_are_refused():
    # before: the starting values (1, 1, 1, 1) came back as estimates, with n=0
    s = pd.DataFrame({"frequency": [1, 2, 0, 3], "recency": [2, 4, 0, 5],
                      "periods": [6, 6, 6, 6], "weights": [0, 0, 0, 0]})
    with pytest.raises(ValueError, match="column 'weights' is 0 in all 4 rows"):
        lapse.fit_bgbb(s, weights="weights")


# --- scales and drivers: internals that leaked, a miscoding that raised omega -----------------

@pytest.fixture(scope="module")
def items():
    from loyaltylab import simulate

    s = simulate.library(n_members=600, seed=5).survey
    return s[["sat1", "sat2", "sat3"]].dropna().reset_index(drop=True)


def test_an_undeclared_reversed_item_lowers_omega_and_warns(items):
    from loyaltylab import scales

    flipped = items.assign(sat3=11 - items["sat3"])
    declared = scales.composite_reliability(flipped, ["sat1", "sat2", "sat3"],
                                            reverse=["sat3"], low=1, high=10)
    original = scales.composite_reliability(items, ["sat1", "sat2", "sat3"])
    assert declared.omega == pytest.approx(original.omega, rel=1e-9)
    # before: absolute loadings gave the same omega whether or not the item was reversed
    with pytest.warns(UserWarning, match=r"item\(s\) 'sat3' \(-0\.\d\d\) load negatively"):
        wrong = scales.composite_reliability(flipped, ["sat1", "sat2", "sat3"])
    lam = wrong.loadings
    assert lam["sat3"] < 0 < lam["sat1"]
    assert wrong.omega == pytest.approx(
        lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()), rel=1e-12)
    assert wrong.omega < original.omega - 0.3
    # the satisfaction index's estimated weights refuse such an item in their own words
    from loyaltylab import metrics

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="'sat3' .* load negatively or not at all"):
            metrics.satisfaction_index(flipped, ["sat1", "sat2", "sat3"], weights="estimated")
    assert not rec  # the refusal says it once: omega's own warning is not passed on as well


@pytest.mark.parametrize(("change", "message", "in_sat"), [
    (lambda d: d.assign(sat3=d["sat1"]), "items 'sat1' and 'sat3' are perfectly correlated",
     True),
    (lambda d: d.assign(sat3=11 - d["sat1"]), "items 'sat1' and 'sat3' are perfectly "
                                              r"correlated \(r = -1.000\)", True),
    (lambda d: d.assign(x=d["sat1"] + d["sat2"]), "are linearly dependent", False),
    (lambda d: d.assign(sat3=5.0), r"item\(s\) \['sat3'\] have no variance", True),
    (lambda d: d.iloc[:3], r"only 3 respondent\(s\) of 3 answered every item", False),
])
def test_degenerate_items_are_refused_not_a_linalg_error(items, change, message, in_sat):
    from loyaltylab import metrics, scales

    d = change(items.assign(x=items["sat1"] - items["sat2"] + items["sat3"] % 3))
    cols = ["sat1", "sat2", "sat3", "x"]
    # before: numpy's LinAlgError "Singular matrix", or log warnings and a Heywood case
    calls = [lambda: scales.composite_reliability(d, cols), lambda: scales.efa(d, cols, 1)]
    if in_sat:  # (the index's estimated weights come from the same factor model)
        calls.append(lambda: metrics.satisfaction_index(d, ["sat1", "sat2", "sat3"],
                                                        weights="estimated"))
    for call in calls:
        with pytest.raises(ValueError, match=message) as err:
            call()
        assert type(err.value) is ValueError  # not numpy's LinAlgError (a ValueError too)


def test_a_constant_item_in_an_item_analysis_is_refused(items):
    from loyaltylab import scales

    # before: NaN correlations and two RuntimeWarnings
    with pytest.raises(ValueError, match=r"item\(s\) \['sat3'\] have no variance"):
        scales.item_analysis(items.assign(sat3=4.0), ["sat1", "sat2", "sat3"])


def test_omega_counts_the_respondents_it_leaves_out(items):
    from loyaltylab import scales

    gappy = items.astype(float)
    gappy.loc[[0, 5, 9], "sat2"] = np.nan
    res = scales.composite_reliability(gappy, ["sat1", "sat2", "sat3"])
    assert (res.n, res.n_excluded) == (len(items) - 3, 3)
    same = scales.composite_reliability(gappy.drop(index=[0, 5, 9]), ["sat1", "sat2", "sat3"])
    assert res.omega == same.omega and same.n_excluded == 0


@pytest.mark.parametrize(("drivers_", "message"), [
    (["sat1", "sat2", "dup"], "drivers 'sat1' and 'dup' are perfectly correlated"),
    (["sat1", "sat2", "total"], "the drivers .* are linearly dependent"),
    (["sat1", "sat3"], r"drivers \['sat1', 'sat3'\] repeat a column or name the outcome"),
    (["sat1", "tenth"], r"column\(s\) \['tenth'\] are constant"),
])
def test_key_drivers_refuse_what_a_regression_cannot_separate(items, drivers_, message):
    from loyaltylab import drivers

    # before: statsmodels' SingularMatrixWarning and arbitrary betas; a column of 0.1s
    # passed the "std() == 0" test (its float std is about 1e-17)
    d = items.assign(dup=items["sat1"], total=items["sat1"] + items["sat2"], tenth=0.1)
    with pytest.raises(ValueError, match=message):
        drivers.key_drivers(d, "sat3", drivers_, n_boot=50)


def test_relative_weights_take_only_a_correlation_matrix():
    from loyaltylab import drivers

    with pytest.raises(ValueError, match="square correlation matrix"):
        drivers.relative_weights(np.ones((3, 2)))
    with pytest.raises(ValueError, match="ones on the diagonal"):
        drivers.relative_weights(np.full((3, 3), 2.0))
    with pytest.raises(ValueError, match="perfectly correlated"):  # before: [0.5, 0.5]
        drivers.relative_weights(np.ones((3, 3)))
    # two uncorrelated drivers: each weight is its squared correlation with the outcome
    c = np.array([[1, 0.3, 0.4], [0.3, 1, 0], [0.4, 0, 1]])
    np.testing.assert_allclose(drivers.relative_weights(c), [0.09, 0.16], rtol=1e-12)


# --- predictions from fitted renewal and silent-lapse models ----------------------------------

@pytest.fixture(scope="module")
def bgbb():
    from loyaltylab import datasets

    return lapse.fit_bgbb(datasets.load_donations(), weights="weights")


@pytest.mark.parametrize(("args", "error", "message"), [
    # before: an IndexError from inside the likelihood
    (([2], [7], [6]), ValueError, r"1 row\(s\) have 'recency' > 'periods'"),
    # before: each of these returned a probability
    (([5], [3], [6]), ValueError, r"'frequency' > 'recency' \(more uses than opportunities"),
    (([0], [3], [6]), ValueError, "'frequency' 0 but 'recency' > 0"),
    (([1.5], [3], [6]), ValueError, r"frequency has 1 non-integer value\(s\) \(e.g. 1.5\)"),
    (([-1], [3], [6]), ValueError, "frequency has 1 value.* negative, missing or infinite"),
    (([np.nan], [3], [6]), ValueError, "frequency has 1 value.* negative, missing or infinite"),
    (("1", [3], [6]), TypeError, "frequency must be numbers, got the string '1'"),
    (([1, 2], [3, 4, 5], [6]), ValueError, "the arguments have different lengths"),
])
def test_bgbb_p_alive_refuses_impossible_histories(bgbb, args, error, message):
    with pytest.raises(error, match=message):
        bgbb.p_alive(*args)


def test_bgbb_p_alive_of_possible_histories_is_unchanged(bgbb):
    # FHS (2010) eq. 11 against the likelihood's own "alive" term, one value for all periods
    got = bgbb.p_alive([0, 3, 6], [0, 4, 6], 6)
    assert got[0] < got[1] < got[2] <= 1


@pytest.fixture(scope="module")
def bgnbd():
    from loyaltylab import datasets

    rfm = lapse.rfm_summary(datasets.load_cdnow(), member="customer_id",
                            calibration_end="1997-09-30")
    return lapse.fit_bgnbd(rfm)


@pytest.mark.parametrize(("call", "message"), [
    (lambda m: m.p_alive([2], [40], [30]), r"'recency' > 'T' \(the last use after"),
    (lambda m: m.p_alive([0], [4], [30]), "'frequency' 0 but 'recency' > 0"),
    (lambda m: m.p_alive([2], [0], [30]), "repeat uses but recency 0"),
    (lambda m: m.p_alive([2], [-4], [30]), "recency has 1 value.* negative"),
    (lambda m: m.conditional_expected_purchases(-1, [2], [4], [30]), "t has 1 value.* negative"),
    (lambda m: m.expected_purchases([np.inf]), "t has 1 value.* infinite"),
    (lambda m: m.probability_of_n(10, -1), "n must be"),
])
def test_bgnbd_predictions_refuse_impossible_inputs(bgnbd, call, message):
    with pytest.raises(ValueError, match=message):
        call(bgnbd)


@pytest.mark.parametrize(("call", "message"), [
    # before: an empty curve, a DERL computed at 1.5 and labelled 1, NaN values
    (lambda s: s.survival(-1),
     r"periods has 1 value\(s\) that are negative, missing or infinite \(e.g. -1\)"),
    (lambda s: s.survival([0, 1.5]),
     r"periods has 1 non-integer value\(s\) \(e.g. 1.5\); periods are counted"),
    (lambda s: s.retention_rates(0),
     r"periods has 1 value\(s\) that are below 1, missing or infinite \(e.g. 0\)"),
    (lambda s: s.derl(1.5),
     r"renewals has 1 non-integer value\(s\) \(e.g. 1.5\); renewals are counted"),
    (lambda s: s.derl(2, discount=np.nan), "discount must be > 0"),
    (lambda s: s.member_value(np.nan), "margin must be a finite amount"),
    (lambda s: s.member_value(10, renewals=[0, -1]),
     r"renewals has 1 value\(s\) that are negative"),
    (lambda s: s.break_even_spend(10, np.nan), "lapse_reduction must be between 0 and 1"),
])
def test_sbg_projections_refuse_impossible_periods(call, message):
    s = lapse.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    with pytest.raises(ValueError, match=message):
        call(s)


def test_prediction_times_are_checked_by_every_model(model, reasons):
    # before: "len() of unsized object" for a string; the Fine-Gray model took -1 as a time
    p = pd.DataFrame({"x": [0.0], "g": ["a"]})
    with pytest.raises(ValueError, match=r"times has 1 value\(s\) that are negative"):
        model.predict_retention(p, [-1])
    fg = lapse.fit_subdistribution_model(reasons, "t", "reason", ["x"], cause="value",
                                         censored="none")
    with pytest.raises(ValueError, match=r"times has 1 value\(s\) that are negative"):
        fg.predict_incidence(pd.DataFrame({"x": [0.0]}), [-1])
    assert model.predict_retention(p, 5).equals(model.predict_retention(p, [5]))


def test_a_combination_of_effects_needs_a_dict_of_finite_weights(model):
    # before: AttributeError "'list' object has no attribute 'get'"
    with pytest.raises(TypeError, match="weights must be a dict of covariate -> weight"):
        model.combine([])
    with pytest.raises(ValueError, match="weights must be finite numbers"):
        model.combine({"x": np.nan})
    one = model.combine({"x": 1.0})
    assert one.iloc[0] == pytest.approx(model.params["x"], rel=1e-12)


def test_the_last_period_is_one_number():
    s = lapse.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    # before: IndexError for an empty list
    with pytest.raises(ValueError, match=r"periods must be one whole number \(the last"):
        s.retention_rates([])
    with pytest.raises(ValueError, match=r"periods must be one whole number \(the last"):
        s.projection([3, 4])



def test_a_table_of_every_period_has_a_size_and_a_far_period_is_still_answered():
    # before: numpy's MemoryError ("Unable to allocate 7.28 TiB") for 1e12 periods
    from loyaltylab.lapse.renewals import MOST_PERIODS

    s = lapse.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    for call in (s.survival, s.retention_rates, s.projection):
        with pytest.raises(ValueError, match=r"periods=1,000,000,000,000 asks for a table"):
            call(10**12)
    assert len(s.survival(MOST_PERIODS)) == MOST_PERIODS + 1
    # one far period as a list: S(t) = B(alpha, beta + t) / B(alpha, beta) ~ t^-alpha
    # Gamma(alpha + beta) / Gamma(beta) for large t (Stirling), the ratio -> 1
    from scipy import special

    t = 10**12
    far = s.survival([t]).iloc[0]
    tail = t ** -s.alpha * math.exp(special.gammaln(s.alpha + s.beta) - special.gammaln(s.beta))
    assert far == pytest.approx(tail, rel=1e-9)


# --- the one id rule, from the other side ----------------------------------------------------

def test_numbers_match_member_ids_written_as_text():
    from loyaltylab import _validate

    members = pd.Series(["5", "007", " 9", "x", "12", "012"])
    got = _validate.as_ids_of(pd.Series([5, 7, 9, 12, 3, np.nan, 5.5]), members).tolist()
    # 7 is member "007" and 9 is " 9" (integer-like text is that integer); 12 reads as two
    # members, so it matches only the one written "12"; 3, NaN and 5.5 match no member
    assert got[:5] == ["5", "007", " 9", "12", "3"]
    assert pd.isna(got[5]) and got[6] == "5.5"


def test_evangelists_count_uses_when_the_survey_ids_are_text():
    # before: integer event ids never matched the survey's text ids: every member had 0 uses
    from tests.test_properties import RECIPES, _frames

    f = _frames()
    tables, call = RECIPES["evangelists"]
    clean = call(*(f[t] for t in tables))
    text = f["survey1"].assign(member_id=f["survey1"]["member_id"].astype(str))
    got = call(f["visits"], text, f["fb"])
    assert got.data["uses"].sum() == clean.data["uses"].sum() > 0


def test_a_row_without_a_duration_is_not_counted_as_a_missing_covariate(reasons):
    d = reasons.assign(event=(reasons["reason"] != "none").astype(float))
    d.loc[[0, 1], "t"] = np.nan
    d.loc[[2], "event"] = np.nan
    d.loc[[1, 3], "x"] = np.nan  # row 1 misses both: counted once, under its duration
    m = lapse.fit_lapse_model(d, "t", "event", ["x", "g"])
    assert m.excluded == {"missing duration or event": 3, "missing covariate": 1}
    assert m.n + m.n_excluded == len(d)
    same = lapse.fit_lapse_model(d.drop(index=[0, 1, 2, 3]), "t", "event", ["x", "g"])
    np.testing.assert_array_equal(m.params, same.params)
    # a column missing in every row is named (before: "no row has every covariate")
    with pytest.raises(ValueError, match="'t' is missing in every row"):
        lapse.fit_lapse_model(d.assign(t=np.nan), "t", "event", ["x"])

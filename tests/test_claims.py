"""Claim helpers (issue 26): each one must fail where the statistics do not support the
sentence, and say why."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltylab import claims


def test_differs_needs_the_interval_to_exclude_no_difference():
    assert claims.differs(0.1, 0.5)
    assert not claims.differs(-0.1, 0.5)  # contains 0
    assert claims.differs(1.2, 1.9, null=1)
    assert not claims.differs(0.9, 1.4, null=1)
    assert not claims.significant(0.06)
    assert claims.significant(0.004, correction="Holm over 6 pairs")
    # both given: both must agree
    assert not claims.differs(0.1, 0.5, p_value=0.2)
    c = claims.differs(0.9, 1.4, null=1)
    assert "contains 1" in repr(c) and "DOES NOT HOLD" in repr(c)
    with pytest.raises(ValueError, match="interval"):
        claims.differs(0.5, 0.1)
    with pytest.raises(ValueError, match=r"p_value must be in \[0, 1\]"):
        claims.significant(1.5)


def test_equivalent_is_an_interval_inside_a_margin():
    assert claims.equivalent(-0.8, 0.9, margin=1.0)
    assert not claims.equivalent(-0.8, 1.1, margin=1.0)  # reaches past the margin
    # not significant is not "the same": a wide interval around 0 is not equivalence
    assert not claims.differs(-3.0, 3.0) and not claims.equivalent(-3.0, 3.0, margin=1.0)
    assert claims.equivalent(0.9, 1.1, margin=1.25, ratio=True)
    assert not claims.equivalent(0.95, 1.30, margin=1.25, ratio=True)
    with pytest.raises(ValueError, match="factor above 1"):
        claims.equivalent(0.9, 1.1, margin=0.8, ratio=True)


def test_equivalent_agrees_with_two_one_sided_t_tests():
    # TOST on a sample: both one-sided p < 0.05 exactly when the 90% t interval lies inside
    rng = np.random.default_rng(3)
    for shift in (0.0, 0.3, 0.6):
        x = rng.normal(shift, 1.0, 80)
        m, se = x.mean(), x.std(ddof=1) / np.sqrt(len(x))
        t90 = stats.t.ppf(0.95, len(x) - 1)
        lo, hi = m - t90 * se, m + t90 * se
        p_low = stats.t.sf((m + 0.5) / se, len(x) - 1)
        p_high = stats.t.cdf((m - 0.5) / se, len(x) - 1)
        tost = max(p_low, p_high) < 0.05
        assert bool(claims.equivalent(lo, hi, margin=0.5)) == tost, shift


def test_ranks_first_needs_every_adjusted_pairwise_test():
    est = {"a": 0.94, "b": 0.92, "c": 0.84}
    pw = pd.DataFrame({"group_a": ["a", "a", "b"], "group_b": ["b", "c", "c"],
                       "p_holm": [0.24, 0.001, 0.01]})
    c = claims.ranks_first(est, pw)
    assert not c and "'b' (p = 0.24)" in repr(c)
    pw.loc[0, "p_holm"] = 0.01
    assert claims.ranks_first(est, pw)
    # lowest is best (a hazard): c leads, but not shown against b
    pw2 = pd.DataFrame({"group_a": ["a", "a", "b"], "group_b": ["b", "c", "c"],
                        "p_holm": [0.001, 0.001, 0.3]})
    assert not claims.ranks_first(est, pw2, higher=False)
    with pytest.raises(ValueError, match="no single row"):
        claims.ranks_first(est, pw.iloc[[0, 2]])  # no a-c row


def test_fits_is_a_chi_square_test():
    obs, exp = [48, 52, 60, 40], [50, 50, 50, 50]
    ref = stats.chisquare(obs, exp, ddof=1)
    c = claims.fits(obs, exp, n_params=1)
    assert bool(c) == (ref.pvalue >= 0.05) and f"{ref.pvalue:.3g}" in repr(c)
    # the BG/NBD calibration of notebook 12: close in every class, yet 23,570 customers
    # make the gaps more than chance (chi-square 39.5 on 3 df)
    assert not claims.fits([1000, 500, 300], [1100, 420, 280], n_params=0)
    with pytest.raises(ValueError, match="degrees of freedom"):
        claims.fits([1, 2], [1.5, 1.5], n_params=1)


def test_within_truth():
    assert claims.within_truth(0.5, 0.41, 0.62)
    assert not claims.within_truth(0.8, 0.41, 0.62)

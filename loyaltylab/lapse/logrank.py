"""Log-rank tests of equal retention: overall, pairwise, stratified and for trend.

The package's own (issue #23): lifelines caps pandas below 3, and these tests are a few
lines of arithmetic on the risk sets. At every distinct lapse time, each group's lapses are
set against those expected if all groups shared one hazard, with the hypergeometric
variance; summed over times (and over strata, for the stratified test) they give the
statistic R's ``survdiff`` gives (numbers in ``tests/test_logrank.py``). The trend test puts
a score on each group (e.g. 1, 2, 3 for ordered categories) and tests the one direction the
scores describe (1 degree of freedom).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import linalg, stats

from loyaltylab import _stats, _validate

__all__ = ["logrank_test"]


def _observed_expected(time: np.ndarray, event: np.ndarray, group: np.ndarray, k: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed and expected lapses per group and the k x k variance, for one stratum."""
    if time.size == 0:
        return np.zeros(k), np.zeros(k), np.zeros((k, k))
    times, inverse = np.unique(time, return_inverse=True)
    m = times.size
    # rows leaving at each time, per group, and lapses at each time, per group
    leave = np.zeros((m, k))
    np.add.at(leave, (inverse, group), 1.0)
    lapse = np.zeros((m, k))
    np.add.at(lapse, (inverse[event], group[event]), 1.0)
    at_risk = leave[::-1].cumsum(axis=0)[::-1]  # still there just before each time
    n = at_risk.sum(axis=1)
    d = lapse.sum(axis=1)
    keep = d > 0
    at_risk, lapse, n, d = at_risk[keep], lapse[keep], n[keep], d[keep]
    share = at_risk / n[:, None]
    observed = lapse.sum(axis=0)
    expected = (d[:, None] * share).sum(axis=0)
    # hypergeometric variance: d (n - d) / (n - 1) times the multinomial covariance of shares
    w = np.where(n > 1, d * (n - d) / np.maximum(n - 1, 1), 0.0)
    v = np.einsum("t,tg,th->gh", w, share, -share)
    v[np.diag_indices(k)] += (w[:, None] * share).sum(axis=0)
    return observed, expected, v


def _chi2(diff: np.ndarray, v: np.ndarray) -> tuple[float, int]:
    """The quadratic form on k - 1 groups (the last is implied), with a rank-aware inverse."""
    k = diff.size
    sub, vs = diff[:-1], v[:-1, :-1]
    tol = 1e-10 * max(1.0, float(np.abs(vs).max()))  # relative: no decision on an exact 0
    rank = int(np.linalg.matrix_rank(vs, tol=tol))
    stat = float(sub @ linalg.pinvh(vs, atol=tol) @ sub)
    return stat, min(rank, k - 1)


def logrank_test(
    data: pd.DataFrame,
    duration: str,
    event: str,
    by: str,
    *,
    strata: str | None = None,
    scores: Mapping[object, float] | Sequence[float] | None = None,
    pairwise: bool = True,
) -> pd.DataFrame:
    """Log-rank test of equal retention across the groups of ``by``.

    Parameters
    ----------
    data : DataFrame
        One row per member.
    duration : str
        Time from joining to lapse or to the end of the data.
    event : str
        1/True when the member lapsed, 0/False when still a member (censored).
    by : str
        The group column.
    strata : str, optional
        Compare the groups within each stratum and add the results (R's
        ``survdiff(... + strata(s))``): the groups' difference net of the strata.
    scores : mapping or sequence, optional
        A score per group (by level, or in the order of the sorted levels) for the test for
        trend: does retention move in the direction the scores order the groups?
    pairwise : bool
        Also test every pair of groups (not with ``strata``), with Holm-adjusted p-values.

    Returns
    -------
    DataFrame
        One row per test: ``test``, ``n`` (the rows it compared: every row, or the two
        groups' for a pair), ``statistic`` (chi-square), ``df``, ``p_value``, and for
        the pairs ``group_a``, ``group_b`` and ``p_holm``; ``observed`` and ``expected``
        lapses per group for the overall test are in the columns ``observed_<group>`` and
        ``expected_<group>``.

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "lapsed": [1, 1, 1, 1, 0, 1],
    ...                   "g": ["a", "a", "a", "b", "b", "b"]})
    >>> r = logrank_test(d, "t", "lapsed", "g")
    >>> str(r.loc[0, "test"]), int(r.loc[0, "df"])
    ('overall', 1)
    """
    data = _validate.frame(data)
    cols = [duration, event, by] + ([strata] if strata else [])
    _validate.columns(data, cols, "a log-rank test")
    t = _validate.numeric(data, duration, lo=0, allow_missing=False,
                          purpose="a log-rank test (the durations)").to_numpy(float)
    e = _validate.numeric(data, event, lo=0, hi=1, integer=True, allow_missing=False,
                          purpose="a log-rank test (1 = lapsed, 0 = still a member)"
                          ).to_numpy().astype(bool)
    g = _validate.groups(data, by)
    # levels in sorted order of their values (a categorical's too), as lifelines and R list them
    levels, codes = np.unique(np.asarray(g, dtype=object), return_inverse=True)
    k = len(levels)
    if k < 2:
        raise ValueError(f"a log-rank test needs at least two groups in {by!r}, got {k}")
    if strata:
        s = data[strata]
        if s.isna().any():
            raise ValueError(f"column {strata!r} has {int(s.isna().sum())} missing stratum "
                             f"value(s); fill or drop them")
        s_codes = pd.factorize(s, sort=True)[0]
    else:
        s_codes = np.zeros(len(t), np.intp)
    o, ex, v = np.zeros(k), np.zeros(k), np.zeros((k, k))
    for s_k in np.unique(s_codes):
        rows = s_codes == s_k
        oo, ee, vv = _observed_expected(t[rows], e[rows], codes[rows], k)
        o, ex, v = o + oo, ex + ee, v + vv
    label = "overall" + (f", stratified by {strata}" if strata else "")
    stat, df = _chi2(o - ex, v)
    out = [{"test": label, "n": len(t), "statistic": stat, "df": df,
            "p_value": float(stats.chi2.sf(stat, df)),
            **{f"observed_{lv}": o[i] for i, lv in enumerate(levels)},
            **{f"expected_{lv}": ex[i] for i, lv in enumerate(levels)}}]
    if scores is not None:
        w = (np.array([float(scores[lv]) for lv in levels]) if isinstance(scores, Mapping)
             else np.asarray(scores, float))
        if w.shape != (k,) or not np.isfinite(w).all():
            raise ValueError(f"scores must give one finite number per group of {by!r} "
                             f"({list(levels)}), got {scores!r}")
        var = float(w @ v @ w)
        # relative to the scores' and the variance's scale: equal scores give a variance of
        # rounding size, not an exact 0
        if not var > 1e-10 * float(w @ w) * max(float(np.abs(v).max()), 1e-300):
            raise ValueError("the trend scores give the test no variance (equal scores?)")
        z2 = float((w @ (o - ex)) ** 2 / var)
        out.append({"test": "trend" + (f", stratified by {strata}" if strata else ""),
                    "n": len(t), "statistic": z2, "df": 1, "p_value": float(stats.chi2.sf(z2, 1))})
    if pairwise and not strata:
        pairs = []
        for a in range(k):
            for b in range(a + 1, k):
                rows = (codes == a) | (codes == b)
                two = (codes[rows] == b).astype(np.intp)
                oo, ee, vv = _observed_expected(t[rows], e[rows], two, 2)
                st, dfp = _chi2(oo - ee, vv)
                pairs.append({"test": "pair", "group_a": levels[a], "group_b": levels[b],
                              "n": int(rows.sum()), "statistic": st, "df": dfp,
                              "p_value": float(stats.chi2.sf(st, dfp))})
        pw = pd.DataFrame(pairs)
        pw["p_holm"] = _stats.holm(pw["p_value"])
        out.extend(pw.to_dict("records"))
    return pd.DataFrame(out)

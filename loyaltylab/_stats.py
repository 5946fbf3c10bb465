"""Shared interval and estimation helpers, so each formula lives in one place."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats


def z_value(ci: float) -> float:
    """Two-sided standard normal critical value for confidence level ``ci``."""
    return float(stats.norm.ppf(0.5 + ci / 2))


def t_value(ci: float, df: float) -> float:
    """Two-sided Student t critical value (NaN when ``df`` < 1)."""
    return float(stats.t.ppf(0.5 + ci / 2, df)) if df >= 1 else np.nan


def wilson(k: int, n: int, ci: float) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (NaN, NaN when n is 0)."""
    from statsmodels.stats.proportion import proportion_confint

    if n == 0:
        return np.nan, np.nan
    # round away the float noise of 1 - ci (1 - 0.95 is 0.050000000000000044), which would
    # put the lower limit of 0 successes a hair above 0
    lo, hi = proportion_confint(k, n, alpha=round(1 - ci, 12), method="wilson")
    return float(min(lo, k / n)), float(max(hi, k / n))


def mean_interval(values: pd.Series | np.ndarray, ci: float) -> tuple[float, float, float, int]:
    """Mean of the non-missing values with a t interval: (mean, low, high, n)."""
    v = pd.Series(values, dtype=float).dropna()
    n = len(v)
    if n < 2:
        return (float(v.mean()) if n else np.nan), np.nan, np.nan, n
    half = t_value(ci, n - 1) * v.std(ddof=1) / np.sqrt(n)
    m = float(v.mean())
    return m, float(m - half), float(m + half), n


def poisson_interval(k: int, ci: float) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson count ``k``."""
    a = (1 - ci) / 2
    lo = stats.chi2.ppf(a, 2 * k) / 2 if k > 0 else 0.0
    hi = stats.chi2.ppf(1 - a, 2 * k + 2) / 2
    return float(lo), float(hi)


def holm(p: np.ndarray | pd.Series) -> np.ndarray:
    """Holm-adjusted p-values (missing values stay missing).

    statsmodels' ``multipletests(method="holm")`` gives the same numbers (tested) but runs a
    full garbage collection on every call, about 0.15 s in a notebook's process, once per
    reason and per comparison here; the step-down rule itself is three lines.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    order = np.argsort(q, kind="stable")
    steps = q[order] * np.arange(q.size, 0, -1)
    adjusted = np.empty(q.size)
    adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    out[ok] = adjusted
    return out


def linear_predictor(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``x @ beta`` computed once per distinct row, so that members with the same covariates
    get bit-identical scores on every machine.

    A BLAS product may sum a row in a different order depending on its position in the
    matrix and on the SIMD kernel, so two equal rows can differ in the last bit; ranks, AUC
    and concordance then split a tie that should count one half, and a printed digit moves.
    """
    x = np.asarray(x, dtype=float)
    rows, inverse = np.unique(x, axis=0, return_inverse=True)
    return (rows @ np.asarray(beta, dtype=float))[inverse.ravel()]


def ratio_table(coef: pd.Series, se: pd.Series, ci: float, ratio: str,
                name: str = "covariate") -> pd.DataFrame:
    """Effects table on the ratio scale: coefficient, SE, exp(coef) with a Wald interval on
    the log scale and the two-sided p-value."""
    z = z_value(ci)
    b, s = coef.to_numpy(dtype=float), se.to_numpy(dtype=float)
    return pd.DataFrame({name: coef.index, "coef": b, "se": s, ratio: np.exp(b),
                         "ci_low": np.exp(b - z * s), "ci_high": np.exp(b + z * s),
                         "p_value": 2 * stats.norm.sf(np.abs(b / s))})


def se_from_hessian(hess: np.ndarray, scale: np.ndarray | float = 1.0) -> np.ndarray:
    """Standard errors from the Hessian of a negative log-likelihood, multiplied by
    ``scale`` (the delta method for parameters estimated on the log scale: pass the
    estimates). NaN when the Hessian is singular (a parameter not identified)."""
    hess = np.asarray(hess, dtype=float)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.full(hess.shape[0], np.nan)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.diag(cov)) * scale


def numerical_hessian(nll: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Hessian of ``nll`` at ``x`` by statsmodels' central differences (``approx_hess3``)."""
    from statsmodels.tools.numdiff import approx_hess3

    return approx_hess3(np.asarray(x, dtype=float), nll)


def hessian_from_gradient(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                          h: float = 1e-5) -> np.ndarray:
    """Symmetrised Hessian by central differences of an analytic gradient (2k evaluations)."""
    x = np.asarray(x, dtype=float)
    hess = np.array([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(x.size)])
    return (hess + hess.T) / 2


def concordance(time: np.ndarray, score: np.ndarray, event: np.ndarray) -> float:
    """Harrell's C: of the comparable pairs, the share the scores order like the times.

    A pair is comparable when the earlier time is a lapse (event); at a tied time a lapse is
    compared with a member censored then (who outlived it) but not with another lapse. The
    pair counts 1 when the later member has the higher score (scores predict time, not
    risk: pass minus a Cox linear predictor), 0.5 when the scores tie. The same pairs and
    weights as lifelines' ``concordance_index``, which this replaces (issue #23: lifelines
    caps pandas below 3).

    The count is a dominance count: for each member, the lapses before them with a lower (or
    equal) score. It is done with a merge-sort tree in numpy: the lapses, ordered by time,
    are cut into blocks of 2^k at each level k, each block sorted by score, and each member's
    prefix of earlier lapses is the union of one block per set bit of its length. O(n log^2
    n) in vectorized steps: a million members take seconds, where a pairwise loop would not
    end.
    """
    t = np.asarray(time, dtype=float)
    s = np.asarray(score, dtype=float)
    e = np.asarray(event, dtype=bool)
    if not (t.shape == s.shape == e.shape and t.ndim == 1):
        raise ValueError("time, score and event must be 1-d arrays of the same length")
    if not (np.isfinite(t).all() and np.isfinite(s).all()):
        raise ValueError("concordance needs finite times and scores")
    trank = np.unique(t, return_inverse=True)[1].astype(np.int64)
    srank = np.unique(s, return_inverse=True)[1].astype(np.int64)
    levels = int(srank.max()) + 1 if srank.size else 1
    # lapses by time; a member's prefix = lapses strictly earlier, or at the same time when
    # the member was censored then
    order = np.argsort(trank[e], kind="stable")
    point_key = (2 * trank[e])[order]
    point_score = srank[e][order]
    m = point_key.size
    prefix = np.searchsorted(point_key, 2 * trank + (~e), side="left")
    pairs = int(prefix.sum())
    if pairs == 0:
        raise ValueError("no comparable pairs (no lapse before another member's time): "
                         "concordance is undefined")
    below = 0.0
    tied = 0.0
    k = 0
    while (1 << k) <= m:
        bit = ((prefix >> k) & 1).astype(bool)
        if bit.any():
            keys = np.sort((np.arange(m, dtype=np.int64) >> k) * levels + point_score)
            start = ((prefix[bit] >> (k + 1)) << (k + 1)) >> k
            base = start * levels
            q = base + srank[bit]
            left = np.searchsorted(keys, q, side="left")
            first = np.searchsorted(keys, base, side="left")
            below += float((left - first).sum())
            tied += float((np.searchsorted(keys, q, side="right") - left).sum())
        k += 1
    return (below + 0.5 * tied) / pairs


def lifelines(feature: str):
    """lifelines, for the features that still use it, or a clear error naming the extra.

    The package's own numerics cover Kaplan-Meier, Cox (strata, entry, robust, ridge,
    frailty), time-varying Cox, the parametric AFT models, log-rank tests, concordance,
    Gray's test and Fine-Gray; lifelines (an optional companion: it caps pandas below 3)
    gives only its own ``.fitter`` objects.
    """
    try:
        import lifelines as ll
    except ImportError:
        raise ImportError(
            f"{feature} uses lifelines, which is not installed: pip install "
            "'loyaltylab[lifelines]' (lifelines needs pandas below 3; everything else in "
            "loyaltylab works without it)") from None
    return ll

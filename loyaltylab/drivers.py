"""Key-driver analysis: which factors drive an outcome (loyalty, recommendation, renewal).

Standardized regression coefficients with heteroskedasticity-robust intervals (statsmodels
OLS, HC3) plus Johnson's relative weights, which split R-squared among correlated drivers, with
bootstrap intervals; and an importance-performance table (what to fix first).

Relative weights are written here because no maintained Python package implements them
(they are a few lines of linear algebra on the correlation matrix; Johnson 2000).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._results import Result

__all__ = ["KeyDrivers", "importance_performance", "key_drivers", "relative_weights"]


@dataclass(frozen=True, repr=False)
class KeyDrivers(Result):
    """Key drivers of an outcome (see :func:`key_drivers`).

    Attributes
    ----------
    table : DataFrame
        One row per driver: ``beta`` with HC3 interval and ``p_value``; ``relative_weight``
        with bootstrap interval (``rw_ci_low``, ``rw_ci_high``); ``rescaled`` (percent of
        R-squared). :func:`importance_performance` adds ``performance`` and ``quadrant``.
    outcome : str
        The outcome column.
    r_squared : float
        R-squared of the regression.
    n, n_excluded : int
        Complete rows used, and rows left out for a missing value.
    ci : float
        Confidence level.
    results : statsmodels RegressionResults
        The standardized OLS fit.
    draws : DataFrame or None
        The bootstrap relative weights, one row per resample and one column per driver: the
        resamples are shared, so a difference of two columns gives the interval of the
        difference of two weights (whether one driver outranks another).
    """

    table: pd.DataFrame
    outcome: str
    r_squared: float
    n: int
    n_excluded: int
    ci: float
    results: object
    draws: pd.DataFrame | None = None

    def __repr__(self) -> str:
        col = "relative_weight" if "relative_weight" in self.table else "importance"
        top = self.table.sort_values(col, ascending=False, kind="stable")["driver"].iloc[0]
        return (f"{type(self).__name__}(outcome={self.outcome!r}, R²={self.r_squared:.3f}, "
                f"top driver {top!r}, n={self.n}, excluded={self.n_excluded})")

    def to_frame(self) -> pd.DataFrame:
        """The per-driver table."""
        return self.table


def _prepare(data: pd.DataFrame, outcome: str, drivers: Sequence[str], purpose: str):
    data = _validate.frame(data)
    drivers = _validate.names(drivers, "drivers")
    if len(drivers) < 2:
        raise ValueError("key-driver analysis needs at least two drivers")
    _validate.columns(data, [outcome, *drivers], purpose)
    cols = {c: _validate.numeric(data, c, purpose=purpose) for c in [outcome, *drivers]}
    df = pd.DataFrame(cols, index=data.index)
    complete = df.dropna()
    if len(complete) < len(drivers) + 3:
        raise ValueError(f"only {len(complete)} complete row(s); {purpose} needs more rows "
                         f"than drivers")
    if outcome in drivers or len(set(drivers)) < len(drivers):
        raise ValueError(f"drivers {drivers} repeat a column or name the outcome {outcome!r}; "
                         f"list each driver once, without the outcome")
    # distinct values counted: a standard deviation compared with 0 misses 0.1 repeated
    const = [c for c in complete if complete[c].nunique() == 1]
    if const:
        raise ValueError(f"column(s) {const} are constant among complete rows; drop them")
    _validate.independent(np.corrcoef(complete[drivers].to_numpy(), rowvar=False), drivers,
                          purpose, "drivers")
    return complete, len(df) - len(complete)


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) raw relative weights from a correlation matrix whose first row and
    column are the outcome. They are non-negative and sum to R-squared.

    Parameters
    ----------
    corr : ndarray
        Correlation matrix, outcome first.

    Returns
    -------
    ndarray
        One weight per driver.
    """
    corr = np.asarray(corr, dtype=float)
    if corr.ndim != 2 or corr.shape[0] != corr.shape[1] or corr.shape[0] < 3:
        raise ValueError(f"corr must be a square correlation matrix of the outcome and at "
                         f"least two drivers, got shape {corr.shape}")
    if not (np.isfinite(corr).all() and np.allclose(corr, corr.T, rtol=0, atol=1e-10)
            and np.allclose(np.diag(corr), 1, rtol=0, atol=1e-10)
            and (np.abs(corr) <= 1 + 1e-10).all()):
        raise ValueError("corr must be a correlation matrix (finite, symmetric, ones on the "
                         "diagonal, entries in [-1, 1]); build it with np.corrcoef")
    _validate.independent(corr[1:, 1:], [f"driver {i}" for i in range(1, len(corr))],
                          "relative weights", "drivers")
    return _relative_weights(corr)


def _relative_weights(corr: np.ndarray) -> np.ndarray:
    """:func:`relative_weights` without its checks, for the bootstrap's resamples (where a
    near-singular draw is kept, clipped, rather than stopping the run)."""
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 1e-12, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T  # correlations of X with orthogonal Z
    beta = np.linalg.solve(lam, rxy)  # regression of y on Z
    return (lam**2) @ (beta**2)


def key_drivers(data: pd.DataFrame, outcome: str, drivers: Sequence[str], *,
                ci: float = 0.95, n_boot: int = 1000, seed: int = 0) -> KeyDrivers:
    """Key drivers of ``outcome``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        The outcome column (e.g. a loyalty score).
    drivers : sequence of str
        At least two driver columns.
    ci : float
        Confidence level.
    n_boot : int
        Bootstrap resamples for the relative-weight intervals.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    KeyDrivers
        ``.table``: one row per driver: ``beta`` (standardized coefficient) with HC3 robust
        ``beta_ci_low`` / ``beta_ci_high`` and ``p_value``; ``relative_weight`` (its share of
        R-squared, summing to R-squared) with percentile bootstrap interval; ``rescaled``
        (percent of R-squared).

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. *Multivariate Behavioral Research* 35, 1-19.
    Tonidandel, S. & LeBreton, J. M. (2011). Relative importance analysis. *J. Business and
    Psychology* 26, 1-9 (bootstrap intervals).

    Examples
    --------
    >>> from loyaltylab.datasets import load_ecsi
    >>> kd = key_drivers(load_ecsi("bank"), "loy1", ["sat1", "val1", "imag1"], n_boot=200)
    >>> bool(abs(kd.table["relative_weight"].sum() - kd.r_squared) < 1e-12)
    True
    """
    import statsmodels.api as sm

    ci = _validate.probability(ci, "ci")
    df, n_excluded = _prepare(data, outcome, drivers, "key-driver analysis")
    drivers = _validate.names(drivers, "drivers")
    z = (df - df.mean()) / df.std(ddof=1)
    res = sm.OLS(z[outcome], sm.add_constant(z[drivers])).fit(cov_type="HC3")
    conf = res.conf_int(alpha=1 - ci).loc[drivers]
    cols = [outcome, *drivers]
    rw = relative_weights(np.corrcoef(df[cols].to_numpy(), rowvar=False))
    rng = np.random.default_rng(seed)
    x = df[cols].to_numpy()
    n = len(x)
    boot = np.empty((_validate.positive_int(n_boot, "n_boot", minimum=50), len(drivers)))
    for b in range(len(boot)):
        boot[b] = _relative_weights(np.corrcoef(x[rng.integers(0, n, n)], rowvar=False))
    q = np.nanquantile(boot, [(1 - ci) / 2, 0.5 + ci / 2], axis=0)
    out = pd.DataFrame({
        "driver": drivers, "beta": res.params[drivers].to_numpy(),
        "beta_ci_low": conf[0].to_numpy(), "beta_ci_high": conf[1].to_numpy(),
        "p_value": res.pvalues[drivers].to_numpy(), "relative_weight": rw,
        "rw_ci_low": q[0], "rw_ci_high": q[1], "rescaled": 100 * rw / rw.sum()})
    return KeyDrivers(table=out, outcome=outcome, r_squared=float(res.rsquared), n=n,
                      n_excluded=n_excluded, ci=ci, results=res,
                      draws=pd.DataFrame(boot, columns=list(drivers)))


def importance_performance(data: pd.DataFrame, outcome: str, drivers: Sequence[str], *,
                           low: float, high: float, ci: float = 0.95, n_boot: int = 200,
                           seed: int = 0) -> KeyDrivers:
    """Importance-performance table: what to fix first.

    Importance is each driver's share of R-squared (relative weights); performance is its
    mean on a 0-100 scale (percent of the ``low``-``high`` range). Quadrants split at the mean
    importance and mean performance: "fix first" (important, performing below the others),
    "keep up the good work", "possible overkill", "low priority".

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        The outcome column.
    drivers : sequence of str
        Driver columns, all on the ``low``-``high`` scale.
    low, high : float
        Response range of the drivers.
    ci : float
        Confidence level of the importance intervals.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    KeyDrivers
        ``.table``: ``driver``, ``importance`` (percent of R-squared), ``rw_ci_low``,
        ``rw_ci_high``, ``performance``, ``quadrant``, sorted by priority.
    """
    kd = key_drivers(data, outcome, drivers, ci=ci, n_boot=n_boot, seed=seed)
    data = _validate.frame(data)
    perf = [100 * (_validate.numeric(data, d, lo=low, hi=high).mean() - low) / (high - low)
            for d in drivers]
    out = kd.table[["driver", "rescaled", "rw_ci_low", "rw_ci_high"]].rename(
        columns={"rescaled": "importance"})
    out["performance"] = perf
    hi_i = out["importance"] >= out["importance"].mean()
    hi_p = out["performance"] >= out["performance"].mean()
    out["quadrant"] = np.select([hi_i & ~hi_p, hi_i & hi_p, ~hi_i & hi_p],
                                ["fix first", "keep up the good work", "possible overkill"],
                                "low priority")
    order = {"fix first": 0, "keep up the good work": 1, "possible overkill": 2,
             "low priority": 3}
    out = out.assign(_order=out["quadrant"].map(order))
    out = out.sort_values(["_order", "importance"], ascending=[True, False])
    out = out.drop(columns="_order").reset_index(drop=True)
    return KeyDrivers(table=out, outcome=outcome, r_squared=kd.r_squared, n=kd.n,
                      n_excluded=kd.n_excluded, ci=ci, results=kd.results, draws=kd.draws)

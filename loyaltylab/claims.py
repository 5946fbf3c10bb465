"""Claim checks that state the inference, for the check cells under a notebook's sentences.

A sentence such as "students lapse faster than adults" is a claim about an interval or a
test, not about digits. Each helper here returns a :class:`Claim` that is true only when the
statistics support the sentence, and says why either way, so that ``assert claims.differs(...)``
fails when the data stop supporting the words (not only when a digit changes):

- :func:`differs`: the interval excludes no difference; :func:`significant`: an adjusted
  p-value is below alpha;
- :func:`equivalent`: "the same", only as equivalence within a stated margin (TOST: the
  90% interval inside the margin gives a 5% test);
- :func:`ranks_first`: "the largest" / "the longest", only when the leader beats every other
  group in adjusted pairwise tests;
- :func:`fits`: "the model reproduces the data", only when a goodness-of-fit test finds no
  departure (which is not proof of fit, and the claim says so);
- :func:`within_truth`: a simulated truth inside the estimate's interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Claim", "differs", "equivalent", "fits", "ranks_first", "significant",
           "within_truth"]


@dataclass(frozen=True)
class Claim:
    """Whether a claim holds, and the evidence: true in a boolean context."""

    holds: bool
    claim: str
    evidence: str

    def __bool__(self) -> bool:
        return bool(self.holds)

    def __repr__(self) -> str:
        verdict = "holds" if self.holds else "DOES NOT HOLD"
        return f"Claim({self.claim!r} {verdict}: {self.evidence})"


def _interval(ci_low: float, ci_high: float) -> tuple[float, float]:
    lo, hi = float(ci_low), float(ci_high)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
        raise ValueError(f"an interval needs finite ci_low <= ci_high, got ({lo}, {hi})")
    return lo, hi


def differs(ci_low: float, ci_high: float, *, null: float = 0.0, p_value: float | None = None,
            alpha: float = 0.05, correction: str | None = None) -> Claim:
    """"A differs from B": the interval excludes the no-difference value (and, when given, the
    p-value, already adjusted for the comparisons made, is below ``alpha``).

    Parameters
    ----------
    ci_low, ci_high : float
        The interval of the difference (or of a ratio, with ``null=1``).
    null : float
        The value of no difference (0 for differences, 1 for ratios).
    p_value : float, optional
        The test's p-value besides the interval; both must agree.
    alpha : float
    correction : str, optional
        The multiplicity correction the interval or p-value carries (e.g. "Holm over 6
        pairs"), recorded in the evidence.

    Returns
    -------
    Claim

    Examples
    --------
    >>> bool(differs(1.2, 1.9, null=1))
    True
    >>> bool(differs(0.9, 1.4, null=1))
    False
    """
    lo, hi = _interval(ci_low, ci_high)
    excl = not lo <= null <= hi
    parts = [f"interval ({lo:.4g}, {hi:.4g}) {'excludes' if excl else 'contains'} {null:g}"]
    ok = excl
    if p_value is not None:
        below = float(p_value) < alpha
        ok &= below
        parts.append(f"p = {float(p_value):.3g} {'<' if below else '>='} {alpha:g}")
    if correction:
        parts.append(correction)
    return Claim(ok, "differs", "; ".join(parts))


def significant(p_value: float, *, alpha: float = 0.05, correction: str | None = None) -> Claim:
    """"A differs from B" from a test alone: the p-value (adjusted for the comparisons made,
    named in ``correction``) is below ``alpha``.

    Parameters
    ----------
    p_value : float
    alpha : float
    correction : str, optional

    Returns
    -------
    Claim

    Examples
    --------
    >>> bool(significant(0.004, correction="Holm over 6 pairs"))
    True
    """
    pv = float(p_value)
    if not 0 <= pv <= 1:
        raise ValueError(f"p_value must be in [0, 1], got {p_value}")
    below = pv < alpha
    return Claim(below, "differs", f"p = {pv:.3g} {'<' if below else '>='} {alpha:g}"
                 + (f" ({correction})" if correction else ""))


def equivalent(ci_low: float, ci_high: float, *, margin: float, null: float = 0.0,
               ratio: bool = False) -> Claim:
    """"A and B are the same", as equivalence: the 90% interval of the difference lies within
    ``null`` +/- ``margin`` (two one-sided tests at 5%). Pass a 90% interval.

    Parameters
    ----------
    ci_low, ci_high : float
        The 90% interval of the difference (or ratio).
    margin : float
        The largest difference that counts as "the same", stated before looking. With
        ``ratio=True`` a factor above 1: equivalent within (1/margin, margin).
    null : float
    ratio : bool

    Returns
    -------
    Claim

    Examples
    --------
    >>> bool(equivalent(-0.8, 0.9, margin=1.0))
    True
    >>> bool(equivalent(0.95, 1.30, margin=1.25, ratio=True))
    False
    """
    lo, hi = _interval(ci_low, ci_high)
    if ratio:
        if not margin > 1:
            raise ValueError(f"a ratio margin is a factor above 1, got {margin}")
        band = (1 / margin, margin)
    else:
        if not margin > 0:
            raise ValueError(f"margin must be positive, got {margin}")
        band = (null - margin, null + margin)
    ok = band[0] < lo and hi < band[1]
    return Claim(ok, "equivalent",
                 f"90% interval ({lo:.4g}, {hi:.4g}) {'inside' if ok else 'not inside'} the "
                 f"margin ({band[0]:.4g}, {band[1]:.4g})")


def ranks_first(estimates: Mapping[object, float] | pd.Series,
                pairwise: pd.DataFrame, *, higher: bool = True, alpha: float = 0.05,
                p: str = "p_holm", a: str = "group_a", b: str = "group_b") -> Claim:
    """"X is the largest (longest, ...)": X has the best estimate *and* differs from every
    other group in the (multiplicity-adjusted) pairwise tests.

    Parameters
    ----------
    estimates : mapping or Series
        Group -> estimate.
    pairwise : DataFrame
        One row per pair: ``group_a``, ``group_b`` and an adjusted p-value (``p``).
    higher : bool
        Best is the highest (False: the lowest, e.g. a hazard).
    alpha : float
    p, a, b : str
        Column names of ``pairwise``.

    Returns
    -------
    Claim
    """
    est = pd.Series(estimates, dtype=float)
    if len(est) < 2:
        raise ValueError("ranking needs at least two groups")
    leader = est.idxmax() if higher else est.idxmin()
    weak = []
    for other in est.index:
        if other == leader:
            continue
        row = pairwise[((pairwise[a] == leader) & (pairwise[b] == other))
                       | ((pairwise[a] == other) & (pairwise[b] == leader))]
        if len(row) != 1:
            raise ValueError(f"pairwise has no single row for {leader!r} vs {other!r}")
        pv = float(row[p].iloc[0])
        if not pv < alpha:
            weak.append(f"{other!r} (p = {pv:.3g})")
    ok = not weak
    evidence = (f"{leader!r} leads ({est[leader]:.4g}) and differs from every other group"
                if ok else f"{leader!r} leads ({est[leader]:.4g}) but is not shown to differ "
                f"from {', '.join(weak)}")
    return Claim(ok, f"{leader!r} ranks first", evidence)


def fits(observed, expected, *, n_params: int = 0, alpha: float = 0.05) -> Claim:
    """"The model reproduces the data": Pearson's chi-square goodness-of-fit test finds no
    departure at ``alpha`` (degrees of freedom: classes - 1 - ``n_params``). A test that
    finds nothing has not shown the fit is exact; the evidence says so.

    Parameters
    ----------
    observed, expected : array-like
        Counts per class (expected from the fitted model, same total).
    n_params : int
        Parameters estimated from these counts.
    alpha : float

    Returns
    -------
    Claim

    Examples
    --------
    >>> bool(fits([48, 52], [50, 50]))
    True
    """
    o = np.asarray(observed, float)
    e = np.asarray(expected, float)
    if o.shape != e.shape or o.ndim != 1 or (e <= 0).any():
        raise ValueError("observed and expected must be 1-d counts of the same length, "
                         "expected all positive")
    df = len(o) - 1 - int(n_params)
    if df < 1:
        raise ValueError(f"{len(o)} classes and {n_params} parameters leave no degrees of "
                         f"freedom")
    x2 = float(((o - e) ** 2 / e).sum())
    pv = float(stats.chi2.sf(x2, df))
    ok = pv >= alpha
    return Claim(ok, "fits", f"chi-square {x2:.3g} on {df} df, p = {pv:.3g}"
                 + (" (no departure found; not proof of an exact fit)" if ok
                    else " (the data depart from the model)"))


def within_truth(truth: float, ci_low: float, ci_high: float) -> Claim:
    """"The estimate recovers the truth": the simulated value lies inside the interval.

    Parameters
    ----------
    truth : float
        The value the simulation planted.
    ci_low, ci_high : float
        The estimate's interval.

    Returns
    -------
    Claim

    Examples
    --------
    >>> bool(within_truth(0.5, 0.41, 0.62))
    True
    """
    lo, hi = _interval(ci_low, ci_high)
    ok = lo <= float(truth) <= hi
    return Claim(ok, "within truth", f"truth {float(truth):.4g} {'inside' if ok else 'outside'}"
                 f" ({lo:.4g}, {hi:.4g})")

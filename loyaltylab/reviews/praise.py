"""Signals of inflated praise: flags with their evidence, never verdicts.

The guide warns that exaggerated praise next to peers' ratings looks suspicious, and that a
mix of good and bad reviews builds trust. Three signals a library (or a researcher auditing
review pages) can check on its own data:

- a **burst**: more 5-star reviews of one unit within a few days than its own rate makes
  plausible (Poisson scan over windows, Bonferroni-corrected for the number of windows);
- **one-review accounts**: 5-star reviews come from authors who reviewed nothing else more
  often than the unit's other reviews do (Fisher's exact test);
- **far above peers**: a unit's share of 5-star reviews exceeds that of the other units by
  more than ``margin`` (a one-sided two-proportion test against that margin: units differ,
  and with thousands of reviews any difference is significant; the flag is for a gap too
  large to be ordinary).

p-values are Holm-adjusted across units within each signal. A flag says "look here": a
genuinely popular event, a campaign asking happy members for reviews, or a new branch can
raise any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.reviews._door import BRANCH, POSTED, RATING, REVIEW_ID, checked

__all__ = ["PraiseSignals", "suspicious_praise"]


@dataclass(frozen=True, repr=False)
class PraiseSignals(Result):
    """Signals of inflated praise per unit, with their evidence.

    Attributes
    ----------
    signals : DataFrame
        One row per unit and signal: ``unit``, ``signal``, ``evidence`` (in words),
        ``statistic``, ``p_value``, ``p_holm`` and ``flagged`` (``p_holm`` below ``alpha``).
    bursts : DataFrame
        Per unit, its busiest window of 5-star reviews: ``start``, ``count``, ``expected``.
    alpha : float
    n_used, n_excluded : int
    """

    signals: pd.DataFrame
    bursts: pd.DataFrame
    alpha: float
    n_used: int
    n_excluded: int
    excluded: dict

    def __repr__(self) -> str:
        f = self.signals[self.signals["flagged"]]
        what = "; ".join(f"{u}: {s}" for u, s in zip(f["unit"], f["signal"], strict=True))
        return (f"PraiseSignals({len(f)} flag(s) to look into, not verdicts"
                f"{': ' + what if what else ''}; n={self.n_used:,})")

    def to_frame(self) -> pd.DataFrame:
        """Every signal of every unit."""
        return self.signals

    def summary(self) -> pd.DataFrame:
        """The flagged signals only."""
        return self.signals[self.signals["flagged"]].reset_index(drop=True)


def _burst(days: np.ndarray, first: pd.Timestamp, last: pd.Timestamp, window: int):
    """Busiest window of ``window`` days and its Bonferroni-corrected Poisson tail."""
    span = max(int((last - first).days) + 1, window)
    counts = np.bincount(days, minlength=span)
    csum = np.r_[0, np.cumsum(counts)]
    in_window = csum[window:] - csum[:-window]
    k = int(in_window.argmax())
    rate = counts.sum() / span * window
    p = float(stats.poisson.sf(in_window[k] - 1, rate))
    n_windows = span - window + 1
    return first + pd.Timedelta(days=k), int(in_window[k]), float(rate), min(1.0,
                                                                             p * n_windows)


def suspicious_praise(
    reviews: pd.DataFrame,
    *,
    unit: str = BRANCH,
    author: str | None = None,
    window: int = 7,
    margin: float = 0.15,
    alpha: float = 0.05,
    review_id: str = REVIEW_ID,
    posted: str = POSTED,
    rating: str = RATING,
    removed: str | None = None,
) -> PraiseSignals:
    """Flag signals of inflated 5-star praise per unit (branch or page), with the evidence.

    Parameters
    ----------
    reviews : DataFrame
        One row per review.
    unit : str
        The column of the units compared (branch, or a branch's page on one platform).
    author : str, optional
        Reviewer account column: enables the one-review-accounts signal.
    window : int
        Days of the burst window.
    margin : float
        How far (in share of 5-star reviews) a unit must exceed its peers to be flagged.
    alpha : float
        Level at which a Holm-adjusted p-value raises a flag.
    review_id, posted, rating : str
        Column names.
    removed : str, optional
        Reviews the library removed: left out and counted.

    Returns
    -------
    PraiseSignals
    """
    window = _validate.positive_int(window, "window")
    margin = _validate.probability(margin, "margin", open_interval=False)
    alpha = _validate.probability(alpha, "alpha")
    extra = {BRANCH: unit} | ({"author": author} if author is not None else {})
    c = checked(reviews, "praise signals", review_id=review_id, posted=posted, rating=rating,
                responded=None, removed=removed, extra=extra)
    d = c.data
    if d[BRANCH].isna().any():
        raise ValueError(f"column {unit!r} has {int(d[BRANCH].isna().sum())} missing unit(s); "
                         f"fill them")
    five = d[RATING] == 5
    first, last = d[POSTED].min().normalize(), d[POSTED].max().normalize()
    rows, bursts = [], []
    units = sorted(d[BRANCH].unique(), key=str)
    if author is not None:
        once = d["author"].map(d["author"].value_counts()) == 1
    for u in units:
        mine = (d[BRANCH] == u).to_numpy()
        days = ((d.loc[mine & five.to_numpy(), POSTED].dt.normalize() - first).dt.days
                .to_numpy(int))
        if days.size:
            start, k, expected, p = _burst(days, first, last, window)
            bursts.append({"unit": u, "start": start, "count": k, "expected": expected})
            rows.append({"unit": u, "signal": "burst of 5-star reviews",
                         "evidence": f"{k} five-star reviews in {window} days from "
                                     f"{start.date()}, {expected:.2g} expected at its own rate",
                         "statistic": float(k), "p_value": p})
        others = ~mine
        k1, n1 = int((five & mine).sum()), int(mine.sum())
        k0, n0 = int((five & others).sum()), int(others.sum())
        if n0 and k0 + k1 and n0 + n1 - k0 - k1:
            pooled = (k0 + k1) / (n0 + n1)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
            z = (k1 / n1 - k0 / n0 - margin) / se
            rows.append({"unit": u, "signal": "far above peers",
                         "evidence": f"{k1 / n1:.0%} five-star reviews against {k0 / n0:.0%} "
                                     f"at the other units (flagged beyond {margin:.0%} more)",
                         "statistic": float(z), "p_value": float(stats.norm.sf(z))})
        if author is not None:
            a, b = int((once & five & mine).sum()), int((~once & five & mine).sum())
            c_, d_ = int((once & ~five & mine).sum()), int((~once & ~five & mine).sum())
            if (a + b) and (c_ + d_):
                odds, p = stats.fisher_exact([[a, b], [c_, d_]], alternative="greater")
                rows.append({"unit": u, "signal": "one-review accounts",
                             "evidence": f"{a / (a + b):.0%} of five-star reviews from "
                                         f"accounts with no other review, against "
                                         f"{c_ / (c_ + d_):.0%} of its other reviews",
                             "statistic": float(odds), "p_value": float(p)})
    signals = pd.DataFrame(rows, columns=["unit", "signal", "evidence", "statistic",
                                          "p_value"])
    signals["p_holm"] = signals.groupby("signal", sort=False)["p_value"].transform(
        _stats.holm)
    signals["flagged"] = signals["p_holm"] < alpha
    signals = signals.sort_values(["signal", "unit"], ignore_index=True)
    excluded = c.excluded
    return PraiseSignals(signals=signals, bursts=pd.DataFrame(bursts), alpha=alpha,
                         n_used=len(d), n_excluded=int(sum(excluded.values())),
                         excluded=excluded)

"""Satisfaction and service quality: top-box (CSAT) shares, an ACSI-style 0-100 index and
LibQUAL-style service gaps with the zone of tolerance."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _stats, _validate
from loyaltylab._results import Result


def top_box(data: pd.DataFrame, items: Sequence[str], *, top: int = 2, low: float = 1,
            high: float = 5, ci: float = 0.95) -> pd.DataFrame:
    """Top-box shares (CSAT): the share answering in the ``top`` highest categories.

    For a 1-5 item, ``top=2`` counts 4 and 5 ("satisfied or very satisfied").

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : sequence of str
        Item columns.
    top : int
        Number of highest categories that count.
    low, high : float
        Response range of the items.
    ci : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per item: ``n``, ``n_missing``, ``share``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> df = pd.DataFrame({"q": [5, 4, 3, 2, 5, None]})
    >>> top_box(df, ["q"])[["item", "n", "share"]]
      item  n  share
    0    q  5    0.6
    """
    data = _validate.frame(data)
    ci = _validate.probability(ci, "ci")
    items = _validate.names(items, "items")
    _validate.columns(data, items, "top-box shares")
    top = _validate.positive_int(top, "top")
    rows = []
    for c in items:
        x = _validate.numeric(data, c, lo=low, hi=high, integer=True, purpose="top-box shares",
                              allow_bool=False,  # pragma: no mutate (None is False here)
        )
        ok = x.dropna()
        k, n = int((ok > high - top).sum()), len(ok)
        lo, hi = _stats.wilson(k, n, ci)
        rows.append({"item": c, "n": n, "n_missing": int(x.isna().sum()),
                     "share": k / n if n else np.nan, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


@dataclass(frozen=True, repr=False)
class SatisfactionIndex(Result):
    """An ACSI-style 0-100 satisfaction index (see :func:`satisfaction_index`).

    Attributes
    ----------
    scores : Series
        Per-respondent index (NaN when any item is missing).
    index, ci_low, ci_high : float
        Mean index with its t interval.
    weights : Series
        Weight of each item (summing to 1).
    n, n_missing : int
        Respondents with a score, and without (an item missing).
    ci : float
        Confidence level.
    """

    scores: pd.Series
    index: float
    ci_low: float
    ci_high: float
    weights: pd.Series
    n: int
    n_missing: int
    ci: float

    def __repr__(self) -> str:
        return (f"SatisfactionIndex(index={self.index:.2f}, {self.ci:.0%} CI "
                f"[{self.ci_low:.2f}, {self.ci_high:.2f}], n={self.n}, "
                f"missing={self.n_missing})")

    def to_frame(self) -> pd.DataFrame:
        """One row: the index, its interval, counts and the weights used."""
        return pd.DataFrame([{"index": self.index, "ci_low": self.ci_low,
                              "ci_high": self.ci_high, "n": self.n, "n_missing": self.n_missing,
                              **{f"weight_{c}": w for c, w in self.weights.items()}}])


def satisfaction_index(
    data: pd.DataFrame,
    items: Sequence[str] = ("sat1", "sat2", "sat3"),
    *,
    weights: Mapping[str, float] | str = "equal",
    low: float = 1,
    high: float = 10,
    ci: float = 0.95,
) -> SatisfactionIndex:
    """ACSI-style 0-100 satisfaction index from a 1-10 block.

    index = sum_i w_i (x_i - low) / (high - low) * 100 with weights summing to 1, as the ACSI
    reports its indices (Fornell et al. 1996).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : sequence of str
        The satisfaction items.
    weights : "equal", "estimated" or mapping
        ``"equal"``: the plain mean. ``"estimated"``: weights proportional to the items'
        loadings on one maximum-likelihood factor (statsmodels ``Factor``), a close
        stand-in for the ACSI's PLS outer weights: items that measure satisfaction better
        count more. A mapping gives your own weights (normalised to sum 1).
    low, high : float
        Response range of the items.
    ci : float
        Confidence level of the mean's t interval.

    Returns
    -------
    SatisfactionIndex
        Per-respondent ``scores`` and the mean ``index`` with its interval.
    """
    data = _validate.frame(data)
    ci = _validate.probability(ci, "ci")
    items = _validate.names(items, "items")
    _validate.columns(data, items, "a satisfaction index")
    x = pd.DataFrame({c: _validate.numeric(data, c, lo=low, hi=high, purpose="a satisfaction "
                                           "index", allow_bool=False)  # pragma: no mutate
                      for c in items})  # (allow_bool=None is False too)
    complete = x.dropna()
    if isinstance(weights, str):
        _validate.one_of(weights, "weights", ["equal", "estimated"])
        if weights == "equal":
            w = pd.Series(1.0, index=items)  # pragma: no mutate (any equal weights)
        else:
            from loyaltylab.scales import composite_reliability

            with warnings.catch_warnings():  # (refused below, in this function's words)
                # (warnings matches the message case-blind: its case is no mutant)
                warnings.filterwarnings("ignore", "item.* load negatively")  # pragma: no mutate
                w = composite_reliability(complete, items).loadings
            wrong = w[w <= 0]  # pragma: no mutate (a loading of exactly 0 does not occur)
            if len(wrong):
                bad = ", ".join(f"{c!r} ({v:.2f})" for c, v in wrong.items())
                raise ValueError(f"item(s) {bad} load negatively or not at all on the common "
                                 f"factor: estimated weights need items that all measure "
                                 f"satisfaction the same way round; reverse-code them first or "
                                 f"use weights='equal'")
    else:
        w = pd.Series(dict(weights), dtype=float).reindex(items)
        if w.isna().any() or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"weights must give a non-negative number for every item "
                             f"{items}; got {dict(weights)}")
    w = w / w.sum()
    # (a respondent missing an item gets no index: masked below)
    idx = ((x - low) / (high - low) * 100).mul(w).sum(axis=1)
    idx = idx.where(x.notna().all(axis=1)).rename("satisfaction_index")
    m, lo, hi, n = _stats.mean_interval(idx, ci)
    return SatisfactionIndex(scores=idx, index=m, ci_low=lo, ci_high=hi,
                             weights=w.rename("weight"), n=n, n_missing=len(idx) - n, ci=ci)


def service_gaps(
    data: pd.DataFrame,
    dimensions: Mapping[str, Sequence[str]],
    minimum: str = "{item}_min",
    desired: str = "{item}_des",
    perceived: str = "{item}_per",
    *,
    low: float = 1,
    high: float = 9,
    ci: float = 0.95,
) -> pd.DataFrame:
    """LibQUAL-style service gaps per item and per dimension, with the zone of tolerance.

    Adequacy gap = perceived - minimum (negative: service below the tolerable minimum);
    superiority gap = perceived - desired (positive: service beyond what is desired). The
    zone of tolerance runs from the mean minimum to the mean desired level.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    dimensions : mapping
        Dimension name -> item stems, e.g. ``{"affect of service": ["lq_as1", "lq_as2"]}``.
    minimum, desired, perceived : str
        Column name patterns, ``{item}`` replaced by the stem.
    low, high : float
        Response range of the items.
    ci : float
        Confidence level of the paired t intervals.

    Returns
    -------
    DataFrame
        One row per item and one per dimension (``level``): mean minimum, desired and
        perceived, the two gaps with t intervals (paired, per respondent), ``n`` (respondents
        with all three ratings; for a dimension, at least one item's each), ``n_missing``
        (the others: ``n + n_missing`` is every row of ``data``) and the ``zone`` verdict
        (below minimum / within zone / above desired).

    References
    ----------
    Cook, C., Heath, F. & Thompson, B. (2002). LibQUAL+: one instrument in the new
    measures toolbox. ARL 212; Parasuraman, Zeithaml & Berry (1994), zone of tolerance.
    """
    data = _validate.frame(data)
    ci = _validate.probability(ci, "ci")
    rows = []
    dim_parts = {}
    for dim, stems in dimensions.items():
        parts = {"min": [], "des": [], "per": []}
        for stem in _validate.names(stems, f"dimensions[{dim!r}]"):
            cols = {k: p.format(item=stem) for k, p in
                    (("min", minimum), ("des", desired), ("per", perceived))}
            _validate.columns(data, cols.values(), "service gaps")
            v = {k: _validate.numeric(data, c, lo=low, hi=high, purpose="service gaps",
                                      allow_bool=False)  # pragma: no mutate (None is False)
                 for k, c in cols.items()}
            for k in parts:
                parts[k].append(v[k])
            rows.append(_gap_row(stem, dim, "item", v, ci))
        dim_parts[dim] = {k: pd.concat(vs, axis=1).mean(axis=1) for k, vs in parts.items()}
        rows.append(_gap_row(dim, dim, "dimension", dim_parts[dim], ci))
    return pd.DataFrame(rows)


def _gap_row(name: str, dim: str, level: str, v: dict, ci: float) -> dict:
    both = pd.concat(v, axis=1)
    rows_in, both = len(both), both.dropna()  # a respondent short of a rating: counted
    ad, ad_lo, ad_hi, n = _stats.mean_interval(both["per"] - both["min"], ci)
    sup, sup_lo, sup_hi, _ = _stats.mean_interval(both["per"] - both["des"], ci)
    mn, ds, pe = both["min"].mean(), both["des"].mean(), both["per"].mean()
    zone = "below minimum" if pe < mn else ("above desired" if pe > ds else "within zone")
    return {"name": name, "dimension": dim, "level": level, "minimum": mn, "desired": ds,
            "perceived": pe, "adequacy": ad, "adequacy_ci_low": ad_lo,
            "adequacy_ci_high": ad_hi, "superiority": sup, "superiority_ci_low": sup_lo,
            "superiority_ci_high": sup_hi, "n": n, "n_missing": rows_in - n,
            "zone": zone}

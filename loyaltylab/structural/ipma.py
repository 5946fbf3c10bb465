"""Importance-performance map analysis (IPMA) of a PLS path model.

Following Ringle & Sarstedt (2016), items are rescaled to 0-100 from their answer range; each
construct's performance is the mean of its rescaled score, which weights the rescaled items
by their unstandardised outer weights normalised to sum to one; importance is the
unstandardised total effect on the target, from regressions among the rescaled scores. A
construct of high importance and low performance is the one to improve first.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._results import Result
from loyaltylab.structural import _algorithm


@dataclass(frozen=True, repr=False)
class IPMA(Result):
    """Importance and performance of the drivers of a target construct.

    Attributes
    ----------
    table : DataFrame
        One row per construct with a total effect on the target: ``importance``
        (unstandardised total effect: points of target performance gained per point of
        driver performance), ``performance`` (0-100) and ``standardized_total``.
    items : DataFrame
        One row per item of those constructs: ``rescaled_weight`` (sums to 1 per construct)
        and ``performance`` (item mean on 0-100).
    target : str
        The target construct.
    target_performance : float
        The target's own performance (0-100).
    n : int
        Respondents used.
    """

    table: pd.DataFrame
    items: pd.DataFrame
    target: str
    target_performance: float
    n: int

    def __repr__(self) -> str:
        return (f"IPMA of {self.target} (performance {self.target_performance:.1f}), "
                f"{self.n} respondents\n"
                + self.table.to_string(index=False, float_format="{:.3f}".format))

    def to_frame(self) -> pd.DataFrame:
        """The construct table."""
        return self.table


def _ranges(scale, items: list[str], owner: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(scale, Mapping):
        lo, hi = [], []
        for i in items:
            r = scale.get(i, scale.get(owner[i]))
            if r is None:
                raise ValueError(f"scale gives no answer range for item {i!r} (or its "
                                 f"construct {owner[i]!r}); give (low, high) for every item")
            lo.append(r[0])
            hi.append(r[1])
        return np.asarray(lo, float), np.asarray(hi, float)
    if not (isinstance(scale, tuple | list) and len(scale) == 2):
        raise TypeError("scale must be (low, high) or a dict {item or construct: (low, high)}")
    return np.full(len(items), float(scale[0])), np.full(len(items), float(scale[1]))


def ipma(result, target: str, *, scale: tuple[float, float] | Mapping) -> IPMA:
    """Importance-performance map of the drivers of ``target``.

    Parameters
    ----------
    result : PLSResult
        A fitted model (:func:`fit_pls`).
    target : str
        The construct to improve, e.g. ``"Loyalty"``.
    scale : (low, high) or dict
        Answer range of the items (e.g. ``(1, 10)``), or per item or construct.

    Returns
    -------
    IPMA

    Examples
    --------
    >>> from loyaltylab import datasets, structural
    >>> res = structural.fit_pls(datasets.load_ecsi("mobi"), structural.ECSI_MOBI)
    >>> m = res.ipma("Loyalty", scale=(1, 10))
    >>> m.table["construct"].tolist()[:2]
    ['Image', 'Expectation']
    """
    model = result.model
    if target not in model.constructs:
        raise ValueError(f"target {target!r} is not a construct of the model; constructs: "
                         f"{list(model.constructs)}")
    if target not in model.endogenous:
        raise ValueError(f"no path leads to {target!r}; IPMA needs an endogenous target")
    items = list(model.items)
    outer = result.outer.set_index("item")
    owner = outer["construct"].to_dict()
    lo, hi = _ranges(scale, items, owner)
    if (hi <= lo).any():
        raise ValueError("scale: high must be above low for every item")
    x = result._items[items]
    for k, i in enumerate(items):
        _validate.numeric(x, i, lo=lo[k], hi=hi[k], purpose="IPMA")
    xr = (x.to_numpy(float) - lo) / (hi - lo) * 100
    sd_r = xr.std(axis=0)
    mask = model._mask()
    raw = outer.loc[items, "weight"].to_numpy() * (
        1 / sd_r if result.scaled else (hi - lo) / 100)
    v = mask * raw[:, None]
    v = v / v.sum(axis=0)
    if (v[mask > 0] < 0).any():
        neg = [i for k, i in enumerate(items) if (v[k] < 0).any()]
        warnings.warn(f"item(s) {neg} have negative outer weights, so rescaled scores can leave "
                      f"0-100; read their performance with care", RuntimeWarning, stacklevel=2)
    lv = xr @ v
    names = list(model.constructs)
    # unstandardised path coefficients: OLS with intercept among the rescaled scores
    cov = np.cov(lv, rowvar=False, ddof=0)
    b = np.zeros((len(names), len(names)))
    for j, c in enumerate(names):
        pred = [names.index(p) for p in model.predecessors(c)]
        if pred:
            b[pred, j] = np.linalg.solve(cov[np.ix_(pred, pred)], cov[pred, j])
    tot = _algorithm.total_effects(b[None])[0]
    std_tot = result.effects.set_index(["from", "to"])["total"]
    t = names.index(target)
    drivers = [c for c in names if abs(tot[names.index(c), t]) > 0]
    table = pd.DataFrame({
        "construct": drivers,
        "importance": [tot[names.index(c), t] for c in drivers],
        "performance": [lv[:, names.index(c)].mean() for c in drivers],
        "standardized_total": [std_tot[(c, target)] for c in drivers]})
    in_drivers = [k for k, i in enumerate(items) if owner[i] in drivers]
    item_tab = pd.DataFrame({
        "construct": [owner[items[k]] for k in in_drivers],
        "item": [items[k] for k in in_drivers],
        "rescaled_weight": [v[k].sum() for k in in_drivers],
        "performance": xr[:, in_drivers].mean(axis=0)})
    return IPMA(table=table, items=item_tab, target=target,
                target_performance=float(lv[:, t].mean()), n=int(result.n))

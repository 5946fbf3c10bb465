"""Multi-item scales: definitions, scoring, reliability (Cronbach's alpha with the Feldt
interval, omega / composite reliability and AVE), item analysis and exploratory factor
analysis (statsmodels' ``Factor``)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _validate
from loyaltylab._results import Result, TableResult


@dataclass(frozen=True)
class Scale:
    """A multi-item scale: its items, their response range and the reverse-coded items.

    Parameters
    ----------
    name : str
        The construct, e.g. ``"switching"``.
    items : tuple of str
        Item columns.
    low, high : float
        Response range of every item (e.g. 1-5).
    reverse : tuple of str
        Negatively worded items, scored as ``low + high - answer``.
    min_answered : int, optional
        Scoring rule: a respondent gets a score when at least this many items are answered
        (default: at least half, rounded up); the score is the mean of the answered items
        after reverse-coding, so partly missing answers do not pull the score down.
    description : str
    """

    name: str
    items: tuple[str, ...]
    low: float
    high: float
    reverse: tuple[str, ...] = ()
    min_answered: int | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if len(self.items) < 1:
            raise ValueError(f"scale {self.name!r} needs at least one item")
        if self.low >= self.high:
            raise ValueError(f"scale {self.name!r}: low ({self.low}) must be below high "
                             f"({self.high})")
        extra = set(self.reverse) - set(self.items)
        if extra:
            raise ValueError(f"scale {self.name!r}: reverse-coded item(s) {sorted(extra)} are "
                             f"not among its items")

    @property
    def required(self) -> int:
        """Items a respondent must answer to get a score."""
        return self.min_answered or math.ceil(len(self.items) / 2)


#: The package's standard scales, as used by the simulator (``loyaltylab.simulate``).
STANDARD_SCALES: dict[str, Scale] = {
    "satisfaction": Scale("satisfaction", ("sat1", "sat2", "sat3"), 1, 10,
                          description="ACSI-style overall satisfaction, expectations met, "
                                      "compared with an ideal library (1-10)"),
    "relationship": Scale("relationship", ("rel1", "rel2", "rel3", "rel4"), 1, 5,
                          reverse=("rel4",),
                          description="desire for a relationship with the library (1-5)"),
    "repeat_intention": Scale("repeat_intention", ("rep1", "rep2", "rep3"), 1, 5,
                              description="intention to keep using the library (1-5)"),
    "switching": Scale("switching", ("sw1", "sw2", "sw3", "sw4"), 1, 5, reverse=("sw3",),
                       description="resistance to switching to another library (1-5)"),
    "referral": Scale("referral", ("ref1", "ref2", "ref3"), 1, 5,
                      description="intention to recommend and speak well of the library (1-5)"),
}


def _items(data: pd.DataFrame, items: Sequence[str] | Scale, purpose: str,
           reverse: Sequence[str] = (), low: float | None = None,
           high: float | None = None) -> pd.DataFrame:
    """Validated, reverse-coded item matrix (float, NaN for missing)."""
    data = _validate.frame(data)
    if isinstance(items, Scale):
        scale = items
        items, reverse, low, high = scale.items, scale.reverse, scale.low, scale.high
    items = list(items)
    if len(items) != len(set(items)):
        raise ValueError(f"items are listed twice: {items}")
    _validate.columns(data, items, purpose)
    if reverse and (low is None or high is None):
        raise ValueError("reverse-coding needs the response range: pass low= and high= "
                         "or a Scale")
    cols = {c: _validate.numeric(data, c, lo=low, hi=high, allow_bool=False, purpose=purpose)
            for c in items}
    out = pd.DataFrame(cols, index=data.index)
    if low is None or high is None:
        _validate.item_codes(out, purpose)
    for c in reverse:
        out[c] = low + high - out[c]
    return out


def score(data: pd.DataFrame, scale: Scale, *, pomp: bool = False) -> pd.Series:
    """One score per respondent: the mean of the answered items after reverse-coding.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    scale : Scale
        Which items, their range, which are reverse-coded and the missing-answer rule.
    pomp : bool
        Return percent of maximum possible (0-100) instead of the items' own range.

    Returns
    -------
    Series
        Named after the scale and aligned with ``data`` (no row is dropped); NaN where fewer
        than ``scale.required`` items were answered, so ``.isna().sum()`` counts the
        respondents not scored.

    Examples
    --------
    >>> df = pd.DataFrame({"sw1": [5, 2], "sw2": [4, None], "sw3": [1, 4], "sw4": [5, 2]})
    >>> score(df, STANDARD_SCALES["switching"]).round(3).tolist()
    [4.75, 2.0]
    """
    x = _items(data, scale, f"scoring the {scale.name!r} scale")
    answered = x.notna().sum(axis=1)
    s = x.mean(axis=1).where(answered >= scale.required)
    if pomp:
        s = 100 * (s - scale.low) / (scale.high - scale.low)
    return s.rename(scale.name)


def score_all(data: pd.DataFrame, *, scales: dict[str, Scale] | None = None) -> pd.DataFrame:
    """Score several scales at once (the standard five by default); one column per scale.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    scales : dict, optional
        Name -> :class:`Scale` (:data:`STANDARD_SCALES` by default).

    Returns
    -------
    DataFrame
        One column per scale, aligned with ``data``.
    """
    scales = STANDARD_SCALES if scales is None else scales
    return pd.concat([score(data, s) for s in scales.values()], axis=1)


@dataclass(frozen=True)
class AlphaResult(Result):
    """Cronbach's alpha with its Feldt confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    standardized_alpha: float
    n_excluded: int = 0
    ci: float = 0.95

    def __repr__(self) -> str:
        return (f"AlphaResult(alpha={self.alpha:.3f}, {self.ci:.0%} CI [{self.ci_low:.3f}, "
                f"{self.ci_high:.3f}], standardized={self.standardized_alpha:.3f}, "
                f"k={self.k}, n={self.n}, excluded={self.n_excluded})")

    def to_frame(self) -> pd.DataFrame:
        """One row: alpha, its interval, standardized alpha and the counts."""
        return pd.DataFrame([{"alpha": self.alpha, "ci_low": self.ci_low,
                              "ci_high": self.ci_high, "standardized_alpha":
                                  self.standardized_alpha, "k": self.k, "n": self.n,
                              "n_excluded": self.n_excluded}])


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def cronbach_alpha(
    data: pd.DataFrame,
    items: Sequence[str] | Scale,
    *,
    ci: float = 0.95,
    reverse: Sequence[str] = (),
    low: float | None = None,
    high: float | None = None,
) -> AlphaResult:
    """Cronbach's alpha with the Feldt (1965) confidence interval.

    Respondents with any missing item are excluded (listwise) and counted in
    ``n_excluded``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per item.
    items : list of str or Scale
        The items (a :class:`Scale` brings its reverse-coded items and range).
    ci : float
        Confidence level.
    reverse, low, high
        Reverse-coded items and the response range, when ``items`` is a list.

    Returns
    -------
    AlphaResult
        ``.alpha``, ``.ci_low``, ``.ci_high``, ``.n``, ``.k``, ``.standardized_alpha``.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16, 297-334. Feldt, L. S. (1965). The approximate sampling distribution of
    Kuder-Richardson reliability coefficient twenty. Psychometrika 30, 357-370.

    Examples
    --------
    >>> from loyaltylab.datasets import load_ecsi
    >>> res = cronbach_alpha(load_ecsi("bank"), ["sat1", "sat2", "sat3", "sat4"])
    >>> round(res.alpha, 3)
    0.894
    """
    ci = _validate.probability(ci, "ci")
    x = _items(data, items, "Cronbach's alpha", reverse, low, high)
    k = x.shape[1]
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two items")
    complete = x.dropna()
    n = len(complete)
    if n < 3:
        raise ValueError(f"only {n} respondent(s) answered every item; alpha needs at least 3")
    cov = np.cov(complete.to_numpy(), rowvar=False)
    if cov.sum() <= 0 or np.any(np.diag(cov) == 0):
        const = [c for c, v in zip(x.columns, np.diag(cov), strict=True) if v == 0]
        raise ValueError(f"item(s) {const} have no variance among the {n} complete "
                         f"respondents; alpha is undefined: drop them")
    a = _alpha_from_cov(cov)
    corr = np.corrcoef(complete.to_numpy(), rowvar=False)
    if a < 0:
        total = complete.sum(axis=1)
        rest = {c: np.corrcoef(complete[c], total - complete[c])[0, 1] for c in complete}
        worst = min(rest, key=rest.get)
        warnings.warn(
            f"alpha is negative ({a:.3f}): the items correlate negatively on average, so an "
            f"item is probably reverse-worded (lowest item-rest correlation: {worst!r}, "
            f"r = {rest[worst]:.2f}); reverse-code it (reverse=[...] with low= and high=, or a "
            f"Scale) and check the item wording", UserWarning, stacklevel=2)
    rbar = (corr.sum() - k) / (k * (k - 1))
    std_alpha = k * rbar / (1 + (k - 1) * rbar)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    q = (1 - ci) / 2
    lo = 1 - (1 - a) * stats.f.isf(q, df1, df2)
    hi = 1 - (1 - a) * stats.f.ppf(q, df1, df2)
    return AlphaResult(alpha=float(a), ci_low=float(lo), ci_high=float(hi), n=n, k=k,
                       standardized_alpha=float(std_alpha), n_excluded=len(x) - n, ci=ci)


@dataclass(frozen=True, repr=False)
class ItemAnalysis(TableResult):
    """Item statistics (see :func:`item_analysis`); ``n_used`` respondents answered every
    item, the others are in ``excluded``."""


def item_analysis(data: pd.DataFrame, items: Sequence[str] | Scale, *,
                  reverse: Sequence[str] = (), low: float | None = None,
                  high: float | None = None) -> ItemAnalysis:
    """Item statistics: mean, SD, corrected item-total correlation and alpha if deleted.

    The corrected item-total correlation correlates each item with the sum of the *other*
    items (after reverse-coding); a low or negative value flags an item that does not
    measure the construct (or was not reverse-coded).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : list of str or Scale
        The items.
    reverse, low, high
        Reverse-coded items and the response range, when ``items`` is a list.

    Returns
    -------
    ItemAnalysis
        ``.data``: ``item``, ``mean``, ``sd``, ``item_total_r``, ``alpha_if_deleted``.
        Respondents with a missing item are left out (listwise) and counted.
    """
    x = _items(data, items, "an item analysis", reverse, low, high).dropna()
    if x.shape[1] < 3:
        raise ValueError("an item analysis needs at least three items (alpha if deleted "
                         "needs two left)")
    total = x.sum(axis=1)
    rows = []
    for c in x.columns:
        rest = total - x[c]
        rows.append({"item": c, "mean": x[c].mean(), "sd": x[c].std(ddof=1),
                     "item_total_r": float(np.corrcoef(x[c], rest)[0, 1]),
                     "alpha_if_deleted": float(_alpha_from_cov(
                         np.cov(x.drop(columns=c).to_numpy(), rowvar=False)))})
    return ItemAnalysis(data=pd.DataFrame(rows), n_used=len(x),
                        excluded={"a missing item (listwise)": len(data) - len(x)})


@dataclass(frozen=True)
class CompositeReliability(Result):
    """McDonald's omega (= composite reliability for standardized loadings) and AVE from a
    one-factor maximum-likelihood model."""

    omega: float
    ave: float
    loadings: pd.Series = field(repr=False)
    n: int
    method: str = "ml"

    def __repr__(self) -> str:
        return (f"CompositeReliability(omega={self.omega:.3f}, AVE={self.ave:.3f}, n={self.n}, "
                f"method={self.method})")

    def to_frame(self) -> pd.DataFrame:
        """One row: omega, AVE, n and the factoring method."""
        return pd.DataFrame([{"omega": self.omega, "ave": self.ave, "n": self.n,
                              "method": self.method}])


def _factor(x: pd.DataFrame, n_factors: int):
    """Maximum-likelihood factor model; when ML does not converge (typically a Heywood case,
    a loading running to 1 in a weak block of three items), principal-axis factoring, which
    always returns admissible loadings. ``.method`` says which was used."""
    from statsmodels.multivariate.factor import Factor
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            # statsmodels draws random EM starting loadings unless seeded: seed for
            # results that are identical run to run
            res = Factor(x.to_numpy(), n_factor=n_factors, method="ml", smc=True).fit(rng=0)
            res.method = "ml"
            return res
        except ConvergenceWarning:
            pass
    res = Factor(x.to_numpy(), n_factor=n_factors, method="pa", smc=True).fit()
    res.method = "pa"
    return res


def composite_reliability(data: pd.DataFrame, items: Sequence[str] | Scale, *,
                          reverse: Sequence[str] = (), low: float | None = None,
                          high: float | None = None) -> CompositeReliability:
    """Omega / composite reliability and average variance extracted (AVE).

    omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) and AVE = mean(l^2), with l the
    standardized loadings of a one-factor ML model (statsmodels ``Factor``; principal-axis
    factoring when ML does not converge, reported in ``method``). Fornell & Larcker (1981)
    suggest AVE >= 0.5 for convergent validity.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : list of str or Scale
        At least three items.
    reverse, low, high
        Reverse-coded items and the response range, when ``items`` is a list.

    Returns
    -------
    CompositeReliability
    """
    x = _items(data, items, "composite reliability", reverse, low, high).dropna()
    if x.shape[1] < 3:
        raise ValueError("a one-factor model needs at least three items")
    res = _factor(x, 1)
    lam = np.abs(res.loadings[:, 0])
    omega = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    return CompositeReliability(omega=float(omega), ave=float(np.mean(lam**2)),
                                loadings=pd.Series(lam, index=x.columns, name="loading"),
                                n=len(x), method=res.method)


@dataclass(frozen=True, repr=False)
class FactorAnalysis(TableResult):
    """Tidy factor loadings (see :func:`efa`), with the ``rotation`` and the factoring
    ``method`` actually used ("ml", or "pa" when ML did not converge)."""

    rotation: str | None = None
    method: str = "ml"

    def _extra(self) -> str:
        return f"method {self.method}, rotation {self.rotation}"


def efa(data: pd.DataFrame, items: Sequence[str], n_factors: int, *,
        rotation: str | None = "varimax") -> FactorAnalysis:
    """Exploratory factor analysis (maximum likelihood, statsmodels ``Factor``; principal
    axis factoring when ML does not converge, reported in ``method``).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : list of str
        Item columns (reverse-code negatively worded items first, or expect negative
        loadings).
    n_factors : int
        Number of factors.
    rotation : {"varimax", "quartimax", "promax", "oblimin", None}
        Rotation (statsmodels').

    Returns
    -------
    FactorAnalysis
        ``.data``: tidy loadings: ``item``, ``factor`` (1..n), ``loading``, plus
        ``communality`` and ``primary`` (True for each item's largest absolute loading).
        Factors are ordered and signed so that their largest loadings are positive.
        Respondents with a missing item are left out (listwise) and counted.
    """
    n_factors = _validate.positive_int(n_factors, "n_factors")
    x = _items(data, items, "factor analysis").dropna()
    if n_factors >= x.shape[1]:
        raise ValueError(f"n_factors ({n_factors}) must be below the number of items "
                         f"({x.shape[1]})")
    res = _factor(x, n_factors)
    if rotation is not None and n_factors > 1:
        _validate.one_of(rotation, "rotation", ["varimax", "quartimax", "promax", "oblimin"])
        res.rotate(rotation)
    lam = np.asarray(res.loadings)
    # order factors by explained variance and make each factor's largest loading positive
    order = np.argsort(-(lam**2).sum(axis=0))
    lam = lam[:, order]
    signs = np.sign(lam[np.abs(lam).argmax(axis=0), np.arange(lam.shape[1])])
    lam = lam * signs
    tidy = pd.DataFrame(lam, index=x.columns, columns=range(1, n_factors + 1))
    tidy.index.name, tidy.columns.name = "item", "factor"
    out = tidy.stack().rename("loading").reset_index()
    out["communality"] = out["item"].map((tidy**2).sum(axis=1))
    primary = tidy.abs().idxmax(axis=1)
    out["primary"] = out["factor"] == out["item"].map(primary)
    return FactorAnalysis(data=out, n_used=len(x),
                          excluded={"a missing item (listwise)": len(data) - len(x)},
                          rotation=rotation, method=res.method)

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
from scipy import optimize, stats

from loyaltylab import _validate
from loyaltylab._results import Result, TableResult

__all__ = ["STANDARD_SCALES", "AlphaResult", "CompositeReliability", "FactorAnalysis",
           "ItemAnalysis", "Scale", "composite_reliability", "cronbach_alpha", "efa",
           "item_analysis", "score", "score_all"]


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
    items = _validate.names(items, "items")
    if len(items) != len(set(items)):
        raise ValueError(f"items are listed twice: {items}")
    _validate.columns(data, items, purpose)
    reverse = _validate.names(reverse, "reverse")
    stray = [c for c in reverse if c not in items]
    if stray:
        raise ValueError(f"reverse names {', '.join(map(repr, stray))}, not among the items "
                         f"{items}; list only items to reverse-code")
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


def _complete(x: pd.DataFrame, purpose: str, need: int) -> pd.DataFrame:
    """The respondents who answered every item (listwise), refused when fewer than ``need``
    or when an item has one answer for all of them (no variance: every correlation with it
    is undefined). Distinct answers are counted, not a variance compared with zero."""
    complete = x.dropna()
    n = len(complete)
    if n < need:
        raise ValueError(f"only {n} respondent(s) of {len(x)} answered every item; {purpose} "
                         f"needs at least {need}")
    const = [c for c in complete.columns if complete[c].nunique() == 1]
    if const:
        raise ValueError(f"item(s) {const} have no variance (one answer from all {n} "
                         f"respondents who answered every item); {purpose} is undefined with "
                         f"them: drop them")
    return complete


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
    complete = _complete(x, "Cronbach's alpha", 3)
    n = len(complete)
    cov = np.cov(complete.to_numpy(), rowvar=False)
    if cov.sum() <= 1e-12 * np.trace(cov):  # (the total's variance, scale-free)
        raise ValueError(f"the sum of the items is the same for all {n} respondents (an item "
                         f"and its mirror image?); alpha is undefined: reverse-code the "
                         f"reverse-worded items (reverse= with low= and high=, or a Scale)")
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
    x = _items(data, items, "an item analysis", reverse, low, high)
    if x.shape[1] < 3:
        raise ValueError("an item analysis needs at least three items (alpha if deleted "
                         "needs two left)")
    n_all, x = len(x), _complete(x, "an item analysis", 3)
    total = x.sum(axis=1)
    rows = []
    for c in x.columns:
        rest = total - x[c]
        rows.append({"item": c, "mean": x[c].mean(), "sd": x[c].std(ddof=1),
                     "item_total_r": float(np.corrcoef(x[c], rest)[0, 1]),
                     "alpha_if_deleted": float(_alpha_from_cov(
                         np.cov(x.drop(columns=c).to_numpy(), rowvar=False)))})
    return ItemAnalysis(data=pd.DataFrame(rows), n_used=len(x),
                        excluded={"a missing item (listwise)": n_all - len(x)})


@dataclass(frozen=True)
class CompositeReliability(Result):
    """McDonald's omega (= composite reliability for standardized loadings) and AVE from a
    one-factor maximum-likelihood model; ``converged`` and ``heywood`` (items whose
    uniqueness hit the lower bound) say how far to trust it."""

    omega: float
    ave: float
    loadings: pd.Series = field(repr=False)
    n: int
    method: str = "ml"
    converged: bool = True
    heywood: tuple[str, ...] = ()
    n_excluded: int = 0

    def __repr__(self) -> str:
        flag = "" if self.converged else ", NOT converged"
        flag += f", Heywood case: {', '.join(self.heywood)}" if self.heywood else ""
        return (f"CompositeReliability(omega={self.omega:.3f}, AVE={self.ave:.3f}, n={self.n}, "
                f"excluded={self.n_excluded}, method={self.method}{flag})")

    def to_frame(self) -> pd.DataFrame:
        """One row: omega, AVE, n, the factoring method, convergence and Heywood items."""
        return pd.DataFrame([{"omega": self.omega, "ave": self.ave, "n": self.n,
                              "n_excluded": self.n_excluded, "method": self.method,
                              "converged": self.converged,
                              "heywood": ", ".join(self.heywood)}])


#: Lower bound of the uniquenesses, as in R's ``factanal``: a uniqueness at the bound is a
#: Heywood case (an item explained entirely by the factors, an improper solution).
_PSI_LOWER = 0.005


@dataclass(frozen=True)
class _MLFactor:
    loadings: np.ndarray
    uniquenesses: np.ndarray
    converged: bool
    heywood: tuple[str, ...]
    method: str = "ml"


def _factor(x: pd.DataFrame, n_factors: int, purpose: str) -> _MLFactor:
    """Maximum-likelihood factor analysis of the correlation matrix, by R ``factanal``'s
    algorithm: the uniquenesses are optimised (L-BFGS-B, bounded to [0.005, 1]) and the
    loadings follow from an eigen-decomposition. Written here because statsmodels' ML
    ``Factor`` stops unconverged on weak blocks without a trace of it and cannot flag Heywood
    cases; this converges or says so (a warning and ``converged=False``)."""
    s = np.corrcoef(x.to_numpy(), rowvar=False)
    p, q = s.shape[0], n_factors
    _validate.independent(s, list(x.columns), purpose)

    def parts(psi):
        sc = 1 / np.sqrt(psi)
        vals, vecs = np.linalg.eigh(sc[:, None] * s * sc[None, :])
        return vals[::-1], vecs[:, ::-1]

    def loadings(psi):
        vals, vecs = parts(psi)
        return np.sqrt(psi)[:, None] * vecs[:, :q] * np.sqrt(np.maximum(vals[:q] - 1, 0))

    def fn(psi):
        e = parts(psi)[0][q:]
        return -(np.sum(np.log(e) - e) - q + p)

    def grad(psi):
        load = loadings(psi)
        g = load @ load.T + np.diag(psi) - s
        return np.diag(g) / psi**2

    start = (1 - 0.5 * q / p) / np.diag(np.linalg.inv(s))
    res = optimize.minimize(fn, start, jac=grad, method="L-BFGS-B",
                            bounds=[(_PSI_LOWER, 1.0)] * p,
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    psi = res.x
    load = loadings(psi)
    # a stop at the bound is a Heywood case, not a failure; otherwise the gradient must vanish
    free = psi > _PSI_LOWER + 1e-9
    converged = bool(res.success or np.max(np.abs(grad(psi)[free]), initial=0) < 1e-6)
    heywood = tuple(str(c) for c, v in zip(x.columns, psi, strict=True)
                    if v <= _PSI_LOWER + 1e-9)
    if not converged:
        warnings.warn(f"the maximum-likelihood factor model did not converge "
                      f"({res.message}); loadings are from the last iterate: treat them "
                      f"with caution (fewer factors, or more respondents)", UserWarning,
                      stacklevel=3)
    if heywood:
        warnings.warn(f"Heywood case: item(s) {list(heywood)} have a uniqueness at the "
                      f"lower bound {_PSI_LOWER} (the factor explains them entirely), an "
                      f"improper solution typical of weak blocks of three items; loadings and "
                      f"omega of this block are unreliable", UserWarning, stacklevel=3)
    return _MLFactor(loadings=load, uniquenesses=psi, converged=converged, heywood=heywood)


def _varimax(lam: np.ndarray, *, normalize: bool = True, eps: float = 1e-5) -> np.ndarray:
    """Varimax rotation as R's ``stats::varimax`` (Kaiser normalisation by default, as in
    R's factanal and SPSS); statsmodels' varimax has no normalisation."""
    if lam.shape[1] < 2:
        return lam
    sc = np.sqrt((lam**2).sum(axis=1)) if normalize else np.ones(lam.shape[0])
    x = lam / sc[:, None]
    p, k = x.shape
    rot = np.eye(k)
    d = 0.0
    for _ in range(1000):
        z = x @ rot
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, sv, vt = np.linalg.svd(b)
        rot = u @ vt
        d_past, d = d, sv.sum()
        if d < d_past * (1 + eps):
            break
    return (x @ rot) * sc[:, None]


def composite_reliability(data: pd.DataFrame, items: Sequence[str] | Scale, *,
                          reverse: Sequence[str] = (), low: float | None = None,
                          high: float | None = None) -> CompositeReliability:
    """Omega / composite reliability and average variance extracted (AVE).

    omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) and AVE = mean(l^2), with l the
    standardized loadings of a one-factor maximum-likelihood model (R ``factanal``'s
    algorithm; a warning and ``converged=False`` if it does not converge, a warning and
    ``heywood`` if an item's uniqueness hits its lower bound). Fornell & Larcker (1981)
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
    x = _items(data, items, "composite reliability", reverse, low, high)
    if x.shape[1] < 3:
        raise ValueError("a one-factor model needs at least three items")
    complete = _complete(x, "composite reliability", x.shape[1] + 1)
    res = _factor(complete, 1, "composite reliability")
    lam = res.loadings[:, 0]
    lam = lam * (1.0 if lam.sum() >= 0 else -1.0)  # the factor's sign is arbitrary
    negative = [f"{c!r} ({v:.2f})" for c, v in zip(x.columns, lam, strict=True) if v < 0]
    if negative:
        # omega is the reliability of the items' sum as coded: a reverse-worded item left
        # as it is lowers it (absolute loadings would hide the miscoding; alpha warns too)
        warnings.warn(f"item(s) {', '.join(negative)} load negatively on the common factor: "
                      f"probably reverse-worded; omega is for the items as coded: reverse-code "
                      f"them (reverse=[...] with low= and high=, or a Scale)", UserWarning,
                      stacklevel=2)
    omega = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    return CompositeReliability(omega=float(omega), ave=float(np.mean(lam**2)),
                                loadings=pd.Series(lam, index=x.columns, name="loading"),
                                n=len(complete), method=res.method, converged=res.converged,
                                heywood=res.heywood, n_excluded=len(x) - len(complete))


@dataclass(frozen=True, repr=False)
class FactorAnalysis(TableResult):
    """Tidy factor loadings (see :func:`efa`), with the ``rotation``, the factoring
    ``method`` ("ml"), whether it ``converged``, the ``heywood`` items (uniqueness at the
    lower bound) and the ``uniquenesses``."""

    rotation: str | None = None
    method: str = "ml"
    converged: bool = True
    heywood: tuple[str, ...] = ()
    uniquenesses: pd.Series | None = None

    def _extra(self) -> str:
        flag = "" if self.converged else ", NOT converged"
        flag += f", Heywood case: {', '.join(self.heywood)}" if self.heywood else ""
        return f"method {self.method}, rotation {self.rotation}{flag}"


def efa(data: pd.DataFrame, items: Sequence[str], n_factors: int, *,
        rotation: str | None = "varimax", normalize: bool = True) -> FactorAnalysis:
    """Exploratory factor analysis by maximum likelihood (R ``factanal``'s algorithm), with
    Kaiser-normalised varimax by default (as R's factanal and SPSS).

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
        Rotation: varimax as R's ``varimax``; the others are statsmodels'.
    normalize : bool
        Kaiser normalisation of the varimax rotation (rows scaled to unit communality
        before rotating), as R and SPSS do; False for raw varimax.

    Returns
    -------
    FactorAnalysis
        ``.data``: tidy loadings: ``item``, ``factor`` (1..n), ``loading``, plus
        ``communality`` and ``primary`` (True for each item's largest absolute loading).
        Factors are ordered and signed so that their largest loadings are positive.
        Respondents with a missing item are left out (listwise) and counted. A fit that
        did not converge, or a Heywood case, warns and is recorded (``converged``,
        ``heywood``).
    """
    n_factors = _validate.positive_int(n_factors, "n_factors")
    raw = _items(data, items, "factor analysis")
    if n_factors >= raw.shape[1]:
        raise ValueError(f"n_factors ({n_factors}) must be below the number of items "
                         f"({raw.shape[1]})")
    x = _complete(raw, "factor analysis", raw.shape[1] + 1)
    res = _factor(x, n_factors, "factor analysis")
    lam = res.loadings
    if rotation is not None and n_factors > 1:
        _validate.one_of(rotation, "rotation", ["varimax", "quartimax", "promax", "oblimin"])
        if rotation == "varimax":
            lam = _varimax(lam, normalize=normalize)
        else:
            from statsmodels.multivariate.factor_rotation import rotate_factors

            lam = np.asarray(rotate_factors(lam, rotation)[0])
    # order factors by explained variance and make each factor's largest loading positive
    order = np.argsort(-(lam**2).sum(axis=0), kind="stable")
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
                          excluded={"a missing item (listwise)": len(raw) - len(x)},
                          rotation=rotation, method=res.method, converged=res.converged,
                          heywood=res.heywood,
                          uniquenesses=pd.Series(res.uniquenesses, index=x.columns,
                                                 name="uniqueness"))

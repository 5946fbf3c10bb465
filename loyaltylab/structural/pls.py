"""PLS path modeling of a structural model (the ECSI/ACSI satisfaction-loyalty model).

Estimates agree with SmartPLS 2 (path, centroid and factorial weighting, ECSI mobile-phone
survey) to 1e-8 and with the R package plspm to its convergence tolerance; the tests keep the
reference numbers with their source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._results import Result
from loyaltylab.structural import _algorithm, quality
from loyaltylab.structural.model import PathModel

if TYPE_CHECKING:
    from loyaltylab.structural.ipma import IPMA


@dataclass(frozen=True, repr=False)
class PLSResult(Result):
    """A fitted PLS path model (see :func:`fit_pls`).

    Attributes
    ----------
    model : PathModel
        The model that was fitted.
    scheme : str
        Inner weighting scheme: ``"path"``, ``"centroid"`` or ``"factorial"``.
    scaled : bool
        Whether items were standardised (True) or only centred.
    outer : DataFrame
        One row per item: ``construct``, ``item``, ``mode``, ``weight``, ``loading`` (the
        item's correlation with its construct) and ``communality`` (loading squared); with a
        bootstrap also ``weight_ci_low/high`` and ``loading_ci_low/high``.
    cross_loadings : DataFrame
        Correlation of every item (rows) with every construct (columns).
    paths : DataFrame
        One row per path: ``from``, ``to``, ``coef`` (standardised); with a bootstrap also
        ``se``, ``t``, ``p_value``, ``ci_low``, ``ci_high``.
    r_squared : DataFrame
        One row per endogenous construct: ``r_squared`` and ``r_squared_adj``.
    effects : DataFrame
        One row per pair of constructs linked by a chain of paths: ``direct``, ``indirect``,
        ``total``; with a bootstrap the intervals of ``indirect`` and ``total``.
    scores : DataFrame
        Latent-variable scores (mean 0, variance 1 with divisor n, as in SmartPLS and plspm),
        one row per respondent used, indexed like the data.
    lv_correlations : DataFrame
        Correlations among the constructs.
    reliability : DataFrame
        Per construct: ``alpha``, ``rho_a``, ``rho_c``, ``ave``.
    htmt, fornell_larcker : DataFrame
        Discriminant validity: heterotrait-monotrait ratios; latent correlations with
        sqrt(AVE) on the diagonal.
    iterations : int
        Iterations of the outer-weight loop.
    converged : bool
        Whether the largest change in an outer weight fell below ``tol``.
    n : int
        Respondents used.
    excluded : dict
        Respondents left out, by reason (a missing answer to an item of the model).
    bootstrap : PLSBootstrap or None
        Resampling results when ``n_boot > 0``.
    """

    model: PathModel
    scheme: str
    scaled: bool
    outer: pd.DataFrame
    cross_loadings: pd.DataFrame
    paths: pd.DataFrame
    r_squared: pd.DataFrame
    effects: pd.DataFrame
    scores: pd.DataFrame
    lv_correlations: pd.DataFrame
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    fornell_larcker: pd.DataFrame
    iterations: int
    converged: bool
    n: int
    excluded: Mapping[str, int] = field(default_factory=dict)
    bootstrap: object | None = None
    _items: pd.DataFrame | None = None
    _weights: np.ndarray | None = None

    def __repr__(self) -> str:
        drop = sum(self.excluded.values())
        head = (f"PLSResult: {len(self.model.constructs)} constructs, {self.n} respondents"
                + (f" ({drop} excluded: missing answers)" if drop else "")
                + f", {self.scheme} weighting, "
                + ("converged" if self.converged else "NOT converged")
                + f" in {self.iterations} iterations")
        return head + "\n" + self.paths.to_string(index=False, float_format="{:.3f}".format)

    def to_frame(self) -> pd.DataFrame:
        """The path coefficients (``paths``)."""
        return self.paths

    def summary(self) -> pd.DataFrame:
        """Paths with the R-squared of their target construct."""
        r2 = self.r_squared.set_index("construct")["r_squared"]
        return self.paths.assign(r_squared_to=self.paths["to"].map(r2))

    def ipma(self, target: str, *, scale: tuple[float, float] | Mapping[str, tuple[float, float]]
             ) -> IPMA:
        """Importance-performance map of the constructs that drive ``target``.

        See :func:`loyaltylab.structural.ipma`.
        """
        from loyaltylab.structural.ipma import ipma

        return ipma(self, target, scale=scale)


def _prepare(data: pd.DataFrame, model: PathModel) -> tuple[pd.DataFrame, dict[str, int]]:
    data = _validate.frame(data)
    items = list(model.items)
    _validate.columns(data, items, "the PLS path model")
    x = pd.DataFrame({i: _validate.numeric(data, i, allow_bool=False,
                                           purpose="the PLS path model") for i in items},
                     index=data.index)
    missing = x.isna().any(axis=1)
    excluded = {"missing answer": int(missing.sum())} if missing.any() else {}
    x = x[~missing]
    if len(x) < 3:
        raise ValueError(f"only {len(x)} respondent(s) answered every item of the model "
                         f"({int(missing.sum())} left out for missing answers); PLS needs more")
    flat = x.columns[x.std(ddof=0).to_numpy() == 0]
    if len(flat):
        raise ValueError(f"item(s) {list(flat)} have the same answer from all {len(x)} "
                         f"respondents; an item without variance measures nothing: drop it")
    for c, items in model.blocks.items():
        if model.modes[c] == "B" and len(items) > 1:
            rank = np.linalg.matrix_rank(np.corrcoef(x[list(items)].to_numpy(), rowvar=False))
            if rank < len(items):
                raise ValueError(
                    f"the items of formative construct {c!r} ({list(items)}) are collinear "
                    f"(rank {rank} of {len(items)}); mode B regresses on them, so drop an item "
                    f"that is a combination of the others, or use mode A")
    return x, excluded


def fit_pls(data: pd.DataFrame, model: PathModel, *, scheme: str = "path",
            scaled: bool = True, tol: float = 1e-10, max_iter: int = 300, n_boot: int = 0,
            ci: float = 0.95, seed: int | None = 0, progress: bool | None = None) -> PLSResult:
    """Fit a structural model by PLS path modeling.

    Outer weights start at 1 and are updated until the largest change is below ``tol``
    (mode A: covariances of the items with the inner proxy; mode B: a regression of the
    proxy on the items); path coefficients are then OLS regressions among the latent scores.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one column per item. Respondents with a missing answer to
        any item of the model are left out and counted in ``excluded``.
    model : PathModel
        From :func:`path_model` (e.g. :data:`ECSI_MOBI`).
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme. Path weighting is SmartPLS's default; plspm's is centroid.
    scaled : bool
        Standardise the items (default). ``False`` only centres them, so items with more
        spread get more weight (plspm's ``scaled = FALSE``).
    tol, max_iter : float, int
        Convergence: largest change of an outer weight, and the most iterations.
    n_boot : int
        Bootstrap resamples for intervals (0: none). 5,000 is usual for publication.
    ci : float
        Level of the percentile intervals.
    seed : int or None
        Seed of the bootstrap resampling.
    progress : bool, optional
        Show a progress bar during the bootstrap (by default for 1,000 resamples or more).

    Returns
    -------
    PLSResult

    Examples
    --------
    >>> from loyaltylab import datasets, structural
    >>> res = structural.fit_pls(datasets.load_ecsi("mobi"), structural.ECSI_MOBI)
    >>> round(float(res.paths.query("to == 'Loyalty' and `from` == 'Satisfaction'")
    ...             ["coef"].iloc[0]), 3)
    0.485
    """
    _validate.one_of(scheme, "scheme", _algorithm.SCHEMES)
    x, excluded = _prepare(data, model)
    arr = x.to_numpy(float)
    centred = arr - arr.mean(axis=0)
    sd = arr.std(axis=0)  # divisor n throughout, as SmartPLS and plspm
    z = centred / sd if scaled else centred
    s = (z.T @ z / len(z))[None]
    mask = model._mask()
    w, it, ok = _algorithm.estimate(s, model, scheme, mask, tol=tol, max_iter=max_iter)
    if not ok[0]:
        import warnings

        warnings.warn(f"PLS outer weights did not converge in {max_iter} iterations "
                      f"(tol={tol}); raise max_iter or check the model", RuntimeWarning,
                      stacklevel=2)
    w = w[0]
    corr = s[0] / np.sqrt(np.outer(np.diag(s[0]), np.diag(s[0])))
    lv_corr = w.T @ s[0] @ w
    cross = (s[0] @ w) / np.sqrt(np.diag(s[0]))[:, None]
    b, r2 = _algorithm.inner_model(lv_corr[None], model)
    total = _algorithm.total_effects(b)[0]
    b, r2 = b[0], r2[0]

    names = list(model.constructs)
    items = list(model.items)
    owner = [names[j] for j in mask.argmax(axis=1)]
    wj = (w * mask).sum(axis=1)
    lam = (cross * mask).sum(axis=1)
    outer = pd.DataFrame({"construct": owner, "item": items,
                          "mode": [model.modes[c] for c in owner], "weight": wj,
                          "loading": lam, "communality": lam ** 2})
    pos = {c: k for k, c in enumerate(names)}
    paths = pd.DataFrame({"from": [f for f, _ in model.paths], "to": [t for _, t in model.paths],
                          "coef": [b[pos[f], pos[t]] for f, t in model.paths]})
    endo = list(model.endogenous)
    k_pred = np.array([len(model.predecessors(c)) for c in endo])
    r2e = np.array([r2[pos[c]] for c in endo])
    r2_tab = pd.DataFrame({"construct": endo, "r_squared": r2e,
                           "r_squared_adj": 1 - (1 - r2e) * (len(x) - 1) / (len(x) - k_pred - 1),
                           "n_predictors": k_pred})
    pairs = [(f, t) for f in names for t in names if abs(total[pos[f], pos[t]]) > 0]
    effects = pd.DataFrame({"from": [f for f, _ in pairs], "to": [t for _, t in pairs],
                            "direct": [b[pos[f], pos[t]] for f, t in pairs],
                            "indirect": [total[pos[f], pos[t]] - b[pos[f], pos[t]]
                                         for f, t in pairs],
                            "total": [total[pos[f], pos[t]] for f, t in pairs]})
    scores = pd.DataFrame(z @ w, index=x.index, columns=names)
    rel = quality.reliability(model, s[0], corr, w, cross)
    res = PLSResult(
        model=model, scheme=scheme, scaled=scaled, outer=outer,
        cross_loadings=pd.DataFrame(cross, index=pd.Index(items, name="item"), columns=names),
        paths=paths, r_squared=r2_tab, effects=effects, scores=scores,
        lv_correlations=pd.DataFrame(lv_corr, index=pd.Index(names, name="construct"),
                                     columns=names),
        reliability=rel, htmt=quality.htmt(model, corr),
        fornell_larcker=quality.fornell_larcker(model, lv_corr, rel["ave"].to_numpy()),
        iterations=int(it), converged=bool(ok[0]), n=len(x), excluded=excluded,
        _items=x, _weights=w)
    if n_boot:
        from loyaltylab.structural.bootstrap import bootstrap

        res = bootstrap(res, n_boot=n_boot, ci=ci, seed=seed, progress=progress, tol=tol,
                        max_iter=max_iter)
    return res

"""Bootstrap intervals for a PLS path model: resample respondents, refit, take percentiles.

Each resample's item covariance matrix is computed from the rows drawn, and the algorithm runs
on a whole chunk of resamples at once (a stack of p x p matrices), starting from the
full-sample weights. No sign correction is applied: starting from the full-sample weights
keeps every resample's constructs oriented like the original (the ``n_failed`` count says if
a resample did not converge; such resamples are left out of the intervals).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _validate
from loyaltylab._results import Result
from loyaltylab.structural import _algorithm


@dataclass(frozen=True, repr=False)
class PLSBootstrap(Result):
    """Bootstrap resamples of a PLS path model.

    Attributes
    ----------
    draws : dict of DataFrame
        One frame per quantity (``"paths"``, ``"total"``, ``"indirect"``, ``"weights"``,
        ``"loadings"``, ``"r_squared"`` and ``"htmt"``, whose columns are pairs of multi-item
        blocks, ``"A | B"``), one row per usable resample.
    n_boot : int
        Resamples drawn.
    n_failed : int
        Resamples left out because the algorithm did not converge on them (or an item had
        no variance in the resample).
    ci : float
        Level of the percentile intervals.
    seed : int or None
        Seed of the resampling.
    """

    draws: Mapping[str, pd.DataFrame]
    n_boot: int
    n_failed: int
    ci: float
    seed: int | None

    def __repr__(self) -> str:
        return (f"PLSBootstrap: {self.n_boot} resamples ({self.n_failed} failed), "
                f"{self.ci:.0%} percentile intervals, seed {self.seed}")

    def to_frame(self) -> pd.DataFrame:
        """Summary of the path-coefficient draws: mean, se and percentile interval."""
        return interval_table(self.draws["paths"], self.ci)


def interval_table(draws: pd.DataFrame, ci: float) -> pd.DataFrame:
    """Mean, standard error and percentile interval of each column of ``draws``."""
    a = (1 - ci) / 2
    return pd.DataFrame({"boot_mean": draws.mean(), "se": draws.std(ddof=1),
                         "ci_low": draws.quantile(a), "ci_high": draws.quantile(1 - a)})


def _with_intervals(table: pd.DataFrame, keys: list[str], draws: pd.DataFrame, est: str,
                    ci: float, prefix: str = "", test: bool = False) -> pd.DataFrame:
    iv = interval_table(draws, ci).loc[keys].reset_index(drop=True)
    out = table.copy()
    if test:
        out[f"{prefix}se"] = iv["se"].to_numpy()
        t = out[est].to_numpy() / iv["se"].to_numpy()
        out[f"{prefix}t"] = t
        out[f"{prefix}p_value"] = 2 * stats.t.sf(np.abs(t), df=len(draws) - 1)
    out[f"{prefix}ci_low"] = iv["ci_low"].to_numpy()
    out[f"{prefix}ci_high"] = iv["ci_high"].to_numpy()
    return out


def _htmt(corr: np.ndarray, blocks: list[np.ndarray], pairs: list[tuple[int, int]]
          ) -> np.ndarray:
    """Heterotrait-monotrait ratios of each pair of blocks, for a batch of correlation
    matrices (as :func:`loyaltylab.structural.quality.htmt` for one)."""
    def mono(i: np.ndarray) -> np.ndarray:
        upper = np.triu_indices(len(i), 1)
        return corr[:, i][:, :, i][:, upper[0], upper[1]].mean(axis=1)

    monos = {j: mono(blocks[j]) for pair in pairs for j in pair}
    out = [corr[:, blocks[a]][:, :, blocks[b]].mean(axis=(1, 2)) / np.sqrt(monos[a] * monos[b])
           for a, b in pairs]
    return np.stack(out, axis=1) if out else np.empty((corr.shape[0], 0))


def bootstrap(res, *, n_boot: int, ci: float = 0.95, seed: int | None = 0,
              progress: bool | None = None, tol: float = 1e-10, max_iter: int = 300):
    """Add bootstrap intervals to a :class:`PLSResult` (used by ``fit_pls(n_boot=...)``)."""
    n_boot = _validate.positive_int(n_boot, "n_boot")
    ci = _validate.probability(ci, "ci")
    model = res.model
    arr = res._items.to_numpy(float)
    n, p = arr.shape
    names = list(model.constructs)
    pos = {c: k for k, c in enumerate(names)}
    mask = model._mask()
    rng = np.random.default_rng(seed)
    chunk = int(max(1, min(n_boot, 4_000_000 // (n * p))))
    keep: dict[str, list[np.ndarray]] = {k: [] for k in
                                         ("paths", "total", "indirect", "weights", "loadings",
                                          "r_squared", "htmt")}
    # HTMT of every pair of multi-item blocks, so that discriminant validity can be judged on
    # the upper bound of its interval (Henseler, Ringle & Sarstedt 2015), not on a point
    blocks = [np.flatnonzero(mask[:, j]) for j in range(mask.shape[1])]
    htmt_pairs = [(a, b) for a in range(len(blocks)) for b in range(a + 1, len(blocks))
                  if len(blocks[a]) > 1 and len(blocks[b]) > 1]
    pairs = list(zip(res.effects["from"], res.effects["to"], strict=True))
    pair_idx = [(pos[f], pos[t]) for f, t in pairs]
    path_idx = [(pos[f], pos[t]) for f, t in model.paths]
    endo = [pos[c] for c in model.endogenous]
    failed = 0
    show = n_boot >= 1000 if progress is None else progress
    bar = None
    if show:  # imported only when shown: tqdm.auto warns in notebooks without ipywidgets
        from tqdm.auto import tqdm

        bar = tqdm(total=n_boot, desc="PLS bootstrap", unit="resample")
    done = 0
    while done < n_boot:
        k = min(chunk, n_boot - done)
        xb = arr[rng.integers(0, n, size=(k, n))]
        c = xb - xb.mean(axis=1, keepdims=True)
        sd = np.sqrt((c ** 2).mean(axis=1, keepdims=True))
        flat = (sd[:, 0, :] == 0).any(axis=1)
        z = c / np.where(sd == 0, 1.0, sd) if res.scaled else c
        s = np.swapaxes(z, 1, 2) @ z / n
        s[flat] = np.eye(p)  # placeholder, discarded below
        w, _, ok = _algorithm.estimate(s, model, res.scheme, res._weights, tol=tol,
                                       max_iter=max_iter)
        good = ok & ~flat
        failed += int((~good).sum())
        w, s = w[good], s[good]
        lv = np.einsum("bpm,bpq,bqn->bmn", w, s, w)
        b, r2 = _algorithm.inner_model(lv, model)
        tot = _algorithm.total_effects(b)
        cross = (s @ w) / np.sqrt(np.einsum("bii->bi", s))[:, :, None]
        keep["paths"].append(np.stack([b[:, i, j] for i, j in path_idx], axis=1))
        keep["total"].append(np.stack([tot[:, i, j] for i, j in pair_idx], axis=1))
        keep["indirect"].append(np.stack([tot[:, i, j] - b[:, i, j] for i, j in pair_idx],
                                         axis=1))
        keep["weights"].append((w * mask).sum(axis=2))
        keep["loadings"].append((cross * mask).sum(axis=2))
        keep["r_squared"].append(r2[:, endo])
        sd_item = np.sqrt(np.einsum("bii->bi", s))
        keep["htmt"].append(_htmt(s / (sd_item[:, :, None] * sd_item[:, None, :]), blocks,
                                  htmt_pairs))
        done += k
        if bar is not None:
            bar.update(k)
    if bar is not None:
        bar.close()
    path_keys = [f"{f} -> {t}" for f, t in model.paths]
    pair_keys = [f"{f} -> {t}" for f, t in pairs]
    cols = {"paths": path_keys, "total": pair_keys, "indirect": pair_keys,
            "weights": list(model.items), "loadings": list(model.items),
            "r_squared": list(model.endogenous),
            "htmt": [f"{names[a]} | {names[b]}" for a, b in htmt_pairs]}
    draws = {k: pd.DataFrame(np.concatenate(v), columns=cols[k]) for k, v in keep.items()}
    if failed == n_boot:
        raise ValueError(f"none of the {n_boot} bootstrap resamples converged; "
                         f"check the model (raise max_iter)")
    paths = _with_intervals(res.paths, path_keys, draws["paths"], "coef", ci, test=True)
    effects = _with_intervals(res.effects, pair_keys, draws["total"], "total", ci,
                              prefix="total_", test=True)
    effects = _with_intervals(effects, pair_keys, draws["indirect"], "indirect", ci,
                              prefix="indirect_")
    outer = _with_intervals(res.outer, list(model.items), draws["weights"], "weight", ci,
                            prefix="weight_")
    outer = _with_intervals(outer, list(model.items), draws["loadings"], "loading", ci,
                            prefix="loading_")
    r2 = _with_intervals(res.r_squared, list(model.endogenous), draws["r_squared"],
                         "r_squared", ci)
    boot = PLSBootstrap(draws=draws, n_boot=n_boot, n_failed=failed, ci=ci, seed=seed)
    return dataclasses.replace(res, paths=paths, effects=effects, outer=outer, r_squared=r2,
                               bootstrap=boot)

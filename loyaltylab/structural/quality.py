"""Measurement quality of a PLS path model: reliability per block and discriminant validity.

Formulas: Cronbach's alpha on the items as analysed (standardised unless ``scaled=False``);
composite reliability rho_C = (sum l)^2 / ((sum l)^2 + sum(1 - l^2)) and AVE = mean(l^2)
from the loadings l (Fornell & Larcker 1981); rho_A from the outer weights w (scaled to a
unit-variance score) and the item covariances S, rho_A = (w'w)^2 w'(S - diag S)w /
w'(ww' - diag ww')w (Dijkstra & Henseler 2015, eq. 13); HTMT as the mean heterotrait
correlation over the geometric mean of the two mean monotrait correlations (Henseler,
Ringle & Sarstedt 2015, eq. 6), on the signed item correlations as in the paper.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltylab.structural.model import PathModel


def reliability(model: PathModel, s: np.ndarray, corr: np.ndarray, w: np.ndarray,
                loadings: np.ndarray) -> pd.DataFrame:
    """One row per construct: mode, items, alpha, rho_A, rho_C and AVE.

    Single-item constructs get 1 for every coefficient (their one item is the construct, the
    convention of SmartPLS and seminr); formative (mode B) blocks get NaN, because their
    items need not correlate and these coefficients do not apply.
    """
    rows = []
    mask = model._mask()
    for j, c in enumerate(model.constructs):
        idx = np.flatnonzero(mask[:, j])
        k = len(idx)
        lam = loadings[idx, j]
        row = {"construct": c, "mode": model.modes[c], "n_items": k}
        if model.modes[c] == "B":
            row.update(alpha=np.nan, rho_a=np.nan, rho_c=np.nan, ave=np.nan)
        elif k == 1:
            row.update(alpha=1.0, rho_a=1.0, rho_c=1.0, ave=1.0)
        else:
            sb = s[np.ix_(idx, idx)]
            wj = w[idx, j]
            ww = np.outer(wj, wj)
            rho_a = (wj @ wj) ** 2 * (wj @ (sb - np.diag(np.diag(sb))) @ wj) / (
                wj @ (ww - np.diag(np.diag(ww))) @ wj)
            row.update(alpha=k / (k - 1) * (1 - np.trace(sb) / sb.sum()), rho_a=rho_a,
                       rho_c=lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum()),
                       ave=float(np.mean(lam ** 2)))
        rows.append(row)
    return pd.DataFrame(rows)


def htmt(model: PathModel, corr: np.ndarray) -> pd.DataFrame:
    """Heterotrait-monotrait ratios, construct x construct (NaN with a single-item block)."""
    mask = model._mask()
    idx = [np.flatnonzero(mask[:, j]) for j in range(mask.shape[1])]

    def mono(i: np.ndarray) -> float:
        if len(i) < 2:
            return np.nan
        r = corr[np.ix_(i, i)]
        return float(r[np.triu_indices(len(i), 1)].mean())

    m = len(idx)
    out = np.full((m, m), np.nan)
    for a in range(m):
        for b in range(m):
            if a != b:
                out[a, b] = corr[np.ix_(idx[a], idx[b])].mean() / np.sqrt(
                    mono(idx[a]) * mono(idx[b]))
    names = list(model.constructs)
    return pd.DataFrame(out, index=pd.Index(names, name="construct"), columns=names)


def fornell_larcker(model: PathModel, lv_corr: np.ndarray, ave: np.ndarray) -> pd.DataFrame:
    """Latent-variable correlations with the square root of AVE on the diagonal."""
    out = lv_corr.copy()
    np.fill_diagonal(out, np.sqrt(ave))
    names = list(model.constructs)
    return pd.DataFrame(out, index=pd.Index(names, name="construct"), columns=names)

"""The PLS path modeling algorithm (Wold 1982; Lohmöller 1989), run on covariance matrices.

Everything the algorithm needs is in the item covariance (or correlation) matrix S: the
latent variable Y_j = X w_j has covariances W'SW with the others, and the mode A update
cov(X_j, Z_j) is a column of S W E'. Working on S, not on the n x p data, lets the bootstrap
run thousands of resamples at once as a stack of small p x p matrices. Written by hand
because no maintained Python package does PLS path modeling under a permissive licence.
"""

from __future__ import annotations

import numpy as np

from loyaltylab.structural.model import PathModel

SCHEMES = ("path", "centroid", "factorial")


def _normalise(w: np.ndarray, s: np.ndarray) -> np.ndarray:
    # scale every latent variable to unit variance
    var = np.einsum("bpm,bpm->bm", w, s @ w)
    return w / np.sqrt(var)[:, None, :]


def _regress(c: np.ndarray, pred: list[int], j: int) -> np.ndarray:
    # OLS coefficients of latent variable j on its predecessors, from their correlations
    cpp = c[:, pred][:, :, pred]
    return np.linalg.solve(cpp, c[:, pred, j][..., None])[..., 0]


def inner_weights(c: np.ndarray, model: PathModel, scheme: str) -> np.ndarray:
    """Inner weights E (batch x m x m), E[j, i] the weight of neighbour i in the proxy of j."""
    d = model._adjacency()
    adj = d + d.T
    if scheme == "centroid":
        return np.sign(c) * adj
    if scheme == "factorial":
        return c * adj
    # path weighting: successors by correlation, predecessors by multiple regression
    e = c * d[None, :, :]
    for j, name in enumerate(model.constructs):
        pred = [model.constructs.index(p) for p in model.predecessors(name)]
        if pred:
            e[:, j, pred] = _regress(c, pred, j)
    return e


def estimate(s: np.ndarray, model: PathModel, scheme: str, w0: np.ndarray, *,
             tol: float, max_iter: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Outer weights for a stack of covariance matrices ``s`` (batch x p x p).

    Returns the weights (batch x p x m, latent variables of unit variance), the number of
    iterations run and which members of the batch converged (largest weight change < tol).
    """
    mask = model._mask()
    blocks_b = [(j, np.flatnonzero(mask[:, j])) for j, c in enumerate(model.constructs)
                if model.modes[c] == "B"]
    w = _normalise(np.broadcast_to(w0, s.shape[:1] + w0.shape).copy(), s)
    done = np.zeros(len(s), bool)
    it = 0
    while it < max_iter:
        it += 1
        c = np.swapaxes(w, 1, 2) @ s @ w
        e = inner_weights(c, model, scheme)
        u = s @ w @ np.swapaxes(e, 1, 2)  # cov(items, inner proxies)
        new = u * mask
        for j, idx in blocks_b:
            sjj = s[:, idx][:, :, idx]
            new[:, idx, j] = np.linalg.solve(sjj, u[:, idx, j][..., None])[..., 0]
        new = _normalise(new, s)
        change = np.abs(new - w).max(axis=(1, 2))
        w = np.where(done[:, None, None], w, new)
        done |= change < tol
        if done.all():
            break
    return w, it, done


def inner_model(c: np.ndarray, model: PathModel) -> tuple[np.ndarray, np.ndarray]:
    """Path coefficients B (batch x m x m, B[i, j] for i -> j) and R-squared (batch x m)."""
    m = len(model.constructs)
    b = np.zeros(c.shape[:1] + (m, m))
    r2 = np.zeros(c.shape[:1] + (m,))
    for j, name in enumerate(model.constructs):
        pred = [model.constructs.index(p) for p in model.predecessors(name)]
        if pred:
            beta = _regress(c, pred, j)
            b[:, pred, j] = beta
            r2[:, j] = np.einsum("bk,bk->b", beta, c[:, pred, j])
    return b, r2


def total_effects(b: np.ndarray) -> np.ndarray:
    """Total effects (I - B)^-1 - I of a recursive model, batch x m x m."""
    eye = np.eye(b.shape[-1])
    return np.linalg.inv(eye - b) - eye

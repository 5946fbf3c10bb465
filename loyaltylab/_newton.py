"""Newton-Raphson for the package's own likelihoods (Cox, time-varying Cox, Fine-Gray), with
every decision taken on a criterion that rounding cannot move.

The result of a fit must not depend on which SIMD or BLAS kernel a machine picks, so:

* convergence is R's ``coxph`` rule, a *relative* change of the log-likelihood below
  ``rtol`` (scale-free: a sum of a million terms has rounding noise far above any absolute
  threshold), followed by one more full Newton step (polishing). Newton converges
  quadratically, so that step brings the estimate to the optimum to many more digits than are
  printed, whichever iteration the rule happened to fire at;
* a step is halved only if the log-likelihood falls by more than its own rounding noise
  (a few units in the last place of |loglik|), never for a fall of 1e-12 at |loglik| = 7e6;
* a coefficient runs to infinity (perfect separation) when, after convergence, the next
  Newton step is still large relative to the coefficient (R's "Loglik converged before
  variable ...; coefficient may be infinite" check, ``coxph.fit``): the step stays near one
  unit per iteration while the log-likelihood creeps to its limit, for any kernel;
* the information matrix is singular when the smallest eigenvalue of its correlation form is
  below ``RANK_TOL`` (R's ``coxph`` uses ``toler.chol = eps^0.75`` on its Cholesky pivots),
  not when LAPACK happens to meet an exact zero pivot.

Written here because neither scipy's optimisers nor statsmodels' ``GenericLikelihoodModel``
report infinite coefficients or accept a step on a relative criterion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

RANK_TOL = 1e-11  # smallest eigenvalue / largest of the information in correlation form
INFINITE_RTOL = 1e-9 ** 0.5  # R's coxph.fit: step > sqrt(eps) * |coef| (eps = 1e-9)
INFINITE_ATOL = 1e-9  # and step > eps


class SingularInformation(np.linalg.LinAlgError):
    """The information matrix is singular; ``columns`` are the coefficients involved."""

    def __init__(self, columns: tuple[int, ...]):
        self.columns = columns
        super().__init__(f"singular information matrix (columns {list(columns)})")


@dataclass(frozen=True)
class NewtonFit:
    params: np.ndarray
    loglik: float
    loglik_null: float
    score: np.ndarray
    information: np.ndarray
    iterations: int
    evaluations: int  # of the log-likelihood (iterations plus step halvings, plus the start)
    converged: bool
    infinite: tuple[int, ...]  # coefficients running to infinity (separation), if any


def newton_step(information: np.ndarray, score: np.ndarray) -> np.ndarray:
    """The Newton step ``information^-1 score``, or :class:`SingularInformation` naming the
    coefficients in the (numerically) null direction."""
    diag = np.diag(information)
    bad = ~np.isfinite(diag) | (diag <= 0)
    if bad.any() or not np.isfinite(information).all():
        raise SingularInformation(tuple(np.flatnonzero(bad | ~np.isfinite(diag))))
    d = np.sqrt(diag)
    corr = information / np.outer(d, d)
    w, v = np.linalg.eigh(corr)
    if w[0] <= RANK_TOL * w[-1]:
        # the coefficients with a real share in the null direction
        share = np.abs(v[:, 0])
        raise SingularInformation(tuple(np.flatnonzero(share >= 0.5 * share.max())))
    return (v @ ((v.T @ (score / d)) / w)) / d


def _slack(ll: float) -> float:
    # rounding noise of a log-likelihood summed over many terms: far below any real change
    # a Newton step makes, far above the last bits
    return 1e-11 * (abs(ll) + 1.0)


def maximize(values: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]], p: int,
             *, rtol: float = 1e-10, max_iter: int = 50,
             start: np.ndarray | None = None) -> NewtonFit:
    """Maximise a concave log-likelihood by Newton-Raphson with step halving.

    Parameters
    ----------
    values : callable
        ``beta -> (loglik, score, information)`` (information = minus the Hessian).
    p : int
        Number of coefficients (the start is zero).
    rtol : float
        Convergence: relative change of the log-likelihood (R's ``coxph`` uses 1e-9).
    max_iter : int
    start : ndarray, optional
        Where to start (default zero; a nearby earlier solution saves steps).

    Raises
    ------
    SingularInformation
        At the start: the covariates are collinear (``columns`` names them).
    """
    calls = [0]

    def values_counted(b):
        calls[0] += 1
        return values(b)

    beta = np.zeros(p) if start is None else np.array(start, float)
    ll, score, info = values_counted(beta)
    ll_null = ll
    step = newton_step(info, score)  # singular here: collinear covariates
    converged, infinite, it = False, (), 0
    polished = False
    while it < max_iter:
        it += 1
        for _ in range(40):
            cand = beta + step
            ll_c, score_c, info_c = values_counted(cand)
            if np.isfinite(ll_c) and ll_c >= ll - _slack(ll):
                break
            step = step / 2
        else:
            break  # no step raises the log-likelihood: not converged
        change = abs(ll_c - ll)
        beta, ll, score, info = cand, ll_c, score_c, info_c
        try:
            step = newton_step(info, score)
        except SingularInformation as exc:
            # the information vanished on the way: estimates diverging
            infinite = exc.columns
            break
        if polished:
            big = (np.abs(step) > INFINITE_ATOL) & (np.abs(step) > INFINITE_RTOL * np.abs(beta))
            infinite = tuple(np.flatnonzero(big))
            converged = not infinite
            break
        if change <= rtol * abs(ll):
            polished = True  # one more full step, then judge the step after it
    return NewtonFit(params=beta, loglik=float(ll), loglik_null=float(ll_null), score=score,
                     information=info, iterations=it, evaluations=calls[0], converged=converged,
                     infinite=infinite)


def invert(information: np.ndarray) -> np.ndarray:
    """Inverse of the information (the variance), NaN when it is singular."""
    try:
        newton_step(information, np.zeros(len(information)))
    except SingularInformation:
        return np.full_like(information, np.nan)
    return np.linalg.inv(information)


def polish(fgh: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]],
           theta: np.ndarray, *, xtol: float = 1e-9, max_iter: int = 50
           ) -> tuple[np.ndarray, float, np.ndarray, bool, int]:
    """Newton steps from a quasi-Newton or simplex optimiser's end point to the minimum.

    scipy's L-BFGS-B and Nelder-Mead stop on tolerances that leave the estimate 1e-5 to 1e-8
    from the optimum, at a point that depends on the last bits of every function value; a few
    Newton steps reach it to ``xtol`` (the parameters are on the log scale, so this is a
    relative precision), whichever point they start from.

    Parameters
    ----------
    fgh : callable
        ``theta -> (value, gradient, Hessian)`` of the function to minimise (a negative
        log-likelihood).
    theta : ndarray
        Start.
    xtol : float
        Converged once the largest Newton step is below this.
    max_iter : int

    Returns
    -------
    theta, value, Hessian, converged, iterations
    """
    theta = np.asarray(theta, dtype=float)
    f, g, h = fgh(theta)
    for it in range(1, max_iter + 1):
        try:
            step = newton_step(h, g)
        except SingularInformation:
            return theta, f, h, False, it
        for _ in range(40):
            f_c, g_c, h_c = fgh(theta - step)
            if np.isfinite(f_c) and f_c <= f + _slack(f):
                break
            step = step / 2
        else:
            return theta, f, h, False, it
        theta, f, g, h = theta - step, f_c, g_c, h_c
        if np.abs(step).max() < xtol:
            return theta, f, h, True, it
    return theta, f, h, False, max_iter

"""Fine & Gray's (1999) proportional subdistribution hazards model, vectorised.

Written here because no maintained Python library fits it (lifelines and statsmodels have
cause-specific Cox models only) and R's cmprsk ``crr`` loops over all pairs of members
(n^2 to n^3 work), which does not reach a library's member table.

Members who left for another reason stay in the risk sets of the reason modelled, weighted by
``G(s-) / G(T_j-)``, the chance of still being uncensored at s given uncensored at their exit
(``G`` is the Kaplan-Meier curve of censoring). With those weights every risk-set sum is a
suffix sum over members still present plus ``G(s-)`` times a prefix sum over members gone for
another reason, so each Newton step costs a few passes over the sorted data. Ties are handled
as Breslow's (as ``crr``); the variance is Fine & Gray's sandwich, whose middle term adds to
each member's score residual (eta) the effect of estimating ``G`` (psi, their eq. for
``q(u)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyaltylab._newton import invert, maximize
from loyaltylab.lapse.curves import _risk_sets


@dataclass(frozen=True)
class FineGrayFit:
    params: np.ndarray
    information: np.ndarray
    variance: np.ndarray  # Fine & Gray's sandwich
    loglik: float
    loglik_null: float
    iterations: int
    converged: bool
    times: np.ndarray  # distinct lapse times for the reason
    baseline: np.ndarray  # cumulative baseline subdistribution hazard there (covariates 0)
    infinite: tuple[int, ...] = ()  # coefficients running to infinity (separation)


class _Data:
    """Sorted arrays and the censoring curve, computed once for every Newton step."""

    def __init__(self, x: np.ndarray, t: np.ndarray, cause: np.ndarray):
        order = np.argsort(t, kind="stable")
        self.x, self.t, self.cause = x[order], t[order], cause[order]
        censored = self.cause == 0
        times, inv, _, at_risk, g_after = _risk_sets(self.t, censored)
        g_before = np.r_[1.0, g_after[:-1]]
        self.g_exit = g_before[inv]  # G(T_j-)
        fail = self.cause == 1
        self.fail = fail
        self.ftimes, self.d = np.unique(self.t[fail], return_counts=True)
        self.d = self.d.astype(float)
        self.g_fail = g_before[np.searchsorted(times, self.ftimes)]  # G(s-)
        # members present at s: exit at or after s (rows are sorted by exit)
        self.present_from = np.searchsorted(self.t, self.ftimes, side="left")
        comp = np.flatnonzero(self.cause == 2)
        self.comp = comp
        # members gone for another reason before s
        self.comp_before = np.searchsorted(self.t[comp], self.ftimes, side="left")
        # each row's place among the lapse times: last lapse time at or before its exit
        self.upto = np.searchsorted(self.ftimes, self.t, side="right")
        self.x_fail_sum = self.x[fail].sum(axis=0)
        # censoring times for psi: pi(u) members at risk, nc(u) censored there
        cmask = np.bincount(inv, weights=censored, minlength=times.size) > 0
        self.ctimes = times[cmask]
        self.nc = np.bincount(inv, weights=censored, minlength=times.size)[cmask]
        self.pi = at_risk[cmask]

    def sums(self, beta: np.ndarray):
        """S0 and S1 at each lapse time, and the risks r = exp(x beta)."""
        r = np.exp(self.x @ beta)
        rx = self.x * r[:, None]
        suffix0 = np.r_[np.cumsum(r[::-1])[::-1], 0.0]
        suffix1 = np.vstack([np.cumsum(rx[::-1], axis=0)[::-1], np.zeros(self.x.shape[1])])
        a = r[self.comp] / self.g_exit[self.comp]
        pre0 = np.r_[0.0, np.cumsum(a)]
        pre1 = np.vstack([np.zeros(self.x.shape[1]),
                          np.cumsum(self.x[self.comp] * a[:, None], axis=0)])
        s0 = suffix0[self.present_from] + self.g_fail * pre0[self.comp_before]
        s1 = suffix1[self.present_from] + self.g_fail[:, None] * pre1[self.comp_before]
        return r, s0, s1

    def values(self, beta: np.ndarray):
        """Log partial likelihood, score and information at beta."""
        r, s0, s1 = self.sums(beta)
        ebar = s1 / s0[:, None]
        ll = float(self.x_fail_sum @ beta - self.d @ np.log(s0))
        score = self.x_fail_sum - self.d @ ebar
        c = self._at_risk_weight(self.d / s0)
        info = (self.x * (r * c)[:, None]).T @ self.x - (ebar * self.d[:, None]).T @ ebar
        return ll, score, info

    def _at_risk_weight(self, per_time: np.ndarray) -> np.ndarray:
        """For each row, the sum of per_time over the lapse times where it is at risk,
        with its weight: up to its exit fully, after it (other reason) G(s-)/G(T-)."""
        cum = np.r_[0.0, np.cumsum(per_time, axis=0)]
        out = cum[self.upto]
        later = np.cumsum((per_time * self.g_fail)[::-1], axis=0)[::-1]
        later = np.r_[later, 0.0]
        comp = self.comp
        out[comp] += later[self.upto[comp]] / self.g_exit[comp]
        return out

    def sandwich_middle(self, beta: np.ndarray) -> np.ndarray:
        """Sum over members of (eta_i + psi_i)(eta_i + psi_i)'."""
        r, s0, s1 = self.sums(beta)
        ebar = s1 / s0[:, None]
        p = self.x.shape[1]
        dl = self.d / s0  # d Lambda at each lapse time
        # eta: the member's score residual, with the weights of the risk sets
        cum0 = np.r_[0.0, np.cumsum(dl)]
        cum1 = np.vstack([np.zeros(p), np.cumsum(ebar * dl[:, None], axis=0)])
        gl0 = dl * self.g_fail
        gl1 = ebar * gl0[:, None]
        after0 = np.r_[np.cumsum(gl0[::-1])[::-1], 0.0]
        after1 = np.vstack([np.cumsum(gl1[::-1], axis=0)[::-1], np.zeros(p)])
        c0, c1 = cum0[self.upto], cum1[self.upto]
        comp = self.comp
        c0[comp] += after0[self.upto[comp]] / self.g_exit[comp]
        c1[comp] += after1[self.upto[comp]] / self.g_exit[comp, None]
        eta = -r[:, None] * (self.x * c0[:, None] - c1)
        k = np.searchsorted(self.ftimes, self.t[self.fail])
        eta[self.fail] += self.x[self.fail] - ebar[k]
        # psi: the effect of estimating G; q(u) at each censoring time u
        a = r[comp] / self.g_exit[comp]
        tc = self.t[comp]
        before = np.searchsorted(tc, self.ctimes, side="left")  # gone before u
        q0 = np.r_[0.0, np.cumsum(a)][before]
        q1 = np.vstack([np.zeros(p), np.cumsum(self.x[comp] * a[:, None], axis=0)])[before]
        from_u = np.searchsorted(self.ftimes, self.ctimes, side="left")  # lapses at s >= u
        q = q1 * after0[from_u][:, None] - q0[:, None] * after1[from_u]
        # psi_i = [censored at u_i] q(u_i)/pi(u_i) - sum_{u <= T_i} nc(u) q(u) / pi(u)^2
        drift = np.vstack([np.zeros(p), np.cumsum(q * (self.nc / self.pi**2)[:, None],
                                                  axis=0)])
        psi = -drift[np.searchsorted(self.ctimes, self.t, side="right")]
        cens = np.flatnonzero(self.cause == 0)
        u = np.searchsorted(self.ctimes, self.t[cens])
        psi[cens] += q[u] / self.pi[u][:, None]
        z = eta + psi
        return z.T @ z

    def baseline(self, beta: np.ndarray, center: np.ndarray) -> np.ndarray:
        _, s0, _ = self.sums(beta)
        # the sums use centred covariates: the baseline at covariates 0 is rescaled
        return np.cumsum(self.d / s0) * np.exp(-center @ beta)


def fit_fine_gray(x: np.ndarray, t: np.ndarray, cause: np.ndarray, *, rtol: float = 1e-10,
                  max_iter: int = 50) -> FineGrayFit:
    """Newton-Raphson with step halving (:func:`loyaltylab._newton.maximize`); ``cause`` is 1
    for the reason modelled, 2 for any other reason and 0 for still a member (censored)."""
    x = np.asarray(x, float)
    center = x.mean(axis=0)
    data = _Data(x - center, np.asarray(t, float), np.asarray(cause, int))
    fit = maximize(data.values, x.shape[1], rtol=rtol, max_iter=max_iter)
    beta, info = fit.params, fit.information
    inv = invert(info)
    variance = inv @ data.sandwich_middle(beta) @ inv
    return FineGrayFit(params=beta, information=info, variance=variance, loglik=fit.loglik,
                       loglik_null=fit.loglik_null, iterations=fit.iterations,
                       converged=fit.converged, times=data.ftimes,
                       baseline=data.baseline(beta, center), infinite=fit.infinite)

"""Parametric accelerated-failure-time (AFT) models of tenure: Weibull, exponential, log-normal
and log-logistic, with delayed entry, strata, a ridge penalty and sandwich errors.

The model is R ``survreg``'s: ``log T = x'beta + sigma * W`` with W standard extreme-value
(Weibull; the exponential fixes sigma = 1), normal (log-normal) or logistic (log-logistic),
and one sigma per stratum (``survreg(... + strata(g))``). The parameters are the
coefficients (intercept first) and ``log(sigma)``; the log-likelihood is that of the tenures
themselves (the ``-log t`` of the change of variable included, as ``survreg`` reports it).
A member observed only from tenure ``a > 0`` contributes its likelihood given that it stayed
to ``a``: ``log S(a)`` is subtracted (left truncation, which ``survreg`` does not offer).

Fitted by scipy's trust-region Newton on the exact score and information (it copes with the
non-concave start), then brought to the optimum by :func:`loyaltylab._newton.polish`, so the
estimate does not depend on where the optimiser stopped. Written here because lifelines,
the one Python library with these regressions, caps pandas below 3, and statsmodels has no
censored parametric survival regression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from loyaltylab._newton import invert, polish

#: The distribution of W behind each model.
DISTRIBUTIONS = {"weibull": "extreme", "exponential": "extreme", "lognormal": "gaussian",
                 "loglogistic": "logistic"}
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def _log_density(dist: str, z: np.ndarray):
    """log f(z) of the standard W, with its first and second derivatives in z."""
    if dist == "extreme":
        w = np.exp(z)
        return z - w, 1 - w, -w
    if dist == "logistic":
        p = special.expit(z)
        return z - 2 * np.logaddexp(0, z), 1 - 2 * p, -2 * p * (1 - p)
    return -0.5 * z * z - _LOG_SQRT_2PI, -z, np.full_like(z, -1.0)


def _log_survival(dist: str, z: np.ndarray):
    """log S(z) = log P(W > z), with its first and second derivatives in z."""
    if dist == "extreme":
        w = np.exp(z)
        return -w, -w, -w
    if dist == "logistic":
        p = special.expit(z)
        return -np.logaddexp(0, z), -p, -p * (1 - p)
    log_s = special.log_ndtr(-z)
    h = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_s)  # the hazard of W (inverse Mills ratio)
    return log_s, -h, -h * (h - z)


def survival(dist: str, z: np.ndarray) -> np.ndarray:
    """S(z) of the standard W (1 at z = -inf)."""
    with np.errstate(over="ignore", invalid="ignore"):  # (the derivatives at z = -inf)
        return np.exp(_log_survival(dist, z)[0])


def log_median(dist: str) -> float:
    """The median of W: log(log 2) for the extreme-value distribution, 0 otherwise."""
    return float(np.log(np.log(2.0))) if dist == "extreme" else 0.0


@dataclass(frozen=True)
class AFTFit:
    """Result of :func:`fit_aft`: ``params`` are the coefficients (intercept first) and then
    one ``log(sigma)`` per stratum (none for the exponential); ``variance`` is over all of
    them (the sandwich when ``robust``), ``naive_variance`` the inverse information."""

    params: np.ndarray
    n_coef: int
    variance: np.ndarray
    naive_variance: np.ndarray
    loglik: float
    penalty: float
    iterations: int
    converged: bool
    distribution: str
    strata: tuple

    @property
    def coef(self) -> np.ndarray:
        return self.params[:self.n_coef]

    @property
    def log_scale(self) -> np.ndarray:
        return self.params[self.n_coef:] if len(self.params) > self.n_coef else np.zeros(1)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.variance))


class _Likelihood:
    """The log-likelihood, per-row scores and information of one data set, for the optimiser
    (which asks for the value, gradient and Hessian at the same point separately: each pass
    over the rows is kept for the next question)."""

    def __init__(self, x, t, event, entry, stratum, n_strata, dist, fixed_scale, ridge):
        self.x, self.y, self.d = x, np.log(t), event.astype(float)
        self.truncated = None
        if entry is not None and (entry > 0).any():
            self.truncated = np.flatnonzero(entry > 0)
            self.ya = np.log(entry[self.truncated])
        self.stratum, self.k, self.dist = stratum, n_strata, dist
        self.fixed = fixed_scale
        self.ridge = np.zeros(x.shape[1]) if ridge is None else ridge
        self.p = x.shape[1]
        self._key, self._val = None, None

    def rows(self, theta):
        """Per-row derivatives of the log-likelihood in eta (x'beta) and log sigma."""
        beta = theta[:self.p]
        s = np.zeros(1) if self.fixed else theta[self.p:]
        sig = np.exp(s)[self.stratum]
        eta = self.x @ beta
        z = (self.y - eta) / sig
        with np.errstate(over="ignore", invalid="ignore"):
            ev = self.d == 1
            gf = _log_density(self.dist, z)
            gs = _log_survival(self.dist, z)
            g, g1, g2 = (np.where(ev, a, b) for a, b in zip(gf, gs, strict=True))
            ll = g - ev * (np.log(sig) + self.y)
            u_eta, u_s = -g1 / sig, -z * g1 - ev
            h_ee, h_es, h_ss = g2 / sig**2, (g1 + z * g2) / sig, z * g1 + z * z * g2
            if self.truncated is not None:
                i = self.truncated
                za = (self.ya - eta[i]) / sig[i]
                a, a1, a2 = _log_survival(self.dist, za)
                ll[i] -= a
                u_eta[i] += a1 / sig[i]
                u_s[i] += za * a1
                h_ee[i] -= a2 / sig[i] ** 2
                h_es[i] -= (a1 + za * a2) / sig[i]
                h_ss[i] -= za * a1 + za * za * a2
        return ll, u_eta, u_s, h_ee, h_es, h_ss

    def values(self, theta):
        """(minus the penalized log-likelihood, its gradient, its Hessian), cached."""
        key = theta.tobytes()
        if key == self._key:
            return self._val
        ll, u_eta, u_s, h_ee, h_es, h_ss = self.rows(theta)
        beta = theta[:self.p]
        value = float(ll.sum()) - 0.5 * float(self.ridge @ beta**2)
        if not np.isfinite(value):
            out = (np.inf, np.zeros(theta.size), np.eye(theta.size))
        else:
            x = self.x
            score = np.empty(theta.size)
            score[:self.p] = x.T @ u_eta - self.ridge * beta
            info = np.empty((theta.size, theta.size))
            info[:self.p, :self.p] = -(x.T @ (h_ee[:, None] * x)) + np.diag(self.ridge)
            if not self.fixed:
                k = self.k
                score[self.p:] = np.bincount(self.stratum, u_s, minlength=k)
                info[self.p:, self.p:] = -np.diag(np.bincount(self.stratum, h_ss, minlength=k))
                cross = np.stack([-(x[self.stratum == j].T @ h_es[self.stratum == j])
                                  for j in range(k)], axis=1)
                info[:self.p, self.p:], info[self.p:, :self.p] = cross, cross.T
            out = (-value, -score, info)
        self._key, self._val = key, out
        return out

    def scores(self, theta) -> np.ndarray:
        """Each row's score (n x parameters): the pieces of the sandwich variance."""
        _, u_eta, u_s, *_ = self.rows(theta)
        parts = [self.x * u_eta[:, None]]
        if not self.fixed:
            parts.append(np.eye(self.k)[self.stratum] * u_s[:, None])
        return np.hstack(parts)

    def start(self) -> np.ndarray:
        """Least squares of log tenure on the design (every row, censored too), and the
        residual spread as the scale: near enough for the trust region to take over."""
        beta = np.linalg.lstsq(self.x, self.y, rcond=None)[0]
        if self.fixed:
            return beta
        resid = self.y - self.x @ beta
        spread = np.array([max(float(np.std(resid[self.stratum == j])), 0.1)
                           for j in range(self.k)])
        if self.dist == "extreme":
            spread = spread * np.sqrt(6) / np.pi
        elif self.dist == "logistic":
            spread = spread * np.sqrt(3) / np.pi
        return np.r_[beta, np.log(spread)]


def fit_aft(x: np.ndarray, t: np.ndarray, event: np.ndarray, *, model: str,
            entry: np.ndarray | None = None, strata: np.ndarray | None = None,
            ridge: np.ndarray | None = None, robust: bool = False,
            cluster: np.ndarray | None = None) -> AFTFit:
    """Fit an AFT model by maximum likelihood.

    Parameters
    ----------
    x : ndarray
        Design with the intercept as its first column.
    t, event : ndarray
        Tenures (all > 0) and lapse indicators.
    model : {"weibull", "exponential", "lognormal", "loglogistic"}
    entry : ndarray, optional
        Tenure at which each row came under observation (left truncation).
    strata : ndarray, optional
        Labels: one scale per label, as ``survreg(... + strata(g))``.
    ridge : ndarray, optional
        Penalty weights on the coefficients (0 for the intercept): ``- sum(w * beta**2) / 2``
        is added to the log-likelihood, as R's ``ridge()`` terms.
    robust, cluster
        Sandwich variance from the rows' scores (summed within ``cluster`` first), as
        ``survreg(..., robust = TRUE)``.
    """
    dist = DISTRIBUTIONS[model]
    if strata is None:
        labels, stratum = (), np.zeros(len(t), dtype=np.intp)
    else:
        labels, stratum = np.unique(strata, return_inverse=True)
        labels = tuple(labels.tolist())
    fixed = model == "exponential"
    lik = _Likelihood(np.asarray(x, float), np.asarray(t, float), np.asarray(event),
                      None if entry is None else np.asarray(entry, float), stratum.ravel(),
                      max(len(labels), 1), dist, fixed, ridge)

    def fun(th):
        return lik.values(th)[0]

    def jac(th):
        return lik.values(th)[1]

    def hess(th):
        return lik.values(th)[2]

    start = lik.start()
    try:
        first = optimize.minimize(fun, start, jac=jac, hess=hess, method="trust-exact",
                                  options={"gtol": 1e-8, "maxiter": 500})
        theta = first.x
    except (ValueError, np.linalg.LinAlgError):
        theta = start
    theta, value, info, converged, iterations = polish(lik.values, theta, xtol=1e-9)
    naive = invert(info)
    variance = naive
    if robust or cluster is not None:
        u = lik.scores(theta)
        if cluster is not None:
            _, g = np.unique(cluster, return_inverse=True)
            u = np.stack([np.bincount(g.ravel(), u[:, j]) for j in range(u.shape[1])], axis=1)
        variance = naive @ (u.T @ u) @ naive
    beta = theta[:lik.p]
    penalty = 0.5 * float(lik.ridge @ beta**2)
    return AFTFit(params=theta, n_coef=lik.p, variance=variance, naive_variance=naive,
                  loglik=float(-value + penalty), penalty=penalty, iterations=iterations,
                  converged=bool(converged), distribution=dist, strata=labels)

"""A Cox model with a shared gamma frailty, by penalized partial likelihood.

Members (or branches) differ in how prone they are to the event beyond what the covariates
say: a member's hazard is z_g exp(x'beta) h0(t), with z_g ~ Gamma(mean 1, variance theta)
shared by all of the group's rows (recurrent complaints of one member, members of one branch).
Written here because no maintained Python library fits it (lifelines' issue #173 has asked
since 2015); the method is R's ``coxph(... + frailty(id, distribution = "gamma"))``
(Therneau, Grambsch & Pankratz 2003):

- for a fixed theta, (beta, omega) maximize the penalized partial likelihood
  PL(beta, omega) - (1/theta) sum_g (exp(omega_g) - omega_g), omega_g = log z_g, by the
  package's Newton solver on the design [X, group indicators] (exact Hessian: R's sparse
  default drops the off-diagonal frailty terms of the information, so its standard errors
  differ by about 1% from the exact ones that R gives with ``sparse = FALSE``);
- theta maximizes the integrated (marginal) log-likelihood, the penalized one plus R's
  correction ``frailty.gammacon``. R stops its search on a relative change of that
  likelihood below 1e-5 (``eps``), which here leaves theta about 0.02 from the maximum; this
  module maximizes on theta itself (Brent on sqrt(theta), to 1e-7), as R does with a
  small ``eps``.

The standard errors of beta are those of the penalized information at theta-hat (theta
treated as known), R's ``vcov(fit)`` with ``sparse = FALSE``, up to 1,500 groups; beyond, the
diagonal-frailty approximation R uses by default (``variance_exact`` says which).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse, stats

from loyaltylab._newton import invert, maximize
from loyaltylab.lapse._cox import CoxFit, _Stratum, fit_cox

# the largest frailty variance searched: a variance of 100 means a member's rate varies by
# factors of 10^40 between the 5% and 95% members; an optimum there is no estimate
THETA_MAX = 100.0
# up to this many groups each Newton step uses the exact information matrix (dense, with
# a column per group); beyond it the frailty block is taken as diagonal (R's "sparse"
# computation), which converges to the same estimates in more steps
DENSE_GROUPS = 60
# the exact variance at the end needs the dense matrix once: rows x groups cells below this
MAX_CELLS = 40_000_000
# and costs (event times x groups^2): about 1 s at 1,500 groups, 6 s at 3,000. Beyond this
# many groups the variance is that of the diagonal-frailty steps (R's default "sparse"
# computation), flagged ``variance_exact=False``: 0.04% from the exact one on simulated
# recurrent complaints with time-varying covariates, 1.5% (as R's sparse against its
# exact one) with member-level covariates (benchmarks/bench_frailty.py, tests/test_cox.py)
EXACT_VARIANCE_GROUPS = 1_500


@dataclass(frozen=True)
class FrailtyFit(CoxFit):
    """A :class:`CoxFit` with a shared gamma frailty.

    ``loglik`` is the partial likelihood at (beta, omega), R's ``fit$loglik[2]``;
    ``marginal_loglik`` the integrated likelihood that theta maximizes (R's
    ``c.loglik``), equal to the plain Cox log partial likelihood at theta = 0.
    """

    theta: float = 0.0
    frailties: np.ndarray | None = None  # log frailty per group, mean exp() = 1
    group_labels: np.ndarray | None = None
    marginal_loglik: float = np.nan
    marginal_loglik_null: float = np.nan  # theta = 0: the Cox model without frailty
    theta_fixed: bool = False
    outer_evaluations: int = 0
    variance_exact: bool = True  # False: the diagonal-frailty approximation (many groups)

    @property
    def lr_test(self) -> tuple[float, float]:
        """Likelihood-ratio test of no frailty (theta = 0): statistic and p-value from the
        50:50 mixture of chi-square(0) and chi-square(1), as theta = 0 is on the boundary
        (Self & Liang 1987)."""
        stat = max(2 * (self.marginal_loglik - self.marginal_loglik_null), 0.0)
        return stat, float(0.5 * stats.chi2.sf(stat, 1)) if stat > 0 else 1.0


def gamma_correction(d: np.ndarray, nu: float) -> float:
    """R's ``frailty.gammacon(d, nu)``: the integrated minus the penalized log-likelihood
    for groups with d events and frailty variance 1/nu, written with log1p so that it stays
    exact for small variances (large nu)."""
    d = np.asarray(d, float)
    term1 = float(np.sum(d - nu * np.log1p(d / nu)))
    # sum over groups and k = 1..d of log((nu + k - 1) / (nu + d))
    dd = d[d > 0].astype(int)
    g_d = np.repeat(dd, dd)
    k = np.arange(len(g_d)) - np.repeat(np.cumsum(dd) - dd, dd)  # 0 .. d-1 within group
    term2 = float(np.sum(np.log1p((k - g_d) / (nu + g_d))))
    return term1 + term2


class _FrailStratum(_Stratum):
    """A stratum whose last ``g`` columns are group indicators: X'diag(v)X by blocks."""

    def __init__(self, x, t, e, entry, ties, codes, n_groups):
        super().__init__(x, t, e, entry, ties)
        self.p = x.shape[1] - n_groups
        codes = codes[self.idx]
        self.z = sparse.csr_matrix((np.ones(len(codes)), (np.arange(len(codes)), codes)),
                                   shape=(len(codes), n_groups))

    def _gram(self, v: np.ndarray) -> np.ndarray:
        p = self.p
        xp = self.x[:, :p]
        xv = xp * v[:, None]
        out = np.zeros((self.x.shape[1],) * 2)
        out[:p, :p] = xv.T @ xp
        xz = np.asarray(self.z.T @ xv)
        out[p:, :p] = xz
        out[:p, p:] = xz.T
        out[p:, p:] = np.diag(np.asarray(self.z.T @ v).ravel())
        return out


def _group_sums(codes: np.ndarray, a: np.ndarray, n_groups: int) -> np.ndarray:
    if a.ndim == 1:
        return np.bincount(codes, weights=a, minlength=n_groups)
    return np.column_stack([np.bincount(codes, weights=a[:, k], minlength=n_groups)
                            for k in range(a.shape[1])])


def _sparse_newton(st: _Stratum, codes: np.ndarray, n_groups: int, nu: float,
                   start: np.ndarray, rtol: float, max_iter: int):
    """Maximize the penalized partial likelihood with the frailty block of the information
    taken as diagonal (no column per group): the gradient is exact, so the optimum is, and
    each step costs a few passes over the rows. ``codes`` are the sorted rows' groups.

    The diagonal keeps each group's own terms, exact when a group has one row at risk at a
    time (a member's consecutive episodes); the cross terms with the covariates are exact
    but for Efron's tie corrections. Steps are solved through the Schur complement.
    """
    p = st.x.shape[1]

    def values(coef):
        beta, om = coef[:p], coef[p:]
        st.offset = om[codes]
        ll, g_b, a = st.values(beta)
        w, c, s1, c2 = st.last
        g_w = _group_sums(codes, st.e - w * c, n_groups)
        ar = np.column_stack([st._at_risk_weights(c2 * s1[:, k]) for k in range(p)])
        b = _group_sums(codes, st.x * (w * c)[:, None] - w[:, None] * ar, n_groups)
        dg = _group_sums(codes, w * c - w * w * st._at_risk_weights(c2), n_groups)
        eo = np.exp(om)
        ll -= nu * float(np.sum(eo - om))
        g_w = g_w - nu * (eo - 1)
        dg = dg + nu * eo
        return ll, np.concatenate([g_b, g_w]), (a, b, dg)

    def step(grad, h):
        a, b, dg = h
        g_b, g_w = grad[:p], grad[p:]
        bd = b / dg[:, None]
        schur = a - b.T @ bd
        d_b = np.linalg.solve(schur, g_b - bd.T @ g_w)
        return np.concatenate([d_b, (g_w - b @ d_b) / dg]), schur

    coef = np.array(start, float)
    ll, grad, h = values(coef)
    converged, it, evaluations = False, 0, 1
    while it < max_iter:
        it += 1
        d, _ = step(grad, h)
        decrement = float(grad @ d)  # about twice the gain still to come
        for _ in range(40):
            cand = coef + d
            # the partial likelihood is flat along a common shift of the frailties, where
            # the diagonal information is far too steep; the penalty's best shift puts
            # mean(exp(omega)) at 1 (R's "recenter"): an exact line search along it
            cand[p:] -= np.log(np.mean(np.exp(cand[p:])))
            ll_c, grad_c, h_c = values(cand)
            evaluations += 1
            if np.isfinite(ll_c) and ll_c >= ll - 1e-11 * abs(ll):
                break
            d = d / 2
        else:
            break
        coef, ll, grad, h = cand, ll_c, grad_c, h_c
        if decrement <= rtol * 1e-3 * abs(ll):  # tight: the steps converge linearly
            converged = True
            break
    _, schur = step(grad, h)
    return coef, ll, converged, it, evaluations, np.linalg.inv(schur)


def fit_gamma_frailty(x: np.ndarray, t: np.ndarray, e: np.ndarray, groups: np.ndarray, *,
                      entry: np.ndarray | None = None, ties: str = "efron",
                      theta: float | None = None, rtol: float = 1e-10,
                      max_iter: int = 50) -> FrailtyFit:
    """Fit a Cox model with a shared gamma frailty per group.

    Parameters
    ----------
    x : ndarray (n, p)
        Design matrix (no intercept).
    t, e : ndarray (n,)
        Exit times and event indicators.
    groups : ndarray (n,)
        The group sharing a frailty (member, branch).
    entry : ndarray (n,), optional
        Entry times: (entry, exit] rows, the counting-process form of recurrent events.
    ties : {"efron", "breslow"}
    theta : float, optional
        A fixed frailty variance (R's ``frailty(id, theta = )``); default: estimated.
    rtol : float
        Convergence of each inner fit: relative change of the penalized log-likelihood.
    max_iter : int
        Newton iterations of each inner fit (four times as many with many groups).
    """
    x = np.asarray(x, float)
    t = np.asarray(t, float)
    e = np.asarray(e, bool)
    labels, codes = np.unique(np.asarray(groups), return_inverse=True)
    codes = codes.ravel()
    n, p = x.shape
    n_groups = len(labels)
    xc = x - x.mean(axis=0)
    d = np.bincount(codes, weights=e.astype(float), minlength=n_groups)
    cox0 = fit_cox(x, t, e, entry=entry, ties=ties, rtol=rtol, max_iter=max_iter)
    dense_ok = n * (p + n_groups) <= MAX_CELLS

    def dense_stratum():
        z = np.zeros((n, n_groups))
        z[np.arange(n), codes] = 1.0
        return _FrailStratum(np.hstack([xc, z]), t, e, entry, ties, codes, n_groups)

    def dense_values(st, nu):
        def values(coef):
            ll, grad, info = st.values(coef)
            om = coef[p:]
            eo = np.exp(om)
            ll -= nu * float(np.sum(eo - om))
            grad = grad.copy()
            grad[p:] -= nu * (eo - 1)
            info = info.copy()
            info[np.arange(p, p + n_groups), np.arange(p, p + n_groups)] += nu * eo
            return ll, grad, info
        return values

    if n_groups <= DENSE_GROUPS:
        if not dense_ok:
            raise ValueError(f"{n:,} rows x {n_groups} groups is beyond the frailty solver")
        dense = dense_stratum()
    else:
        plain = _Stratum(xc, t, e, entry, ties)
        sorted_codes = codes[plain.idx]
    # convergence is judged on the fit at the estimate (fits at far-off trial thetas of the
    # search, e.g. a variance of 40, may be slow and only need to be lower)
    state = {"start": np.zeros(p + n_groups), "fits": 0, "all_converged": True}

    def inner(th: float):
        nu = 1 / th
        if n_groups <= DENSE_GROUPS:
            fit = maximize(dense_values(dense, nu), p + n_groups, rtol=rtol,
                           max_iter=max_iter, start=state["start"])
            coef, pll, ok = fit.params, fit.loglik, fit.converged
            info = (fit.iterations, fit.evaluations, invert(fit.information)[:p, :p])
        else:
            coef, pll, ok, its, evals, var = _sparse_newton(
                plain, sorted_codes, n_groups, nu, state["start"], rtol, 4 * max_iter)
            info = (its, evals, var)
        state["fits"] += 1
        state["start"] = coef
        om = coef[p:]
        om_c = om - np.log(np.mean(np.exp(om)))
        pl = pll + nu * float(np.sum(np.exp(om) - om))  # the partial likelihood
        marginal = pl + nu * float(om_c.sum()) + gamma_correction(d, nu)
        return coef, pl, marginal, ok, info

    if theta is not None:
        if not theta > 0:
            raise ValueError(f"theta must be a positive frailty variance, got {theta}")
        th = float(theta)
        coef, pl, marginal, ok, info = inner(th)
    else:
        cache = {}

        def neg(s):
            th = s * s
            if th not in cache:
                cache[th] = inner(th)
            return -cache[th][2]

        # Brent on sqrt(theta) as R does; theta = 0 (no frailty) is the boundary, compared
        # at the end
        res = optimize.minimize_scalar(neg, bounds=(0.0, np.sqrt(THETA_MAX)), method="bounded",
                                       options={"xatol": 1e-7, "maxiter": 200})
        th = float(res.x) ** 2
        coef, pl, marginal, ok, info = cache[th] if th in cache else inner(th)
        state["all_converged"] &= bool(res.success) and np.sqrt(th) < np.sqrt(THETA_MAX) - 1e-3
        if marginal <= cox0.loglik:  # the maximum is at the boundary: no frailty
            return FrailtyFit(**{**cox0.__dict__}, theta=0.0,
                              frailties=np.zeros(n_groups), group_labels=labels,
                              marginal_loglik=cox0.loglik, marginal_loglik_null=cox0.loglik,
                              outer_evaluations=state["fits"])
    iterations, evaluations, variance = info
    exact = n_groups <= DENSE_GROUPS
    if not exact and dense_ok and n_groups <= EXACT_VARIANCE_GROUPS:
        # the exact information once, at the estimate (the steps used the diagonal one)
        nu = 1 / th
        _, _, full = dense_values(dense_stratum(), nu)(coef)
        variance = invert(full)[:p, :p]
        exact = True
    om = coef[p:]
    return FrailtyFit(params=coef[:p], variance=variance, loglik=pl,
                      loglik_null=cox0.loglik_null, iterations=iterations,
                      converged=state["all_converged"] and ok, ties=ties,
                      robust_variance=None, evaluations=evaluations, theta=th,
                      frailties=om - np.log(np.mean(np.exp(om))), group_labels=labels,
                      marginal_loglik=marginal, marginal_loglik_null=cox0.loglik,
                      theta_fixed=theta is not None, outer_evaluations=state["fits"],
                      variance_exact=exact)

"""A Cox proportional-hazards solver for large member tables.

Newton-Raphson on the partial likelihood with Efron's (default) or Breslow's handling of
ties, strata and delayed entry. Risk-set sums come from cumulative sums over members sorted by
exit (and entry) time, and the information matrix from one weighted product X'diag(c)X, so a
fit costs a few passes over the data and no per-event Python loop: no n x p x p array is ever
formed. Written here because lifelines' default Cox fitter loops over event times in Python
(slow on continuous tenures at a million members) and its batch mode grows badly with the
number of distinct times; statsmodels' PHReg handles only Breslow ties with delayed entry.

The formulas are those of Therneau & Grambsch (2000), *Modeling Survival Data*, sec. 3.3
(Efron approximation), written as sums over (event time, tie rank) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyaltylab._newton import invert, maximize


@dataclass(frozen=True)
class CoxFit:
    """Result of :func:`fit_cox` (arrays in the order of the design's columns)."""

    params: np.ndarray
    variance: np.ndarray
    loglik: float
    loglik_null: float
    iterations: int
    converged: bool
    ties: str
    robust_variance: np.ndarray | None
    infinite: tuple[int, ...] = ()  # coefficients running to infinity (separation)
    evaluations: int = 0  # of the log-likelihood, step halvings included

    @property
    def se(self) -> np.ndarray:
        v = self.robust_variance if self.robust_variance is not None else self.variance
        return np.sqrt(np.diag(v))


class _SuffixAt:
    """Sums of a[pos:] for a fixed sorted set of positions, from segment sums.

    Only the rows from each position to the next matter, so one ``reduceat`` pass over the
    rows and a cumulative sum over the (few, with daily tenures) segments replace a
    cumulative sum over every row; positions may repeat or equal len(a) (an empty sum).
    """

    def __init__(self, pos: np.ndarray, n: int):
        self.pos = pos
        new = np.ones(len(pos), bool)
        new[1:] = pos[1:] != pos[:-1]
        self.inv = np.cumsum(new) - 1
        u = pos[new]
        self.n_empty = int((u >= n).sum())  # positions past the end: nothing left
        self.u = u[u < n]
        # with about one position per few rows (continuous tenures) a cumulative sum over
        # all rows is cheaper than segment sums (measured: 35 vs 52 ms at 1M x 6)
        # (a speed switch between two equal answers: test_cox checks both modes)
        self.dense = len(self.u) > n / 8  # pragma: no mutate

    def __call__(self, a: np.ndarray) -> np.ndarray:
        if self.dense:
            out = np.zeros((len(a) + 1,) + a.shape[1:])
            np.cumsum(a[::-1], axis=0, out=out[-2::-1])
            return out[self.pos]
        seg = np.add.reduceat(a, self.u)  # along the rows (none: an empty sum)
        out = np.zeros((len(self.u) + self.n_empty,) + a.shape[1:])
        np.cumsum(seg[::-1], axis=0, out=out[len(self.u) - 1::-1] if len(self.u) else out[:0])
        return out[self.inv]


class _Stratum:
    """The sorted arrays of one stratum that every Newton step reuses."""

    def __init__(self, x: np.ndarray, t: np.ndarray, e: np.ndarray, entry: np.ndarray | None,
                 ties: str):
        # stable: tied rows in one order on every CPU (numpy's default sort differs by SIMD
        # path), so sums over them round alike
        order = np.argsort(t, kind="stable")  # pragma: no mutate
        self.idx = order
        self.x = x[order]
        self.t = t[order]
        self.e = e[order]
        ev = np.flatnonzero(self.e)
        t_ev = self.t[ev]  # sorted: tie groups are runs
        first = np.r_[True, t_ev[1:] != t_ev[:-1]]
        self.times = t_ev[first]
        # tie groups: event rows grouped by their (sorted) time
        self.ev = ev
        self.group = np.cumsum(first) - 1
        self.group_start = np.flatnonzero(first)  # each tie group is a contiguous run
        self.d = np.diff(np.r_[self.group_start, len(ev)])  # events per tie group
        # position of each event time among exit times: risk set = rows from there on
        self.start = np.searchsorted(self.t, self.times)  # the first row leaving then
        self._suffix = _SuffixAt(self.start, len(self.t))
        self.entry = None
        if entry is not None:
            entry = entry[order]
            self.entry_order = np.argsort(entry, kind="stable")  # pragma: no mutate
            self.entry = entry
            # rows whose entry is at or after the event time are not yet at risk
            self.enter_pos = np.searchsorted(entry[self.entry_order], self.times)
            self._entered = _SuffixAt(self.enter_pos, len(entry))
            self.lo = np.searchsorted(self.times, entry, side="right")
        # Efron: one (event time, tie rank l) pair per event, fraction l / d
        if ties == "efron":
            rank = np.arange(len(ev)) - self.group_start[self.group]
            self.frac = rank / self.d[self.group]
        else:
            self.frac = np.zeros(len(ev))
        # one event per lapse time (continuous tenures): tie sums are the event rows
        # themselves, and with no tie ranks (or Breslow) the Efron terms vanish. Both are
        # shortcuts to the general path's answer (test_cox checks each against it)
        self.untied = len(self.times) == len(ev)  # pragma: no mutate
        self.plain = not self.frac.any()  # pragma: no mutate
        self.hi = np.searchsorted(self.times, self.t, side="right")
        self.x_ev_sum = self.x[ev].sum(axis=0)
        # a fixed part of the linear predictor (sorted rows): a frailty's log multipliers
        self.offset: np.ndarray | None = None

    def _gram(self, v: np.ndarray) -> np.ndarray:
        # X' diag(v) X (a subclass with indicator columns computes it by blocks)
        return (self.x * v[:, None]).T @ self.x

    def _risk_sums(self, a: np.ndarray) -> np.ndarray:
        # sum over each event time's risk set of the rows of a (n x k)
        out = self._suffix(a)
        if self.entry is not None:
            out = out - self._entered(a[self.entry_order])
        return out

    def _at_risk_weights(self, per_time: np.ndarray) -> np.ndarray:
        # for each row, the sum of per_time over the event times at which it is at risk:
        # times in (entry, exit]
        cum = np.concatenate([[0.0], np.cumsum(per_time)])
        out = cum[self.hi]
        if self.entry is not None:
            out = out - cum[self.lo]
        return out

    def _by_time(self, a: np.ndarray) -> np.ndarray:
        # sums of the event rows' values per tie group (contiguous runs)
        if self.untied:
            return a
        return np.add.reduceat(a, self.group_start)  # along the rows

    def _sums(self, beta: np.ndarray):
        """Risk weights w, risk-set sums S1 and tie sums E1 per event time, and 1/phi per
        (time, rank) pair, phi = S0 - (l/d) E0 (Efron; l = 0 for Breslow)."""
        n, p = self.x.shape
        # w and x * w side by side, so that one pass of suffix sums gives S0 and S1
        wx = np.empty((n, p + 1))
        eta = self.x @ beta
        if self.offset is not None:
            eta += self.offset
        w = np.exp(eta, out=wx[:, 0])
        np.multiply(self.x, w[:, None], out=wx[:, 1:])
        s = self._risk_sums(wx)
        s0, s1 = s[:, 0], s[:, 1:]
        if self.plain:
            return w, s1, None, 1 / s0[self.group]
        e = self._by_time(wx[self.ev])
        e0, e1 = e[:, 0], e[:, 1:]
        return w, s1, e1, 1 / (s0[self.group] - self.frac * e0[self.group])

    def values(self, beta: np.ndarray):
        """Log partial likelihood, score and information (minus the Hessian) at beta.

        Within a tie group the Efron terms differ only by the fraction f = l/d, so every sum
        over (time, rank) pairs is a per-time combination of scalar sums of 1/phi, f/phi,
        1/phi^2, f/phi^2 and f^2/phi^2: no (events x p) array is formed.
        """
        w, s1, e1, inv = self._sums(beta)
        g, f = self.group, self.frac
        ll = float(self.x_ev_sum @ beta + np.log(inv).sum())  # sum lp over events - log phi
        if self.offset is not None:
            ll += float(self.offset[self.ev].sum())
        a = self._by_time(inv)
        inv2 = inv * inv
        c2 = self._by_time(inv2)
        if self.plain:
            # Breslow, or Efron with no tied lapses: no tie-group terms
            grad = self.x_ev_sum - a @ s1
            c = self._at_risk_weights(a)
            info = self._gram(w * c) - (s1 * c2[:, None]).T @ s1
            self.last = (w, c, s1, c2)  # per-row terms, for the frailty solver
            return ll, grad, info
        b = self._by_time(f * inv)
        grad = self.x_ev_sum - (s1 * a[:, None] - e1 * b[:, None]).sum(axis=0)
        # sum_j sum_l S2_j / phi_jl = X' diag(w c) X with c the at-risk sum of 1/phi per row,
        # less the tie-group correction E2_j weighted by sum_l (l/d) / phi_jl
        c = self._at_risk_weights(a)
        c[self.ev] -= b[g]
        info = self._gram(w * c)
        d2, f2 = self._by_time(f * inv2), self._by_time(f * f * inv2)
        cross = (s1 * d2[:, None]).T @ e1
        info -= (s1 * c2[:, None]).T @ s1 - cross - cross.T + (e1 * f2[:, None]).T @ e1
        self.last = (w, c, s1, c2)
        return ll, grad, info

    def score_residuals(self, beta: np.ndarray) -> np.ndarray:
        """Per-row score residuals (for the robust variance), in sorted order."""
        w, s1, e1, inv = self._sums(beta)
        g, f, ev = self.group, self.frac, self.ev
        if e1 is None:  # no tie-group terms (f is zero)
            e1 = np.zeros_like(s1)
        phi = 1 / inv
        xbar = (s1[g] - f[:, None] * e1[g]) / phi[:, None]
        # each (time, rank) pair spreads 1/d of its event over the tied events (Efron) and
        # the full hazard increment over the others at risk (as R's coxph residuals)
        dh = 1 / phi
        dhx = xbar / phi[:, None]
        # rows at risk but not tied at the time: every pair counts fully
        h_all = self._by_time(dh)
        hx_all = self._by_time(dhx)
        # tied events: pair l counts with weight (1 - l/d)
        h_tie = self._by_time(dh * (1 - f))
        hx_tie = self._by_time(dhx * (1 - f)[:, None])
        cum_h = self._at_risk_weights(h_all)
        cum_hx = np.stack([self._at_risk_weights(hx_all[:, k]) for k in range(self.x.shape[1])],
                          axis=1)
        # replace, for event rows, their own time's full increments by the tie-weighted ones
        cum_h[ev] += h_tie[g] - h_all[g]
        cum_hx[ev] += hx_tie[g] - hx_all[g]
        resid = -w[:, None] * (self.x * cum_h[:, None] - cum_hx)
        xbar_ev = self._by_time(xbar)
        resid[ev] += self.x[ev] - xbar_ev[g] / self.d[g][:, None]
        return resid


def fit_cox(x: np.ndarray, t: np.ndarray, e: np.ndarray, *, entry: np.ndarray | None = None,
            strata: np.ndarray | None = None, ties: str = "efron", robust: bool = False,
            cluster: np.ndarray | None = None, ridge: np.ndarray | None = None,
            rtol: float = 1e-10,  # pragma: no mutate (1.0000000001e-10 fits the same)
            max_iter: int = 50) -> CoxFit:
    """Fit a Cox model by Newton-Raphson with step halving (:func:`loyaltylab._newton.maximize`:
    relative convergence, a polishing step, R's check for infinite coefficients).

    Parameters
    ----------
    x : ndarray (n, p)
        Design matrix (no intercept).
    t, e : ndarray (n,)
        Exit times and event indicators.
    entry : ndarray (n,), optional
        Entry times (delayed entry): a row is at risk at event times in (entry, exit].
    strata : ndarray (n,), optional
        Stratum labels: separate baseline hazards, common coefficients.
    ties : {"efron", "breslow"}
    robust : bool
        Also compute the sandwich (Lin-Wei) variance from score residuals.
    cluster : ndarray (n,), optional
        Cluster labels (e.g. the member of each (start, stop] episode): the sandwich sums the
        score residuals within each cluster first, as R's ``coxph(... + cluster(id))``
        (the Andersen-Gill model of recurrent events). Implies ``robust``.
    ridge : ndarray (p,), optional
        Ridge weights: the fit maximizes the log partial likelihood minus
        ``sum(ridge * beta**2) / 2`` (R's ``coxph(... ridge(x, theta))`` has ``ridge = theta``
        for every coefficient), and the variance is the inverse of the penalized information,
        as R's ``var`` and lifelines give it.
    rtol : float
        Convergence: relative change of the log partial likelihood.
    max_iter : int

    Raises
    ------
    SingularInformation
        Collinear covariates (``columns`` names them).
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    # (the callers pass float and bool arrays; these make sure of it)
    x = np.asarray(x, float)  # pragma: no mutate
    # centring leaves the partial likelihood unchanged and keeps exp(x beta) finite for a
    # covariate far from 0 (a year, an id-like code): test_cox fits one at 5,000
    center = x.mean(axis=0)
    xc = x - center
    t = np.asarray(t, float)  # pragma: no mutate
    e = np.asarray(e, bool)  # pragma: no mutate
    if strata is None:
        parts = [(np.arange(len(t)), _Stratum(xc, t, e, entry, ties))]
    else:
        labels = np.unique(strata, return_inverse=True)[1].ravel()
        parts = []
        for s in np.unique(labels):
            m = labels == s
            if e[m].any():
                parts.append((np.flatnonzero(m), _Stratum(xc[m], t[m], e[m],
                                                          None if entry is None else entry[m],
                                                          ties)))

    w = None if ridge is None else np.asarray(ridge, float)  # pragma: no mutate

    def total(beta):
        ll, grad, info = 0.0, np.zeros(x.shape[1]), np.zeros((x.shape[1],) * 2)
        for _, st in parts:
            a, b, c = st.values(beta)
            ll += a
            grad += b
            info += c
        if w is not None:
            ll -= 0.5 * float(w @ beta ** 2)
            grad = grad - w * beta
            info = info + np.diag(w)
        return ll, grad, info

    fit = maximize(total, x.shape[1], rtol=rtol, max_iter=max_iter)
    beta = fit.params
    variance = invert(fit.information)
    robust_var = None
    if robust or cluster is not None:
        r = np.zeros_like(x)
        for rows, st in parts:
            r[rows[st.idx]] = st.score_residuals(beta)
        dfbeta = r @ variance
        if cluster is not None:
            levels, groups = np.unique(cluster, return_inverse=True)
            summed = np.zeros((len(levels), x.shape[1]))
            groups = groups.ravel()
            np.add.at(summed, groups, dfbeta)
            dfbeta = summed
        robust_var = dfbeta.T @ dfbeta
    return CoxFit(params=beta, variance=variance, loglik=fit.loglik, loglik_null=fit.loglik_null,
                  iterations=fit.iterations, converged=fit.converged, ties=ties,
                  robust_variance=robust_var, infinite=fit.infinite,
                  evaluations=fit.evaluations)


def breslow_baseline(x: np.ndarray, t: np.ndarray, e: np.ndarray, beta: np.ndarray, *,
                     entry: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Breslow cumulative baseline hazard at every distinct exit time (x centred by the
    caller as wanted): returns (times, cumulative hazard)."""
    w = np.exp(x @ beta)
    lapse_times, d = np.unique(t[e], return_counts=True)
    order = np.argsort(t, kind="stable")  # pragma: no mutate (see _Stratum)
    # the risk weight of the rows still there at each lapse time (each has its own lapsing
    # row, so none is empty); the hazard steps only there
    s0 = np.cumsum(w[order][::-1])[::-1][np.searchsorted(t[order], lapse_times)]
    if entry is not None:
        eo = np.argsort(entry, kind="stable")  # pragma: no mutate
        erev = np.concatenate([np.cumsum(w[eo][::-1])[::-1], [0.0]])
        s0 = s0 - erev[np.searchsorted(entry[eo], lapse_times)]
    cumulative = np.r_[0.0, np.cumsum(d / s0)]
    times = np.unique(t)
    return times, cumulative[np.searchsorted(lapse_times, times, side="right")]

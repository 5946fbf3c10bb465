"""Silent lapse in free memberships: repeat-use models that estimate who is still a member.

Nobody cancels a free library card; members just stop coming. The BG/NBD model (Fader, Hardie
& Lee 2005) describes continuous-time repeat use: while active, a member uses the library at
a Poisson rate lambda ~ Gamma(r, alpha); after each repeat use they become inactive with
probability p ~ Beta(a, b). The BG/BB model (Fader, Hardie & Shang 2010) is its discrete-time
counterpart for yearly opportunities (renewals offered, annual events, donations).

lifelines has no such models and the ``lifetimes`` package is archived, so they are written
here: vectorised log-likelihoods with analytic gradients (the BG/NBD fits a million members
in seconds), maximised with scipy, standard errors from the observed information.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from loyaltylab import _newton, _stats, _validate, eventlog
from loyaltylab._results import Result, TableResult
from loyaltylab.schema import DATE, MEMBER

_UNITS = {"days": 1.0, "weeks": 7.0}


def rfm_summary(events: pd.DataFrame, member: str = MEMBER, date: str = DATE, *,
                calibration_end: str | pd.Timestamp,
                holdout_end: str | pd.Timestamp | None = None,
                unit: str = "weeks", con=None) -> TableResult:
    """Frequency / recency / age summary of repeat use, per member.

    Use is counted in distinct days; the first day is the start (not a repeat). With
    ``holdout_end``, the number of use days after ``calibration_end`` is added.

    Parameters
    ----------
    events : DataFrame, path or DuckDB relation
        Use events (one row per event): a DataFrame, Parquet/CSV file(s) (a path or glob)
        or a DuckDB relation; the summary runs in DuckDB (see :mod:`loyaltylab.eventlog`).
    member, date : str
        Member-id and date columns.
    calibration_end : date
        End of the calibration period.
    holdout_end : date, optional
        End of the hold-out period (after ``calibration_end``).
    unit : {"weeks", "days"}
        Unit of recency and T.
    con : duckdb.DuckDBPyConnection, optional
        The connection to run on (e.g. :func:`loyaltylab.eventlog.connect` with a memory
        limit); a relation's own connection for relation inputs.

    Returns
    -------
    TableResult
        ``.data`` indexed by member: ``frequency`` (repeat use days in the calibration
        period), ``recency`` (time from first to last use), ``T`` (time from first use to
        ``calibration_end``), in ``unit``; and ``holdout_frequency`` / ``holdout_T`` when a
        holdout is given. Members whose first use falls after ``calibration_end`` and
        events with no member id are left out and counted in ``.excluded``.
    """
    if isinstance(events, pd.DataFrame):
        events = _validate.frame(events, "events")
        _validate.columns(events, [member, date], "an RFM summary", "events")
    scale = _UNITS[_validate.one_of(unit, "unit", list(_UNITS))]
    cal = _validate.as_of(calibration_end, "calibration_end")
    if holdout_end is not None:
        hold = _validate.as_of(holdout_end, "holdout_end")
        if hold <= cal:
            raise ValueError(f"holdout_end ({hold.date()}) must be after calibration_end "
                             f"({cal.date()}): the hold-out period follows the calibration one")
    log = eventlog.open_log(events, member, date, "an RFM summary", con=con)
    try:
        agg, no_id = eventlog.rfm_counts(log, cal, hold if holdout_end is not None else None)
    finally:
        log.close()
    late = (agg["n_cal"] == 0).to_numpy()
    agg = agg[~late]
    first = pd.to_datetime(agg["first_d"])
    index = pd.Index(eventlog._as_index(agg["m"].to_numpy(), events[member]
                                        if isinstance(events, pd.DataFrame) else None),
                     name=member)
    out = pd.DataFrame({
        "frequency": (agg["n_cal"] - 1).to_numpy(np.int64),
        "recency": ((pd.to_datetime(agg["last_cal"]) - first).dt.days / scale).to_numpy(),
        "T": ((cal - first).dt.days / scale).to_numpy()}, index=index)
    excluded = {"members whose first use is after calibration_end": int(late.sum()),
                "events with no member id": no_id}
    if holdout_end is not None:
        out["holdout_frequency"] = agg["n_hold"].to_numpy(np.int64)
        out["holdout_T"] = (hold - cal).days / scale
    return TableResult(data=out, n_used=len(out), excluded=excluded)


def _check_summary(summary: pd.DataFrame, cols: dict[str, str | None], purpose: str) -> dict:
    """Validated columns by role (``frequency``, ``recency``, ...); ``cols`` maps each role
    to the caller's column name (None: not used)."""
    summary = _validate.frame(summary, "summary")
    cols = {role: c for role, c in cols.items() if c is not None}
    _validate.columns(summary, list(cols.values()), purpose, "summary")
    v = {role: _validate.numeric(summary, c, lo=0, allow_missing=False, purpose=purpose)
         .to_numpy() for role, c in cols.items()}
    bad = v["frequency"] != np.round(v["frequency"])
    if bad.any():
        raise ValueError(f"column {cols['frequency']!r} has {int(bad.sum())} non-integer "
                         f"count(s) (e.g. {_validate.shown(v['frequency'][bad][0])}); "
                         f"frequency counts repeat uses: give whole numbers")
    if "weights" in v and not (v["weights"] > 0).any():
        # nothing to fit: the optimiser would return its starting values as estimates
        raise ValueError(f"column {cols['weights']!r} is 0 in all {len(summary)} rows; the "
                         f"weights count members per pattern: give at least one a weight")
    return v


def _arrays(whole: tuple[str, ...] = (), **given) -> list[np.ndarray]:
    """Members' histories or times passed to a fitted model's predictions, as numbers of one
    shape (the formulas would return a number for text, negative or missing values, and
    broadcast arguments of different lengths); ``whole`` names the counts."""
    out = [_validate.numbers(v, name, whole="it counts uses or periods" if name in whole
                             else None) for name, v in given.items()]
    try:
        return list(np.broadcast_arrays(*out))
    except ValueError:
        shapes = ", ".join(f"{n} {np.shape(a)}" for n, a in zip(given, out, strict=True))
        raise ValueError(f"the arguments have different lengths ({shapes}); give one value per "
                         f"member in each (or one value for all)") from None


def _bgnbd_consistent(x, tx, t, names: tuple[str, str, str]) -> None:
    """A BG/NBD history is possible: the last use within the time observed, recency 0
    exactly when there is no repeat use (for the fit and for its predictions alike)."""
    frequency, recency, T = (repr(n) for n in names)
    late = tx > t + 1e-9
    if late.any():
        raise ValueError(f"{int(late.sum())} row(s) have {recency} > {T} (the last use after "
                         f"the end of observation); recency and T must share an origin and "
                         f"unit: correct those rows")
    bad = (x == 0) & (tx > 0)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} row(s) have {frequency} 0 but {recency} > 0; "
                         f"with no repeat use recency must be 0: correct those rows")
    bad = (x > 0) & (tx <= 0)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} row(s) have repeat uses but recency 0; recency is "
                         f"the time of the last repeat use")


def _bgbb_consistent(x, tx, n, names: tuple[str, str, str]) -> None:
    """A BG/BB history is possible: the last use within the periods observed, no more uses
    than opportunities up to it, recency 0 when there is no use."""
    frequency, recency, periods = (repr(c) for c in names)
    if (tx > n).any():
        raise ValueError(f"{int((tx > n).sum())} row(s) have {recency} > {periods} (the "
                         f"last use after the last period); correct those rows")
    if (x > tx).any():
        raise ValueError(f"{int((x > tx).sum())} row(s) have {frequency} > {recency} "
                         f"(more uses than opportunities up to the last use); correct those "
                         f"rows")
    if ((x == 0) & (tx > 0)).any():
        raise ValueError(f"{int(((x == 0) & (tx > 0)).sum())} row(s) have {frequency} 0 but "
                         f"{recency} > 0; with no repeat use recency must be 0: correct "
                         f"those rows")


@dataclass(frozen=True, repr=False)
class BGNBDResult(Result):
    """A fitted BG/NBD model: ``r``, ``alpha`` (Gamma heterogeneity of the use rate, per time
    unit), ``a``, ``b`` (Beta heterogeneity of the dropout probability), their standard
    errors in ``se``, the maximised ``loglik`` and ``n``."""

    r: float
    alpha: float
    a: float
    b: float
    loglik: float
    n: int
    se: pd.Series
    converged: bool = True  # the closing Newton steps reached the optimum (1e-9 relative)
    iterations: int = 0  # Newton steps after the quasi-Newton optimiser

    def __repr__(self) -> str:
        return (f"BGNBDResult(r={self.r:.4g}, alpha={self.alpha:.4g}, a={self.a:.4g}, "
                f"b={self.b:.4g}, loglik={self.loglik:.2f}, n={self.n})")

    def to_frame(self) -> pd.DataFrame:
        """Parameter estimates with standard errors."""
        est = pd.Series({"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b})
        return pd.DataFrame({"estimate": est, "se": self.se})

    def p_alive(self, frequency, recency, T) -> np.ndarray:
        """P(still active | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) *
        ((alpha + T) / (alpha + t_x))^(r + x))  (FHL 2005, eq. 11).

        Parameters
        ----------
        frequency, recency, T : array-like
            Each member's repeat uses, time of the last use and time observed.

        Returns
        -------
        ndarray
            Probability that each member is still active.
        """
        x, tx, t = _arrays(("frequency",), frequency=frequency, recency=recency, T=T)
        _bgnbd_consistent(x, tx, t, ("frequency", "recency", "T"))
        r, al, a, b = self.r, self.alpha, self.a, self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(a / (b + x - 1)) + (r + x) * (np.log(al + t) - np.log(al + tx))
        return np.where(x > 0, special.expit(-log_ratio), 1.0)

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected repeat uses in (0, t] for a new member (FHL 2005, eq. 9).

        Parameters
        ----------
        t : array-like
            Lengths of time.

        Returns
        -------
        ndarray
        """
        (t,) = _arrays(t=t)
        r, al, a, b = self.r, self.alpha, self.a, self.b
        hyp = special.hyp2f1(r, b, a + b - 1, t / (al + t))
        # (+ 0.0: at t = 0 the product is 0 times a negative factor when a < 1, printed "-0")
        return (a + b - 1) / (a - 1) * (1 - (al / (al + t)) ** r * hyp) + 0.0

    def conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected repeat uses in the next ``t`` for members with history (x, t_x, T)
        (FHL 2005, eq. 10).

        Parameters
        ----------
        t : float
            Length of the future period.
        frequency, recency, T : array-like
            Each member's history.

        Returns
        -------
        ndarray
        """
        t, x, tx, tt = _arrays(("frequency",), t=t, frequency=frequency, recency=recency,
                               T=T)
        _bgnbd_consistent(x, tx, tt, ("frequency", "recency", "T"))
        r, al, a, b = self.r, self.alpha, self.a, self.b
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (al + tt + t))
        num = (a + b + x - 1) / (a - 1) * (1 - ((al + tt) / (al + tt + t)) ** (r + x) * hyp)
        return num * self.p_alive(x, tx, tt) + 0.0  # (no "-0" at t = 0, as above)

    def probability_of_n(self, t, n: int) -> np.ndarray:
        """P(X(t) = n) for a member observed for ``t`` (FHL 2005, eq. 8).

        Parameters
        ----------
        t : array-like
            Lengths of time observed.
        n : int
            Number of repeat uses.

        Returns
        -------
        ndarray
        """
        (t,) = _arrays(t=t)
        n = _validate.positive_int(n, "n", minimum=0)
        r, al, a, b = self.r, self.alpha, self.a, self.b
        q = t / (al + t)
        first = np.exp(special.betaln(a, b + n) - special.betaln(a, b)
                       + special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1)
                       # q^n: 1 at q = 0 when n = 0 (no use in no time), else 0
                       + r * np.log(al / (al + t)) + special.xlogy(n, q))
        if n == 0:
            return first
        # (al / (al + t))^r sum_{j<n} Gamma(r + j) / (Gamma(r) j!) q^j is the probability of
        # fewer than n uses under the gamma-Poisson mixture, a negative binomial: scipy's CDF
        # (a regularized incomplete beta) costs the same for any n, where the sum took n terms
        # and n floats of memory
        below = stats.nbinom.cdf(n - 1, r, al / (al + t))
        second = np.exp(special.betaln(a + 1, b + n - 1) - special.betaln(a, b)) * (1 - below)
        return first + second


def _bgnbd_ll_grad(theta, x, tx, T, w, ux=None, inv=None):
    """Log-likelihood and gradient (w.r.t. log parameters) of the BG/NBD model.

    Each member's likelihood is the sum of two terms, "still active at T" and "dropped out
    after the last use": L = A2 + A3 with log A3 - log A2 = G(x) - (r + x) log((al + tx) /
    (al + T)). Everything that depends on the count x alone (gamma and digamma functions)
    is computed once per distinct count and summed with the members' weights per count, so
    a step costs two logarithms, one gather and a few products per member.
    """
    r, al, a, b = np.exp(theta)
    if ux is None:  # few distinct counts: special functions of x are computed once each
        ux, inv = np.unique(x, return_inverse=True)
    w_u = np.bincount(inv, weights=w, minlength=ux.size)  # members per distinct count
    pos_u = ux > 0
    lb = special.betaln(a, b)
    b2 = special.betaln(a, b + ux) - lb  # log of A2's beta part
    with np.errstate(invalid="ignore", divide="ignore"):
        b3 = np.where(pos_u, special.betaln(a + 1, np.maximum(b + ux - 1, 1e-300)) - lb,
                      -np.inf)
    l_t, l_tx = np.log(al + T), np.log(al + tx)
    rx = r + x
    with np.errstate(invalid="ignore"):
        gap = (b3 - b2)[inv] - rx * (l_tx - l_t)  # log A3 - log A2 (-inf without repeats)
    wt = special.expit(gap)  # posterior weight of "dropped out after the last use"
    dg = special.digamma
    lg_u = special.gammaln(r + ux) - special.gammaln(r)
    sw = w.sum()
    ll = (w_u @ (lg_u + b2) + sw * r * np.log(al) - w @ (rx * l_t)
          + w @ np.logaddexp(0.0, gap))
    ww = w * wt
    d_r = (w_u @ (dg(r + ux) - dg(r)) + sw * np.log(al) - w @ l_t + ww @ (l_t - l_tx))
    d_al = sw * r / al - w @ (rx * ((1 - wt) / (al + T) + wt / (al + tx)))
    d2_a = dg(a + b) - dg(a + b + ux)
    d_a = w_u @ d2_a + (dg(a + 1) - dg(a)) * ww.sum()
    d2_b = dg(b + ux) - dg(a + b + ux) - dg(b) + dg(a + b)
    with np.errstate(invalid="ignore"):
        d3_b = dg(np.maximum(b + ux - 1, 1e-300)) - dg(a + b + ux) - dg(b) + dg(a + b)
    ww_u = np.bincount(inv, weights=ww, minlength=ux.size)
    d_b = w_u @ d2_b + ww_u @ np.where(pos_u, d3_b - d2_b, 0.0)
    grad = np.array([d_r * r, d_al * al, d_a * a, d_b * b])
    return float(ll), grad


def fit_bgnbd(summary: pd.DataFrame, frequency: str = "frequency", recency: str = "recency",
              T: str = "T", weights: str | None = None) -> BGNBDResult:
    """Fit the BG/NBD model by maximum likelihood.

    Parameters
    ----------
    summary : DataFrame
        ``frequency`` (repeat uses), ``recency`` (time of the last use since the first) and
        ``T`` (time since the first use), e.g. from :func:`rfm_summary`.
    frequency, recency, T : str
        Column names.
    weights : str, optional
        Column counting members with each pattern; a named column that is missing is an
        error.

    Returns
    -------
    BGNBDResult

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.
    """
    v = _check_summary(summary, {"frequency": frequency, "recency": recency, "T": T,
                                 "weights": weights}, "a BG/NBD fit")
    _bgnbd_consistent(v["frequency"], v["recency"], v["T"], (frequency, recency, T))
    x, tx, T = v["frequency"], v["recency"], v["T"]
    w = v["weights"] if weights else np.ones_like(x)
    if x.sum() == 0:
        raise ValueError("no member has a repeat use; the BG/NBD model cannot be fitted")

    n_members = int(w.sum())
    # members with the same (frequency, recency, T) share their likelihood: one row per
    # pattern, weighted (with uses dated to the day, a million members have about 600,000)
    pattern = pd.DataFrame({"x": x, "tx": tx, "T": T, "w": w}).groupby(
        ["x", "tx", "T"], sort=True)["w"].sum()
    if len(pattern) < 0.9 * len(x):
        x, tx, T = (pattern.index.get_level_values(k).to_numpy(float) for k in ("x", "tx", "T"))
        w = pattern.to_numpy(float)
    ux, inv = np.unique(x, return_inverse=True)

    def f(theta):
        ll, g = _bgnbd_ll_grad(theta, x, tx, T, w, ux, inv)
        return -ll, -g

    best = None
    for start in ([0.0, np.log(max(T.mean(), 1e-3)), 0.0, 0.0], [np.log(0.5), 0.0, 0.0, 1.0]):
        res = optimize.minimize(f, start, jac=True, method="L-BFGS-B",
                                bounds=[(-10, 10)] * 4)
        if best is None or res.fun < best.fun:
            best = res
    # L-BFGS-B stops on a relative change of the log-likelihood, which at a million members
    # leaves the flat direction (b) about 1e-5 from the optimum: polish with Newton steps on
    # the observed information (central differences of the analytic gradient, 8
    # evaluations), which also gives the standard errors
    def fgh(th):
        val, grad = f(th)
        return val, grad, _stats.hessian_from_gradient(lambda v: f(v)[1], th)

    theta, fun, hess, converged, iterations = _newton.polish(fgh, best.x)
    est = np.exp(theta)
    se = _stats.se_from_hessian(hess, est)
    _warn_unconverged("BG/NBD", converged, iterations)
    return BGNBDResult(r=float(est[0]), alpha=float(est[1]), a=float(est[2]), b=float(est[3]),
                       loglik=float(-fun), n=n_members,
                       se=pd.Series(se, index=["r", "alpha", "a", "b"], name="se"),
                       converged=converged, iterations=iterations)


def simulate_bgnbd(r: float, alpha: float, a: float, b: float, T: np.ndarray, *,
                   holdout: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Simulate repeat use from the BG/NBD model (for checks and teaching).

    Parameters
    ----------
    r, alpha, a, b : float
        Model parameters (see :class:`BGNBDResult`).
    T : array of float
        Observation length of each member (one member per entry).
    holdout : float
        Length of a hold-out period after T.
    seed : int
        Seed of the random draws.

    Returns
    -------
    DataFrame
        ``frequency``, ``recency``, ``T`` and ``holdout_frequency``, one row per member.
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    n = T.size
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    j = rng.geometric(p)  # the repeat use after which the member drops out
    k = rng.poisson(lam * T)
    x = np.minimum(j, k)
    tx = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(k - x + 1, 1)), 0.0)
    alive = k < j
    hold = np.where(alive, np.minimum(rng.poisson(lam * holdout), j - k), 0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T, "holdout_frequency": hold})


@dataclass(frozen=True, repr=False)
class BGBBResult(Result):
    """A fitted BG/BB model: ``alpha``, ``beta`` (Beta heterogeneity of the per-opportunity
    use probability), ``gamma``, ``delta`` (Beta heterogeneity of the dropout probability),
    standard errors ``se``, ``loglik`` and ``n``."""

    alpha: float
    beta: float
    gamma: float
    delta: float
    loglik: float
    n: int
    se: pd.Series
    converged: bool = True  # the closing Newton steps reached the optimum (1e-9 relative)
    iterations: int = 0  # Newton steps after the quasi-Newton optimiser

    def __repr__(self) -> str:
        return (f"BGBBResult(alpha={self.alpha:.4g}, beta={self.beta:.4g}, "
                f"gamma={self.gamma:.4g}, delta={self.delta:.4g}, loglik={self.loglik:.2f}, "
                f"n={self.n})")

    def to_frame(self) -> pd.DataFrame:
        """Parameter estimates with standard errors."""
        est = pd.Series({"alpha": self.alpha, "beta": self.beta, "gamma": self.gamma,
                         "delta": self.delta})
        return pd.DataFrame({"estimate": est, "se": self.se})

    def p_alive(self, frequency, recency, periods) -> np.ndarray:
        """P(still active after ``periods`` opportunities | x, t_x) (FHS 2010, eq. 11).

        Parameters
        ----------
        frequency, recency, periods : array-like
            Opportunities used, the last one used and the opportunities observed.

        Returns
        -------
        ndarray
        """
        x, tx, n = _arrays(("frequency", "recency", "periods"), frequency=frequency,
                           recency=recency, periods=periods)
        _bgbb_consistent(x, tx, n, ("frequency", "recency", "periods"))
        al, be, ga, de = self.alpha, self.beta, self.gamma, self.delta
        alive = (special.betaln(al + x, be + n - x) - special.betaln(al, be)
                 + special.betaln(ga, de + n + 1) - special.betaln(ga, de))
        return np.exp(alive - _bgbb_loglik_rows(al, be, ga, de, x, tx, n))


class _BGBBTerms:
    """The terms of the BG/BB likelihood (FHS 2010, eq. 5) for a set of patterns: per
    pattern, "alive through n" and "dropped after t_x + i" for i < n - t_x, each a sum of
    log B(alpha + c1, beta + c2) + log B(gamma + c3, delta + c4) less the two normalisers.
    All (pattern, term) pairs sit in flat arrays, so the log-sum-exp per pattern and its
    exact gradient (softmax-weighted digamma differences) are a few vector operations."""

    def __init__(self, x, tx, n):
        x, tx, n = (np.asarray(v, dtype=float).ravel() for v in (x, tx, n))
        m = (n - tx).astype(int)  # dropout terms per pattern
        self.k = len(x)
        self.group = np.repeat(np.arange(self.k), m + 1)
        self.start = np.r_[0, np.cumsum(m + 1)[:-1]]
        i = np.arange(len(self.group)) - self.start[self.group] - 1  # -1: the alive term
        g = self.group
        alive = i < 0
        self.c1 = x[g]
        self.c2 = np.where(alive, n[g] - x[g], tx[g] - x[g] + i)
        self.c3 = np.where(alive, 0.0, 1.0)
        self.c4 = np.where(alive, n[g], tx[g] + i)

    def loglik_rows(self, al, be, ga, de, grad: bool = False):
        t = (special.betaln(al + self.c1, be + self.c2) + special.betaln(ga + self.c3,
                                                                         de + self.c4)
             - special.betaln(al, be) - special.betaln(ga, de))
        top = np.maximum.reduceat(t, self.start)
        e = np.exp(t - top[self.group])
        total = np.bincount(self.group, weights=e, minlength=self.k)
        rows = top + np.log(total)
        if not grad:
            return rows
        share = e / total[self.group]  # softmax within each pattern
        ab, gd = al + be, ga + de
        s1 = al + be + self.c1 + self.c2
        s2 = ga + de + self.c3 + self.c4
        d = np.stack([special.digamma(al + self.c1) - special.digamma(s1)
                      - special.digamma(al) + special.digamma(ab),
                      special.digamma(be + self.c2) - special.digamma(s1)
                      - special.digamma(be) + special.digamma(ab),
                      special.digamma(ga + self.c3) - special.digamma(s2)
                      - special.digamma(ga) + special.digamma(gd),
                      special.digamma(de + self.c4) - special.digamma(s2)
                      - special.digamma(de) + special.digamma(gd)], axis=1)
        g = np.stack([np.bincount(self.group, weights=share * d[:, j], minlength=self.k)
                      for j in range(4)], axis=1)
        return rows, g


def _bgbb_loglik_rows(al, be, ga, de, x, tx, n):
    """log L per pattern (FHS 2010, eq. 5): alive through n, or dropped after t_x + i."""
    return _BGBBTerms(x, tx, n).loglik_rows(al, be, ga, de)


def fit_bgbb(summary: pd.DataFrame, frequency: str = "frequency", recency: str = "recency",
             periods: str = "periods", weights: str | None = None) -> BGBBResult:
    """Fit the BG/BB model for discrete opportunities (renewals offered, yearly events,
    donations).

    Parameters
    ----------
    summary : DataFrame
        ``frequency`` (opportunities used), ``recency`` (the last opportunity used, 0 if
        none), ``periods`` (opportunities observed) and, optionally, a weight column
        (members with this pattern, as in the donations summary).
    frequency, recency, periods : str
        Column names.
    weights : str, optional
        Column counting members with each pattern; None counts each row once. A named
        column that is missing is an error.

    Returns
    -------
    BGBBResult

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. *Marketing Science* 29(6), 1086-1108.

    Examples
    --------
    >>> from loyaltylab.datasets import load_donations
    >>> res = fit_bgbb(load_donations(), weights="weights")
    >>> [round(v, 3) for v in (res.alpha, res.beta, res.gamma, res.delta)]
    [1.204, 0.75, 0.657, 2.783]
    """
    v = _check_summary(summary, {"frequency": frequency, "recency": recency,
                                 "periods": periods, "weights": weights}, "a BG/BB fit")
    x, tx, n = v["frequency"], v["recency"], v["periods"]
    for role, col in (("recency", recency), ("periods", periods)):
        frac = v[role] != np.round(v[role])
        if frac.any():  # discrete time: a period is an opportunity, taken or not
            raise ValueError(f"column {col!r} has {int(frac.sum())} non-integer value(s) "
                             f"(e.g. {_validate.shown(v[role][frac][0])}); the BG/BB model "
                             f"counts whole periods (opportunities): give whole numbers")
    w = v["weights"] if weights is not None else np.ones_like(x)
    _bgbb_consistent(x, tx, n, (frequency, recency, periods))
    pat = pd.DataFrame({"x": x, "tx": tx, "n": n, "w": w}).groupby(
        ["x", "tx", "n"], as_index=False)["w"].sum()
    px, ptx, pn, pw = (pat[c].to_numpy(float) for c in ("x", "tx", "n", "w"))

    terms = _BGBBTerms(px, ptx, pn)

    def f(theta):
        est = np.exp(theta)
        rows, g = terms.loglik_rows(*est, grad=True)
        return -float(pw @ rows), -(pw @ g) * est  # the gradient on the log scale

    res = optimize.minimize(f, np.zeros(4), jac=True, method="L-BFGS-B",
                            bounds=[(-10, 10)] * 4)

    def fgh(th):
        # Newton steps on the exact gradient (Hessian by its central differences) pin the
        # optimum far below the printed digits, wherever L-BFGS-B stopped
        val, grad = f(th)
        return val, grad, _stats.hessian_from_gradient(lambda v: f(v)[1], th)

    theta, fun, hess, converged, iterations = _newton.polish(fgh, res.x)
    _warn_unconverged("BG/BB", converged, iterations)
    est = np.exp(theta)
    se = _stats.se_from_hessian(hess, est)
    return BGBBResult(alpha=float(est[0]), beta=float(est[1]), gamma=float(est[2]),
                      delta=float(est[3]), loglik=float(-fun), n=int(pw.sum()),
                      se=pd.Series(se, index=["alpha", "beta", "gamma", "delta"], name="se"),
                      converged=converged, iterations=iterations)


def _warn_unconverged(model: str, converged: bool, iterations: int) -> None:
    if not converged:
        warnings.warn(f"the {model} fit did not reach its optimum in {iterations} Newton "
                      "steps; the estimates may be imprecise (converged=False)",
                      RuntimeWarning, stacklevel=3)


def calibration_histogram(result: BGNBDResult, summary: pd.DataFrame,
                          frequency: str = "frequency", T: str = "T", *,
                          max_count: int = 7) -> pd.DataFrame:
    """Observed vs expected number of members with 0, 1, ..., ``max_count``+ repeat uses in
    the calibration period, the model's fit to the data it was estimated on.

    Parameters
    ----------
    result : BGNBDResult
        The fitted model.
    summary : DataFrame or TableResult
        The summary it was fitted to.
    frequency, T : str
        Column names.
    max_count : int
        The last bin holds ``max_count`` or more repeat uses.

    Returns
    -------
    DataFrame
        ``repeat_uses``, ``observed``, ``expected``.
    """
    v = _check_summary(summary, {"frequency": frequency, "T": T}, "a calibration histogram")
    x, T = v["frequency"], v["T"]
    rows = []
    for k in range(max_count):
        rows.append({"repeat_uses": str(k), "observed": int((x == k).sum()),
                     "expected": float(result.probability_of_n(T, k).sum())})
    rows.append({"repeat_uses": f"{max_count}+", "observed": int((x >= max_count).sum()),
                 "expected": float(len(x) - sum(r["expected"] for r in rows))})
    return pd.DataFrame(rows)


def expected_cumulative(result: BGNBDResult, first_use: np.ndarray,
                        grid: np.ndarray) -> np.ndarray:
    """Expected cumulative repeat uses of a whole base at each time in ``grid`` (same unit
    and origin as ``first_use``, each member's time of first use): sum_i E[X(t - first_i)].

    Parameters
    ----------
    result : BGNBDResult
        The fitted model.
    first_use : array of float
        Each member's time of first use.
    grid : array of float
        Times at which to sum.

    Returns
    -------
    ndarray
        Expected cumulative repeat uses at each grid time.
    """
    first = np.asarray(first_use, dtype=float)
    out = np.empty(len(grid))
    for k, t in enumerate(np.asarray(grid, dtype=float)):
        age = t - first
        out[k] = result.expected_purchases(age[age > 0]).sum()
    return out


def simulate_bgbb(alpha: float, beta: float, gamma: float, delta: float, n_members: int,
                  periods: int, *, seed: int = 0) -> pd.DataFrame:
    """Simulate the BG/BB model: each member uses each opportunity with probability p ~
    Beta(alpha, beta) while alive, and is alive at each new opportunity with probability
    1 - theta, theta ~ Beta(gamma, delta).

    Parameters
    ----------
    alpha, beta, gamma, delta : float
        Model parameters (see :class:`BGBBResult`).
    n_members : int
        Members to simulate.
    periods : int
        Opportunities observed.
    seed : int
        Seed of the random draws.

    Returns
    -------
    DataFrame
        The weighted summary (``frequency``, ``recency``, ``periods``, ``weights``) in the
        format of the donations data.
    """
    rng = np.random.default_rng(seed)
    p = rng.beta(alpha, beta, n_members)
    theta = rng.beta(gamma, delta, n_members)
    alive_for = np.minimum(rng.geometric(theta) - 1, periods)  # opportunities while alive
    k = np.arange(1, periods + 1)
    used = (rng.random((n_members, periods)) < p[:, None]) & (k[None, :] <= alive_for[:, None])
    x = used.sum(axis=1)
    tx = np.where(x > 0, periods - np.argmax(used[:, ::-1], axis=1), 0)
    df = pd.DataFrame({"frequency": x, "recency": tx, "periods": periods})
    return df.value_counts().rename("weights").reset_index().sort_values(
        ["frequency", "recency"], ignore_index=True)

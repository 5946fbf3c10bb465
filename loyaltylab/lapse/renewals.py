"""Periodic renewals and the value of a member: the shifted-beta-geometric (sBG) model.

Each member has a constant probability ``theta`` of lapsing at each yearly renewal; ``theta``
varies across members as Beta(alpha, beta). Heterogeneity makes the aggregate retention rate
rise with tenure (the least loyal leave first), which is why a constant-rate projection
underestimates long-run membership (Fader & Hardie 2007).

No maintained Python library fits the sBG model (lifelines has no discrete-time
contractual models, and the ``lifetimes`` package is archived), so it is written here, with
maximum likelihood on scipy and standard errors from the observed information.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from loyaltylab import _newton, _stats, _validate
from loyaltylab._results import Result


def _log_pmf(a: float, b: float, t: np.ndarray) -> np.ndarray:
    """log P(T = t) = log B(a + 1, b + t - 1) - log B(a, b), t = 1, 2, ..."""
    return special.betaln(a + 1, b + t - 1) - special.betaln(a, b)


def _log_sf(a: float, b: float, t: np.ndarray) -> np.ndarray:
    """log S(t) = log P(T > t) = log B(a, b + t) - log B(a, b)."""
    return special.betaln(a, b + t) - special.betaln(a, b)


def _loglik(a: float, b: float, lapsed_at: np.ndarray, n_lapsed: np.ndarray,
            alive_at: np.ndarray, n_alive: np.ndarray) -> float:
    return float(np.sum(n_lapsed * _log_pmf(a, b, lapsed_at))
                 + np.sum(n_alive * _log_sf(a, b, alive_at)))


def _betaln_sum(a: float, b: float, ca: np.ndarray, cb: np.ndarray, w: np.ndarray):
    """sum w log B(a + ca, b + cb), with its gradient and Hessian in (a, b) (digamma and
    trigamma: d log B(x, y) / dx = psi(x) - psi(x + y))."""
    x, y = np.broadcast_arrays(a + ca, b + cb)
    s = x + y
    ps, ts = special.digamma(s), special.polygamma(1, s)
    grad = np.array([w @ (special.digamma(x) - ps), w @ (special.digamma(y) - ps)])
    cross = -float(w @ ts)
    hess = np.array([[w @ special.polygamma(1, x) + cross, cross],
                     [cross, w @ special.polygamma(1, y) + cross]])
    return float(w @ special.betaln(x, y)), grad, hess


def _nll_log_scale(theta, lapsed_at, n_lapsed, alive_at, n_alive):
    """Negative log-likelihood of (log alpha, log beta) with its exact gradient and Hessian:
    sum over lapses of log B(a + 1, b + t - 1), over members still present of log B(a, b + t),
    less everyone's log B(a, b)."""
    a, b = np.exp(theta)
    n = n_lapsed.sum() + n_alive.sum()
    terms = [_betaln_sum(a, b, 1.0, lapsed_at - 1.0, n_lapsed),
             _betaln_sum(a, b, 0.0, alive_at, n_alive),
             _betaln_sum(a, b, 0.0, np.zeros(1), -n * np.ones(1))]
    ll = sum(t[0] for t in terms)
    g = sum(t[1] for t in terms)
    h = sum(t[2] for t in terms)
    d = np.array([a, b])
    return -ll, -d * g, -(h * np.outer(d, d) + np.diag(d * g))


def _whole(values: object, name: str, minimum: int = 0) -> np.ndarray:
    """Periods or renewal counts: a fraction would be computed as such and labelled as its
    integer part, a negative one gives an empty or meaningless curve."""
    return np.atleast_1d(_validate.numbers(values, name, minimum=minimum,
                                           whole=f"{name} are counted")).astype(int)


# a table of every period up to the last one: a million periods are 83,000 years of monthly
# renewals, and 8 MB a column; beyond it numpy's MemoryError would be the answer
MOST_PERIODS = 1_000_000


def _last(value: object, name: str, minimum: int = 0) -> int:
    a = _whole(value, name, minimum)
    if a.size != 1:
        raise ValueError(f"{name} must be one whole number (the last period), got {value!r}")
    last = int(a[0])
    if last > MOST_PERIODS:
        raise ValueError(f"{name}={last:,} asks for a table of every period up to it; give at "
                         f"most {MOST_PERIODS:,} (survival also takes a list of the periods "
                         f"wanted, e.g. survival([{last}]))")
    return last


def _discount(value: object) -> float:
    d = float(value)
    if not (np.isfinite(d) and d > 0):
        raise ValueError(f"discount must be > 0 (e.g. 0.1 for 10% a year), got {d}")
    return d


@dataclass(frozen=True, repr=False)
class SBGResult(Result):
    """A fitted shifted-beta-geometric model.

    Attributes
    ----------
    alpha, beta : float
        Beta-distribution parameters of the lapse probability (mean alpha / (alpha + beta)).
    alpha_se, beta_se : float
        Standard errors (delta method from the observed information on the log scale).
    loglik : float
        Maximised log-likelihood.
    n : int
        Members in the fit.
    converged, iterations : bool, int
        Whether the Newton steps that end the fit reached the optimum to 1e-10 (relative),
        and how many were taken.
    """

    alpha: float
    beta: float
    alpha_se: float
    beta_se: float
    loglik: float
    n: int
    observed: pd.DataFrame | None = None
    converged: bool = True
    iterations: int = 0

    def __repr__(self) -> str:
        return (f"SBGResult(alpha={self.alpha:.4g} (se {self.alpha_se:.2g}), "
                f"beta={self.beta:.4g} (se {self.beta_se:.2g}), loglik={self.loglik:.2f}, "
                f"n={self.n})")

    def to_frame(self) -> pd.DataFrame:
        """Parameter estimates with standard errors."""
        return pd.DataFrame({"estimate": [self.alpha, self.beta],
                             "se": [self.alpha_se, self.beta_se]}, index=["alpha", "beta"])

    @property
    def mean_lapse_probability(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def survival(self, periods: int | Sequence[int]) -> pd.Series:
        """S(t): the share of a cohort still members after t renewal decisions.

        Parameters
        ----------
        periods : int or sequence of int
            The last period (0..periods) or the periods wanted.

        Returns
        -------
        Series
            S(t) indexed by t.
        """
        t = (np.arange(_last(periods, "periods") + 1) if np.isscalar(periods)
             else _whole(periods, "periods"))
        return pd.Series(np.exp(_log_sf(self.alpha, self.beta, t)), index=pd.Index(t, name="t"),
                         name="survival")

    def retention_rates(self, periods: int) -> pd.Series:
        """r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), t = 1..periods.

        Parameters
        ----------
        periods : int
            The last period.

        Returns
        -------
        Series
            r(t) indexed by t = 1..periods.
        """
        t = np.arange(1, _last(periods, "periods", minimum=1) + 1)
        return pd.Series((self.beta + t - 1) / (self.alpha + self.beta + t - 1),
                         index=pd.Index(t, name="t"), name="retention_rate")

    def projection(self, periods: int) -> pd.DataFrame:
        """Observed (where known) and projected survival and retention per period.

        Parameters
        ----------
        periods : int
            The last period.

        Returns
        -------
        DataFrame
            ``survival``, ``retention_rate`` and the observed values where known.
        """
        out = pd.DataFrame({"survival": self.survival(periods)})
        out["retention_rate"] = self.retention_rates(periods).reindex(out.index)
        if self.observed is not None:
            out = out.join(self.observed, how="left")
        return out

    def expected_lifetime(self) -> float:
        """E[T] in periods (payments) for a new member; infinite when alpha <= 1.

        Returns
        -------
        float
        """
        a, b = self.alpha, self.beta
        return np.inf if a <= 1 else (a + b - 1) / (a - 1)

    def derl(self, renewals: int | Sequence[int] = 0, discount: float = 0.1) -> pd.Series:
        """Discounted expected residual lifetime of a member who has renewed ``renewals``
        times and is about to decide on the next renewal (Fader & Hardie 2010, eq. 6):

        DERL(d | n) = sum_{k >= 0} S(n + 1 + k) / S(n) / (1 + d)^k
                    = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1;
                      alpha + beta + n + 1; 1 / (1 + d)).

        Multiply by the yearly margin for the member's residual value.

        Parameters
        ----------
        renewals : int or sequence of int
            Renewals made so far.
        discount : float
            Yearly discount rate (> 0).

        Returns
        -------
        Series
            DERL indexed by renewals.
        """
        d = _discount(discount)
        n = _whole(renewals, "renewals").astype(float)
        a, b = self.alpha, self.beta
        val = (b + n) / (a + b + n) * special.hyp2f1(1, b + n + 1, a + b + n + 1, 1 / (1 + d))
        return pd.Series(val, index=pd.Index(n.astype(int), name="renewals"), name="derl")

    def member_value(self, margin: float, discount: float = 0.1,
                     renewals: int | Sequence[int] = 0) -> pd.Series:
        """Expected discounted value of a member who has just renewed ``renewals`` times and
        paid for the period: ``margin * (1 + DERL(renewals) / (1 + discount))``, the payment
        now plus the discounted residual lifetime from the next renewal on.

        Parameters
        ----------
        margin : float
            Yearly margin per member.
        discount : float
            Yearly discount rate.
        renewals : int or sequence of int
            Renewals made so far.

        Returns
        -------
        Series
            Member value indexed by renewals.
        """
        n = _whole(renewals, "renewals")
        margin = float(margin)
        if not np.isfinite(margin):
            raise ValueError(f"margin must be a finite amount per member and year, got {margin}")
        residual = self.derl(n, discount).to_numpy() / (1 + _discount(discount))
        val = margin * (1 + residual)
        return pd.Series(val, index=pd.Index(n, name="renewals"), name="member_value")

    def break_even_spend(self, margin: float, lapse_reduction: float | Sequence[float],
                         discount: float = 0.1,
                         renewals: int | Sequence[int] = 0) -> pd.DataFrame:
        """The most worth spending per member to lower the lapse probability at their next
        renewal by ``lapse_reduction`` (absolute, e.g. 0.05 = five points).

        The spending happens just before the renewal decision, so the value saved is
        ``lapse_reduction`` times the value of a member who renews (:meth:`member_value` at
        ``renewals + 1``). Spend while the cost per member is below this (spend on retention while
        the value saved exceeds the cost, as library CRM guidance puts it: N. Nagy on CRM in
        libraries, Tudományos és Műszaki Tájékoztatás 54).

        Parameters
        ----------
        margin : float
            Yearly margin per member.
        lapse_reduction : float or sequence of float
            Absolute reduction of the lapse probability at the next renewal.
        discount : float
            Yearly discount rate.
        renewals : int or sequence of int
            Renewals made so far.

        Returns
        -------
        DataFrame
            ``renewals``, ``lapse_probability``, ``lapse_reduction``, ``value_if_renewed``,
            ``break_even_spend``.
        """
        red = np.atleast_1d(np.asarray(lapse_reduction, dtype=float))
        if not ((red > 0) & (red < 1)).all():  # (NaN fails too)
            raise ValueError("lapse_reduction must be between 0 and 1 (absolute points)")
        n = _whole(renewals, "renewals")
        v = self.member_value(margin, discount, n + 1).to_numpy()
        p_lapse = self.alpha / (self.alpha + self.beta + n)
        rows = [{"renewals": int(k), "lapse_probability": float(p), "lapse_reduction": float(r),
                 "value_if_renewed": float(vk), "break_even_spend": float(r * vk)}
                for k, p, vk in zip(n, p_lapse, v, strict=True) for r in red]
        return pd.DataFrame(rows)


def _fit(lapsed_at, n_lapsed, alive_at, n_alive, observed=None) -> SBGResult:
    if n_lapsed.sum() == 0:
        raise ValueError("no member lapsed; the sBG model needs at least one lapse")
    if n_alive.sum() == 0 and np.unique(lapsed_at).size == 1:
        raise ValueError("every member lapsed at the same renewal; alpha and beta are not "
                         "identified")

    def fgh(theta):
        return _nll_log_scale(theta, lapsed_at, n_lapsed, alive_at, n_alive)

    best = None
    for start in ([0.0, 0.0], [-1.0, 1.0], [1.0, 2.0]):
        res = optimize.minimize(lambda th: fgh(th)[:2], start, jac=True, method="L-BFGS-B",
                                bounds=[(-12, 12), (-12, 12)])
        if best is None or res.fun < best.fun:
            best = res
    # L-BFGS-B stops where the last bits of the function values send it; Newton steps on the
    # exact derivatives reach the optimum to 1e-10 from wherever it stopped
    theta, fun, hess, converged, iterations = _newton.polish(fgh, best.x, xtol=1e-10)
    if np.any(np.abs(theta) > 11.5):
        raise ValueError("the sBG fit ran to the edge of the parameter space (no "
                         "heterogeneity or no lapses to speak of); check the data")
    if not converged:
        warnings.warn(f"the sBG fit did not reach its optimum in {iterations} Newton steps; "
                      "the estimates may be imprecise (converged=False)", RuntimeWarning,
                      stacklevel=3)
    a, b = np.exp(theta)
    se = _stats.se_from_hessian(hess, np.array([a, b]))
    return SBGResult(alpha=float(a), beta=float(b), alpha_se=float(se[0]), beta_se=float(se[1]),
                     loglik=float(-fun), n=int(n_lapsed.sum() + n_alive.sum()),
                     observed=observed, converged=converged, iterations=iterations)


def fit_sbg(survivors: Sequence[float]) -> SBGResult:
    """Fit the shifted-beta-geometric model to one cohort's survivor counts.

    Parameters
    ----------
    survivors : sequence of int
        Members of a cohort still members at the start of each period; the first entry is
        the cohort size (e.g. ``[1000, 869, 743, 653]``).

    Returns
    -------
    SBGResult

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. *Journal of
    Interactive Marketing* 21(1), 76-90.

    Examples
    --------
    >>> res = fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(res.alpha, 3), round(res.beta, 3)
    (0.668, 3.806)
    """
    s = np.asarray(survivors, dtype=float)
    if s.ndim != 1 or s.size < 2:
        raise ValueError("survivors needs the cohort size followed by at least one later count")
    if not np.all(np.isfinite(s)) or (s < 0).any():
        raise ValueError("survivors must be finite, non-negative counts")
    frac = np.flatnonzero(s != np.round(s))
    if frac.size:
        # shares fitted as counts would give a cohort of one member: wide, meaningless errors
        raise ValueError(f"survivors must be counts of members (whole numbers); period "
                         f"{int(frac[0])} has {s[frac[0]]:g}. Survival shares? Multiply them "
                         f"by the cohort size (e.g. [1000, 869, ...], not [1.0, 0.869, ...])")
    if s[0] == 0:
        raise ValueError("the cohort size (the first count) is 0; pass a cohort with members")
    if (np.diff(s) > 0).any():
        i = int(np.flatnonzero(np.diff(s) > 0)[0])
        raise ValueError(f"survivors increase from period {i} ({s[i]:g}) to {i + 1} "
                         f"({s[i + 1]:g}); a cohort can only shrink. Pass one cohort's counts")
    lapsed = -np.diff(s)
    t = np.arange(1, s.size)
    observed = pd.DataFrame({"observed_survival": s / s[0]},
                            index=pd.Index(np.arange(s.size), name="t"))
    observed["observed_retention"] = np.r_[np.nan, s[1:] / np.where(s[:-1] > 0, s[:-1], np.nan)]
    return _fit(t, lapsed, np.array([s.size - 1.0]), np.array([s[-1]]), observed)


def fit_sbg_records(data: pd.DataFrame, renewals: str = "renewals",
                    lapsed: str = "has_lapsed") -> SBGResult:
    """Fit the sBG model to individual renewal records from many cohorts.

    Parameters
    ----------
    data : DataFrame
        One row per member: the number of renewals made and whether the member has lapsed.
        A lapsed member with n renewals left at decision n + 1 (T = n + 1); an active member
        with n renewals is censored (T > n), as members still active at ``as_of`` are.
    renewals : str
        Column with the number of renewals made (whole numbers >= 0).
    lapsed : str
        Lapse indicator column (1/True = lapsed), e.g. a tenure table's ``has_lapsed``.

    Returns
    -------
    SBGResult
        ``observed`` holds the Kaplan-Meier-style survival per renewal for comparison.
    """
    data = _validate.frame(data)
    _validate.columns(data, [renewals, lapsed], "an sBG fit")
    n = _validate.numeric(data, renewals, lo=0, integer=True, allow_missing=False,
                          purpose="an sBG fit")
    e = _validate.numeric(data, lapsed, lo=0, hi=1, integer=True, allow_missing=False,
                          purpose="an sBG fit (lapsed must be 0/1 or bool)").astype(bool)
    lap = pd.Series(n[e] + 1).value_counts()
    alive = pd.Series(n[~e]).value_counts()
    # observed survival by renewal from the life table (handles censoring)
    tmax = int(n.max()) + 1
    # at risk of lapsing at renewal k: reached k - 1, less those still present at k - 1
    # (counted by bincount: one pass, whatever the largest count)
    whole = n.to_numpy(np.int64)
    reached = np.bincount(whole, minlength=tmax)[::-1].cumsum()[::-1]
    still = np.bincount(whole[~e.to_numpy()], minlength=tmax)
    at_risk = (reached - still)[:tmax].astype(float)
    lapses = lap.reindex(range(1, tmax + 1), fill_value=0).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        surv = np.r_[1.0, np.cumprod(1 - lapses / at_risk)]
    observed = pd.DataFrame({"observed_survival": surv},
                            index=pd.Index(np.arange(tmax + 1), name="t"))
    return _fit(lap.index.to_numpy(float), lap.to_numpy(float), alive.index.to_numpy(float),
                alive.to_numpy(float), observed)


def simulate_renewals(alpha: float, beta: float, n: int, periods: int, *,
                      seed: int = 0) -> np.ndarray:
    """Survivor counts of one simulated sBG cohort (for checks and teaching).

    Parameters
    ----------
    alpha, beta : float
        Beta distribution of the per-renewal lapse probability.
    n : int
        Cohort size.
    periods : int
        Renewal decisions to simulate.
    seed : int
        Seed of the random draws.

    Returns
    -------
    ndarray
        Members still there after 0, 1, ..., ``periods`` decisions.
    """
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, size=n)
    t = rng.geometric(theta)  # periods until lapse, >= 1
    return np.array([(t > k).sum() for k in range(periods + 1)])

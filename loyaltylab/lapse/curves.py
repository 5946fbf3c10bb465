"""Retention curves (Kaplan-Meier, via lifelines), median tenure, log-rank tests and cohort
retention tables."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.schema import JOINED, LAPSED, membership_end

_ALL = "all members"


def _durations(data: pd.DataFrame, duration: str, event: str, purpose: str
               ) -> tuple[pd.Series, pd.Series]:
    t = _validate.numeric(data, duration, lo=0, purpose=purpose,
                          allow_missing=False,  # pragma: no mutate (None is False here)
    )
    e = _validate.numeric(data, event, lo=0, hi=1, integer=True,
                          purpose=f"{purpose} (event must be 0/1 or bool)",
                          allow_missing=False,  # pragma: no mutate (None is False here)
    )
    return t, e.astype(bool)


def _entry(data: pd.DataFrame, entry: str | None, t: pd.Series, purpose: str) -> pd.Series:
    """Delayed-entry times (tenure when observation began), checked against the exits: R's
    ``Surv(entry, exit, event)`` needs entry < exit (or both 0 for no time at risk)."""
    if entry is None:
        return pd.Series(0.0, index=t.index)
    _validate.columns(data, [entry], purpose)
    en = _validate.numeric(data, entry, lo=0, purpose=purpose,
                           allow_missing=False,  # pragma: no mutate (None is False here)
    )
    bad = (en >= t) & (en > 0)
    if bad.any():
        raise ValueError(
            f"column {entry!r} has {int(bad.sum())} entry time(s) at or after the exit "
            f"(e.g. entry {en[bad].iloc[0]:g}, exit {t[bad].iloc[0]:g}): a member must come "
            f"under observation before leaving it; drop members who left before the data "
            f"window (tenure_table(observed_from=...) does)")
    return en


@dataclass(frozen=True)
class LogRankResult(Result):
    """Log-rank test of equal retention across groups (:func:`loyaltylab.lapse.logrank_test`,
    equal to R's ``survdiff``), with pairwise tests (``pairwise``: ``group_a``, ``group_b``,
    ``statistic``, ``p_value`` and the Holm-adjusted ``p_holm``)."""

    statistic: float
    df: int
    p_value: float
    pairwise: pd.DataFrame
    n: int = 0

    def __repr__(self) -> str:
        return (f"LogRankResult(chi2={self.statistic:.3f}, df={self.df}, "
                f"p_value={self.p_value:.4g})")

    def to_frame(self) -> pd.DataFrame:
        """The overall test as a one-row table."""
        return pd.DataFrame([{"test": "log-rank (overall)", "statistic": self.statistic,
                              "df": self.df, "p_value": self.p_value}])

    def summary(self) -> pd.DataFrame:
        """The overall test followed by the pairwise tests."""
        pw = self.pairwise.assign(test="log-rank (" + self.pairwise["group_a"].astype(str)
                                  + " vs " + self.pairwise["group_b"].astype(str) + ")",
                                  df=1)
        return pd.concat([self.to_frame(), pw[["test", "statistic", "df", "p_value",
                                                "p_holm"]]], ignore_index=True)


@dataclass(frozen=True, repr=False)
class RetentionCurves(Result):
    """Kaplan-Meier retention curves per group, with what a report needs.

    Attributes
    ----------
    table : DataFrame
        Tidy curve: ``group``, ``time``, ``retention``, ``ci_low``, ``ci_high``, ``at_risk``,
        ``lapsed``, ``censored`` (one row per distinct time, starting at 0).
    median_tenure : Series
        Median tenure per group (NaN when the curve never reaches 0.5).
    medians : DataFrame
        Per group: ``n``, ``lapsed``, ``median``, ``median_ci_low``, ``median_ci_high``.
    at_horizons : DataFrame
        Retention with its interval at each horizon, per group.
    fitters : dict
        The lifelines ``KaplanMeierFitter`` of each group, fitted on first access (the curves
        come from the package's own table; fitting lifelines for every call cost two thirds of
        the time).
    conf_type : str
        Scale of the intervals ("log", "log-log" or "plain").
    ci : float
        Confidence level of the bands and intervals.
    durations : DataFrame
        The rows used: ``group``, ``time``, ``event``, ``entry`` (for at-risk counts and
        tests; ``entry`` is 0 without delayed entry).
    n, n_excluded : int
        Rows used and rows left out (none here: missing values are errors; a caller that
        selects rows first, such as ``recovery_curves``, counts them).
    excluded : dict
        The rows left out, by reason (``n_excluded`` in all).
    delayed_entry : bool
        Whether the curves account for delayed entry (``entry=``).
    """

    table: pd.DataFrame
    median_tenure: pd.Series
    medians: pd.DataFrame
    at_horizons: pd.DataFrame
    conf_type: str
    ci: float
    durations: pd.DataFrame
    n: int
    n_excluded: int = 0
    delayed_entry: bool = False
    excluded: Mapping[str, int] = field(default_factory=dict)

    def __repr__(self) -> str:
        meds = ", ".join(f"{g}: {m:.3g}" for g, m in self.median_tenure.items())
        return (f"RetentionCurves({len(self.medians)} group(s), n={self.n}, "
                f"median tenure {meds})")

    def to_frame(self) -> pd.DataFrame:
        """The tidy curve table (``table``)."""
        return self.table

    @functools.cached_property
    def fitters(self) -> dict:
        """The lifelines ``KaplanMeierFitter`` of each group (fitted on first access)."""
        ll = _stats.lifelines("RetentionCurves.fitters")
        d = self.durations
        out = {}
        for level in self.medians.index:
            sub = d[d["group"] == level]
            out[level] = ll.KaplanMeierFitter(alpha=1 - self.ci).fit(
                sub["time"], sub["event"], entry=sub["entry"] if self.delayed_entry else None,
                label=str(level))
        return out

    def summary(self) -> pd.DataFrame:
        """Per group: members, lapses and median tenure with its interval."""
        return self.medians.reset_index()

    def at_risk(self, times: Sequence[float]) -> pd.DataFrame:
        """Members still at risk at each time (under observation: entry < t <= tenure),
        one row per group.

        Parameters
        ----------
        times : sequence of float
            Times in the unit of the durations.

        Returns
        -------
        DataFrame
            Indexed by group, one column per time.
        """
        d = self.durations
        times = _validate.times(times)
        rows = {}
        for g in self.medians.index:
            part = d[d["group"] == g]
            rows[g] = [int(((part["time"] >= t) & ((part["entry"] < t) | (t <= 0))).sum())
                       for t in times]
        # (pandas reads orient in any case)
        return pd.DataFrame.from_dict(rows, orient="index", columns=times)  # pragma: no mutate

    def restricted_mean(self, horizon: float, *, ci: float | None = None) -> pd.DataFrame:
        """Restricted mean tenure: the average time a member stays within ``horizon``.

        The area under each Kaplan-Meier curve from 0 to ``horizon``, with the standard error
        of R's ``print(survfit(...), rmean=horizon)``:
        var = sum over lapse times t_i <= horizon of A_i^2 d_i / (n_i (n_i - d_i)), where
        A_i is the area under the curve from t_i to ``horizon``. Unlike the median it exists
        when fewer than half have lapsed, and it reads as time: "members stay 3.2 of their
        first 5 years on average".

        Parameters
        ----------
        horizon : float
            End of the window, in the unit of the durations.
        ci : float, optional
            Confidence level of the normal interval (default: the curves' level).

        Returns
        -------
        DataFrame
            One row per group: ``horizon``, ``n`` (members), ``restricted_mean``, ``se``,
            ``ci_low``, ``ci_high``.

        Examples
        --------
        >>> d = pd.DataFrame({"t": [1, 2, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0, 1]})
        >>> retention_curves(d, "t", "e").restricted_mean(4)[["restricted_mean", "se"]]
                     restricted_mean        se
        group
        all members         2.944444  0.469765
        """
        horizon = float(horizon)
        if not np.isfinite(horizon) or horizon <= 0:
            raise ValueError(f"horizon must be a positive time, got {horizon}")
        level = self.ci if ci is None else _validate.probability(ci, "ci")
        z = _stats.z_value(level)
        rows = []
        # (the table's columns are float and its groups plain labels, in the curves' order)
        groups = self.table.groupby("group", sort=False)  # pragma: no mutate (None is False)
        for g, part in groups:
            mean, var = _rmean(part["time"].to_numpy(), part["retention"].to_numpy(),
                               part["at_risk"].to_numpy(), part["lapsed"].to_numpy(), horizon)
            se = float(np.sqrt(var))
            rows.append({"group": g, "horizon": horizon, "n": int(self.medians.at[g, "n"]),
                         "restricted_mean": mean, "se": se, "ci_low": mean - z * se,
                         "ci_high": mean + z * se})
        return pd.DataFrame(rows).set_index("group")

    def restricted_mean_difference(self, horizon: float, *, ci: float | None = None
                                   ) -> pd.DataFrame:
        """Differences in restricted mean tenure between every pair of groups.

        Independent groups: the variance of a difference is the sum of the variances; the
        z-test p-values are also given Holm-adjusted for the number of pairs.

        Parameters
        ----------
        horizon : float
            End of the window, in the unit of the durations.
        ci : float, optional
            Confidence level (default: the curves' level).

        Returns
        -------
        DataFrame
            ``group_a``, ``group_b``, ``difference`` (a minus b), ``se``, ``ci_low``,
            ``ci_high``, ``p_value``, ``p_holm``.
        """
        z = _stats.z_value(self.ci if ci is None else _validate.probability(ci, "ci"))
        rm = self.restricted_mean(horizon)  # (its means and standard errors)
        if len(rm) < 2:
            raise ValueError("a difference needs at least two groups; pass by=<column> to "
                             "retention_curves")
        rows = []
        names = list(rm.index)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                diff = rm.at[a, "restricted_mean"] - rm.at[b, "restricted_mean"]
                se = float(np.hypot(rm.at[a, "se"], rm.at[b, "se"]))
                rows.append({"group_a": a, "group_b": b, "difference": diff, "se": se,
                             "ci_low": diff - z * se, "ci_high": diff + z * se,
                             "p_value": float(2 * stats.norm.sf(abs(diff) / se))})
        out = pd.DataFrame(rows)
        out["p_holm"] = _stats.holm(out["p_value"])
        return out

    def compare(self) -> LogRankResult:
        """Log-rank test of equal retention across groups, overall and pairwise.

        Pairwise p-values are also given Holm-adjusted for the number of pairs.
        """
        d = self.durations
        groups = d["group"]
        if self.delayed_entry:
            raise ValueError(
                "the log-rank test here (as R's survdiff) has no delayed entry; compare "
                "groups with fit_lapse_model(..., entry=...) and its test of the group effect")
        if groups.nunique() < 2:
            raise ValueError(
                "a log-rank test needs at least two groups; pass by=<column> with two or "
                "more groups to retention_curves")
        from loyaltylab.lapse.logrank import logrank_test

        res = logrank_test(pd.DataFrame({"time": d["time"], "event": d["event"],
                                         "group": groups}), "time", "event", "group")
        overall = res.iloc[0]
        pw = res[res["test"] == "pair"][["group_a", "group_b", "statistic", "p_value",
                                          "p_holm"]].reset_index(drop=True)
        return LogRankResult(statistic=float(overall["statistic"]), df=int(overall["df"]),
                             p_value=float(overall["p_value"]), pairwise=pw, n=len(d))


def _group_rows(g: pd.Series) -> list[tuple[object, np.ndarray]]:
    """Each group's level and row positions, in the order of its categories (else sorted),
    found in one pass: comparing a column of ten million labels with each level in turn
    took more time than the curves."""
    # sorting a categorical follows its categories (unused ones are left out)
    codes, uniques = pd.factorize(g, sort=True)
    missing = int((codes < 0).sum())
    if missing:
        raise ValueError(f"column {g.name!r} has {missing} missing group(s); fill them (e.g. "
                         f"'unknown') or drop those rows")
    # a pass per group over integer codes beats a stable sort (a speed switch: both paths
    # give the same rows, and the tests cross it)
    if len(uniques) <= 64:  # pragma: no mutate
        return [(uniques[k], np.flatnonzero(codes == k)) for k in range(len(uniques))]
    rows = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(uniques)))]
    return [(uniques[k], rows[bounds[k]:bounds[k + 1]]) for k in range(len(uniques))]


def _distinct(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(t, return_inverse=True)`` by hashing, then sorting only the distinct
    values: tenures in days have a few thousand distinct values among millions of members,
    and sorting all of them was most of the time of a curve."""
    codes, uniq = pd.factorize(t)
    # (distinct values: every sort gives the one order; stable by the house rule)
    order = np.argsort(uniq, kind="stable")  # pragma: no mutate
    rank = np.empty(order.size, np.intp)
    rank[order] = np.arange(order.size)
    return np.asarray(uniq)[order], rank[codes]


def _tallies(t: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct exit times with the rows and the lapses at each, from two sorts of plain
    values (no per-row index): numpy's SIMD sorts beat hashing when most tenures are
    distinct, and are as fast with daily ones."""
    ts = np.sort(t)
    first = np.ones(ts.size, bool)
    first[1:] = ts[1:] != ts[:-1]
    times = ts[first]
    rows = np.diff(np.r_[np.flatnonzero(first), ts.size])
    d = np.bincount(np.searchsorted(times, np.sort(t[event])), minlength=times.size)
    return times, rows, d


def _at_risk_and_curve(times, rows, d, n_rows, entry):
    """Members at risk at each time and the curve just after it."""
    # (numpy's astype(None) is float too: equivalent mutants)
    d = d.astype(float)  # pragma: no mutate
    n = n_rows - np.r_[0, np.cumsum(rows)[:-1]].astype(float)  # pragma: no mutate
    if entry is not None:  # minus those not yet under observation at each time
        n = n - (len(entry) - np.searchsorted(np.sort(entry), times))  # entry >= time
    # no one at risk and no lapse (e.g. time 0 with delayed entry): the curve stays (d is 0
    # wherever n is)
    s = np.cumprod(1 - d / np.maximum(n, 1.0))
    return d, n, s


def _risk_sets(t: np.ndarray, event: np.ndarray, entry: np.ndarray | None = None):
    """The Kaplan-Meier building blocks shared by the curves, the cumulative incidence and the
    PH test: distinct exit times, each row's time index, lapses and members at risk at each
    time, and the curve just after each time.

    With ``entry`` (delayed entry, left truncation) a member is at risk at time s when
    entry < s <= exit, as in R's ``Surv(entry, exit, event)``."""
    times, inv = _distinct(t)
    # every distinct time is some row's: the counts have one entry per time
    d, n, s = _at_risk_and_curve(times, np.bincount(inv), np.bincount(inv, weights=event),
                                 len(t), entry)
    return times, inv, d, n, s


def _km_table(t: np.ndarray, e: np.ndarray, z: float, conf_type: str,
              entry: np.ndarray | None = None) -> pd.DataFrame:
    """Kaplan-Meier estimate with Greenwood variance and R-compatible intervals."""
    times, rows, d = _tallies(t, e)
    d, n, s = _at_risk_and_curve(times, rows, d, len(t), entry)
    c = rows - d
    # (log-log: log 0 where retention is 0 and 0 / 0 where it is 1, both replaced below.
    # test_the_curves_say_nothing_of_their_own_arithmetic fails without this line when run
    # by hand on the mutant, but mutmut's runner does not surface numpy's warnings)
    with np.errstate(divide="ignore", invalid="ignore"):  # pragma: no mutate
        # Greenwood's sum; where everyone left lapses the curve is 0 and shows no band, and
        # where no one is at risk yet (time 0 with delayed entry) nothing is added
        green = np.cumsum(d / np.where(n > d, n * (n - d), np.inf))
        se = np.sqrt(green)
        if conf_type == "log":  # R survfit's default: exp(log S +- z se)
            lo, hi = s * np.exp(-z * se), np.minimum(s * np.exp(z * se), 1.0)
        elif conf_type == "log-log":  # lifelines' and Stata's default
            theta = z * se / np.log(s)
            lo, hi = s ** np.exp(-theta), s ** np.exp(theta)
        else:  # plain
            # (the band holds the curve: only its outer ends need cutting to [0, 1])
            lo, hi = np.maximum(s - z * se * s, 0.0), np.minimum(s + z * se * s, 1.0)
    # retention 0: R has no band (NA); every band above gives the curve itself there, [0, 0]
    # (log-log: 0 ** 1, as log 0 makes theta -0) (at 1, the log-log band is 1 ** nan = 1, R's
    # NA too)
    n0 = float(len(t) if entry is None else (entry <= 0).sum())
    first = pd.DataFrame({"time": [0.0], "retention": [1.0], "ci_low": [1.0], "ci_high": [1.0],
                          "at_risk": [n0], "lapsed": [0.0], "censored": [0.0]})
    body = pd.DataFrame({"time": times, "retention": s, "ci_low": lo, "ci_high": hi,
                         "at_risk": n, "lapsed": d, "censored": c})
    if times.size and times[0] == 0:
        return body
    return pd.concat([first, body])  # (read by position; the curves' table is re-indexed)


def _rmean(time: np.ndarray, surv: np.ndarray, n: np.ndarray, d: np.ndarray,
           horizon: float) -> tuple[float, float]:
    """Area under a Kaplan-Meier step curve up to ``horizon`` and its variance (the formula
    of R survival's ``survmean``; no library offers it for a fitted curve: lifelines'
    ``restricted_mean_survival_time`` integrates numerically and its variance is not this)."""
    # the table starts with its time-0 row, so the area starts at 0; a row at the horizon
    # adds width 0 and leaves no area after it (< and <= give the same)
    keep = time <= horizon  # pragma: no mutate
    t, s, nn, dd = time[keep], surv[keep], n[keep], d[keep]
    widths = np.diff(np.r_[t, horizon])
    pieces = s * widths
    mean = float(pieces.sum())
    area = np.cumsum(pieces[::-1])[::-1]  # A_i: the area from t_i to the horizon
    # a term where someone lapses and area is left: where everyone left lapses (n = d) the
    # curve is 0 from there on and so is A_i (R's 0 term); with delayed entry no one may be
    # at risk yet (n = 0, d = 0)
    terms = np.divide(area ** 2 * dd, nn * (nn - dd), out=np.zeros(len(area)),
                      where=(dd > 0) & (area > 0))
    return mean, float(terms.sum())


def _quantile_time(time: np.ndarray, curve: np.ndarray, p: float = 0.5) -> float:
    """The time a curve (or a band) first reaches ``p``, as R survival's ``findq``
    (``quantile.survfit``): where it sits at ``p`` (within sqrt(eps)) the midpoint between
    the time it gets there and the time it next drops (not the next censoring time), or the
    last time when it never drops again; NaN (a band where retention is 0, R's NA) is
    skipped, and NaN when the curve never reaches ``p``."""
    tol = np.sqrt(np.finfo(float).eps)
    x, y = np.asarray(time, float), 1.0 - np.asarray(curve, float)  # pragma: no mutate
    if np.isnan(y).all():  # (a curve that never reaches p is found below: i1 is None)
        return np.nan
    x_max, q = x[-1], 1.0 - p
    first = ~pd.Series(y).duplicated().to_numpy()  # a flat stretch from its first time
    x, y = x[first], y[first]
    known = np.flatnonzero(~np.isnan(y))

    def reached(shift: float) -> int | None:
        j = np.flatnonzero(y[known] + shift >= q)  # pragma: no mutate (> differs at 1 ulp)
        return int(known[j[0]]) if j.size else None

    i1, i2 = reached(tol), reached(-tol)
    if i1 is None:
        return np.nan
    # (a NaN last value fails the comparison; < and <= differ only at exactly tol)
    if abs(q - y[-1]) < tol:  # pragma: no mutate
        return float((x[i1] + x_max) / 2)
    return np.nan if i2 is None else float((x[i1] + x[i2]) / 2)


def retention_curves(
    data: pd.DataFrame,
    duration: str,
    event: str,
    by: str | None = None,
    *,
    horizons: Sequence[float] = (1, 2, 5),
    ci: float = 0.95,
    conf_type: str = "log",
    entry: str | None = None,
) -> RetentionCurves:
    """Kaplan-Meier retention curves with confidence bands, median tenure and horizons.

    Parameters
    ----------
    data : DataFrame or TenureTable
        One row per member, e.g. a :func:`~loyaltylab.lapse.tenure_table`.
    duration : str
        Tenure column (non-negative).
    event : str
        Lapse indicator (1/True = lapsed, 0/False = censored).
    by : str, optional
        Group column: one curve per group.
    horizons : sequence of float
        Times (in the unit of ``duration``) at which to report retention.
    ci : float
        Confidence level of bands and median intervals.
    conf_type : {"log", "log-log", "plain"}
        Interval on the log scale (R ``survfit``'s default), the log-minus-log scale
        (lifelines' default, never outside [0, 1]) or the plain scale.
    entry : str, optional
        Delayed entry: the tenure (same unit as ``duration``) at which each member came under
        observation, e.g. when records begin at a migration date
        (:func:`~loyaltylab.lapse.tenure_table` with ``observed_from=`` adds it). A member is
        at risk only between entry and exit, as in R's ``Surv(entry, exit, event)``; without
        it, members who joined before the data window count as at risk from joining, which
        overstates retention (they are the survivors).

    Returns
    -------
    RetentionCurves

    References
    ----------
    Kaplan & Meier (1958); Greenwood (1926); Brookmeyer & Crowley (1982) for the median
    interval (read off the pointwise bands, as R does).

    Examples
    --------
    >>> from loyaltylab import datasets, lapse
    >>> lib = datasets.load_library()
    >>> t = lapse.tenure_table(lib.members, lib.as_of)
    >>> rc = retention_curves(t.data, "tenure", "has_lapsed", by="member_type")
    >>> rc.median_tenure.round(2).tolist()
    [3.3, 3.95, 4.14, 2.33]
    """
    data = _validate.frame(data)
    cols = [duration, event] + ([by] if by is not None else [])
    _validate.columns(data, cols, "retention curves")
    _validate.one_of(conf_type, "conf_type", ["log", "log-log", "plain"])
    ci = _validate.probability(ci, "ci")
    _validate.times(horizons, "horizons")  # a negative one was read off the curve's end
    # kept as given (1, not 1.0, in the table), one or several
    horizons = list(horizons) if np.iterable(horizons) else [horizons]
    t, e = _durations(data, duration, event, "retention curves")
    en = _entry(data, entry, t, "retention curves")
    g = data[by] if by is not None else pd.Series(_ALL, index=data.index)
    groups = _group_rows(g)  # refuses missing groups (from the codes: no second pass)
    z = _stats.z_value(ci)
    durations = pd.DataFrame({"group": g.to_numpy(), "time": t.to_numpy(),
                              "event": e.to_numpy(), "entry": en.to_numpy()})
    tables, rows, hz = [], [], []
    t_all, e_all, en_all = t.to_numpy(), e.to_numpy(), en.to_numpy()  # (float, bool, float)
    for level, idx in groups:
        st, se, sen = t_all[idx], e_all[idx], en_all[idx]
        if not se.any():
            # (a UserWarning; test_lapse pins its level in a plain run: under test-mutation,
            # mutmut's trampoline adds two frames of its own. The pragma sits inside the
            # brackets, on the number's own line, where mutmut reads it)
            warnings.warn(f"group {level!r} has no lapses: its curve stays at 1 and its median "
                          f"tenure is undefined",
                          stacklevel=2,  # pragma: no mutate
            )
        tab = _km_table(st, se, z, conf_type, sen if entry is not None else None)
        tm, s = tab["time"].to_numpy(), tab["retention"].to_numpy()
        rows.append({"group": level, "n": len(idx), "lapsed": int(se.sum()),
                     "median": _quantile_time(tm, s),
                     # R has no band where retention is 0 (NA): none read there
                     "median_ci_low": _quantile_time(tm, tab["ci_low"].where(s > 0)),
                     "median_ci_high": _quantile_time(tm, tab["ci_high"].where(s > 0))})
        stops = np.unique(st)
        for h in horizons:
            i = np.searchsorted(tm, h, side="right") - 1
            beyond = h > st.max()
            # at risk as R's summary.survfit(times=) counts it: at the first exit time at or
            # after the horizon (no one enters or leaves in between); at 0, everyone present
            tau = stops[min(np.searchsorted(stops, h), len(stops) - 1)]
            hz.append({"group": level, "horizon": h,
                       "retention": np.nan if beyond else s[i],
                       "ci_low": np.nan if beyond else tab["ci_low"].iloc[i],
                       "ci_high": np.nan if beyond else tab["ci_high"].iloc[i],
                       "at_risk": 0 if beyond else int(((st >= tau) & (sen < tau)).sum())})
        tables.append(tab.assign(group=level))
    table = pd.concat(tables, ignore_index=True)
    table = table[["group", *[c for c in table.columns if c != "group"]]]
    summary = pd.DataFrame(rows).set_index("group")
    return RetentionCurves(table=table, median_tenure=summary["median"].rename("median_tenure"),
                           medians=summary, at_horizons=pd.DataFrame(hz),
                           conf_type=conf_type, ci=ci, durations=durations,
                           n=len(durations),
                           delayed_entry=entry is not None)


def cohort_table(
    members: pd.DataFrame,
    as_of: str | pd.Timestamp,
    joined: str = JOINED,
    lapsed: str = LAPSED,
    *,
    cohort_period: str = "year",
    period: str = "year",
    observed_from: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The classic cohort retention triangle: cohorts x periods since joining.

    A member counts as retained at period k if still a member k periods after joining.
    Cells a cohort has not yet reached by ``as_of`` are missing (the triangle).

    Parameters
    ----------
    members : DataFrame
        One row per member with join and lapse dates.
    as_of : date
        The date the data end (the package's membership-end rule applies).
    joined, lapsed : str
        Join-date and lapse-date columns.
    cohort_period : {"year", "quarter", "month"}
        How to group join dates into cohorts.
    period : {"year", "quarter", "month"}
        Length of a period since joining.
    observed_from : date, optional
        Start of the data window (delayed entry, e.g. a migration date). A cohort that
        began before it is seen only through the members still there at the migration, so
        its shares would be too high: its rows are kept with ``truncated`` True, no
        ``share`` and ``observable`` 0.

    Returns
    -------
    DataFrame
        Long format: ``cohort``, ``period``, ``size`` (cohort size), ``retained`` (members
        still there after ``period`` periods, among those observable), ``observable`` and
        ``share`` (and ``truncated`` with ``observed_from``). Pivot with
        ``.pivot(index="cohort", columns="period", values="share")``.

    Examples
    --------
    >>> m = pd.DataFrame({"joined": ["2020-01-01", "2020-03-01", "2021-01-01"],
    ...                   "lapsed": ["2020-06-01", None, None]})
    >>> cohort_table(m, "2022-06-30").pivot(index="cohort", columns="period", values="share")
    period    0    1    2
    cohort
    2020    1.0  0.5  0.5
    2021    1.0  1.0  NaN
    """
    members = _validate.frame(members, "members")
    freq = {"year": "Y", "quarter": "Q", "month": "M"}[
        _validate.one_of(cohort_period, "cohort_period", ["year", "quarter", "month"])]
    months = {"year": 12, "quarter": 3, "month": 1}[
        _validate.one_of(period, "period", ["year", "quarter", "month"])]
    as_of = _validate.as_of(as_of)
    span = membership_end(members, as_of, None, joined, lapsed)
    start = span["joined"]
    # a lapse after as_of is not known on as_of: the member is still there (censored)
    stop = span["end"].where(span["has_lapsed"])
    coh = start.dt.to_period(freq)
    first = start.min()
    # whole calendar months from the first join to as_of, so that a period ending exactly
    # on as_of is kept (a day count divided by an average month length loses it)
    whole = (as_of.year - first.year) * 12 + as_of.month - first.month - int(
        (as_of.day, as_of.time()) < (first.day, first.time()))
    n_max = whole // months
    rows = []
    for k in range(n_max + 1):
        mark = start + pd.DateOffset(months=months * k)  # (k = 0: the start itself)
        observable = mark <= as_of
        retained = observable & (stop.isna() | (stop > mark))
        rows.append(pd.DataFrame({"cohort": coh, "period": k, "observable": observable,
                                  "retained": retained}))
    long = pd.concat(rows)
    out = long.groupby(["cohort", "period"]).agg(  # periods and ints: no categories
        observable=("observable", "sum"), retained=("retained", "sum")).reset_index()
    sizes = coh.value_counts()
    out["size"] = out["cohort"].map(sizes).astype(np.int64)
    # A cohort reaches period k only when all its members can be followed that long.
    full = out["observable"] == out["size"]
    out["share"] = np.where(full, out["retained"] / out["size"], np.nan)
    cols = ["cohort", "period", "size", "observable", "retained", "share"]
    if observed_from is not None:
        start_obs = _validate.as_of(observed_from, "observed_from")
        trunc = out["cohort"].map(lambda p: p.start_time < start_obs).astype(bool)
        out.loc[trunc, ["observable", "retained"]] = 0
        out.loc[trunc, "share"] = np.nan  # pragma: no mutate (None is NaN in a float column)
        out["truncated"] = trunc.to_numpy()
        cols.append("truncated")
    out["cohort"] = out["cohort"].astype(str)
    return out[cols]

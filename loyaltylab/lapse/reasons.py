"""Lapse reasons (competing risks): members leave for different reasons (did not renew, moved
away, account closed by the library, died), and a member who left for one reason cannot
leave for another. The share who have left *for a given reason* by time t is the cumulative
incidence (Aalen-Johansen), not one minus a Kaplan-Meier curve that treats the other reasons
as censoring (that overstates every reason).

Written here because lifelines' ``AalenJohansenFitter`` breaks tied lapse times by random
jitter (records dated to the day are full of ties) and has no delayed entry.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.lapse._gray import gray_statistic
from loyaltylab.lapse.curves import _entry, _group_rows, _risk_sets

__all__ = ["CumulativeIncidence", "GrayTestResult", "cumulative_incidence"]

_ALL = "all members"


@dataclass(frozen=True, repr=False)
class CumulativeIncidence(Result):
    """Cumulative incidence of each lapse reason (see :func:`cumulative_incidence`).

    Attributes
    ----------
    table : DataFrame
        Tidy curves: ``group``, ``reason``, ``time``, ``incidence``, ``se``, ``ci_low``,
        ``ci_high``, ``at_risk``, ``lapsed`` (of this reason at this time); one row per
        distinct time, starting at 0.
    reasons : tuple
        The lapse reasons, in order.
    ci : float
        Confidence level of the intervals.
    counts_by_reason : DataFrame
        Members and lapses of each reason per group.
    n : int
        Members used.
    delayed_entry : bool
        Whether delayed entry was accounted for.
    durations : DataFrame
        The data behind the curves, one row per member: ``group``, ``time``, ``reason``
        (``None`` while still a member) and ``stratum`` (for :meth:`compare`).
    """

    table: pd.DataFrame
    reasons: tuple
    ci: float
    counts_by_reason: pd.DataFrame
    n: int
    delayed_entry: bool = False
    durations: pd.DataFrame | None = None

    def __repr__(self) -> str:
        groups = self.table["group"].nunique()
        return (f"CumulativeIncidence({len(self.reasons)} reason(s): "
                f"{', '.join(map(str, self.reasons))}; {groups} group(s), n={self.n})")

    def to_frame(self) -> pd.DataFrame:
        """The tidy curves (``table``)."""
        return self.table

    def summary(self) -> pd.DataFrame:
        """Members and lapses of each reason, per group."""
        return self.counts_by_reason

    def at(self, times: Sequence[float], *, ci: float | None = None) -> pd.DataFrame:
        """Cumulative incidence of each reason at chosen times, with intervals.

        Parameters
        ----------
        times : sequence of float
            Times in the unit of the durations.
        ci : float, optional
            Confidence level (default: the level the curves were computed with).

        Returns
        -------
        DataFrame
            ``group``, ``reason``, ``time``, ``incidence``, ``se``, ``ci_low``, ``ci_high``
            (missing beyond a group's longest follow-up).
        """
        times = _validate.times(times)
        rows = []
        for (g, r), part in self.table.groupby(["group", "reason"], sort=False,
                                                observed=True):
            tm = part["time"].to_numpy()
            last = float(self._last.get(g, tm.max()))
            for t in times:
                i = np.searchsorted(tm, float(t), side="right") - 1
                beyond = float(t) > last
                vals = {c: (np.nan if beyond else float(part[c].iloc[i]))
                        for c in ("incidence", "se", "ci_low", "ci_high")}
                rows.append({"group": g, "reason": r, "time": float(t), **vals})
        out = pd.DataFrame(rows)
        if ci is not None and ci != self.ci:
            out["ci_low"], out["ci_high"] = _loglog(out["incidence"].to_numpy(),
                                                    out["se"].to_numpy(),
                                                    _stats.z_value(_validate.probability(
                                                        ci, "ci")))
        return out

    def compare(self, *, rho: float = 0.0) -> GrayTestResult:
        """Gray's test of equal cumulative incidence across groups, one test per reason.

        A group can lose fewer members to one reason because it loses more to another:
        the test compares the cumulative incidences themselves (the shares who left for
        the reason), which a comparison of cause-specific hazards does not. With more than
        two groups, every pair is also tested, with Holm-adjusted p-values per reason.

        Parameters
        ----------
        rho : float
            Weight ``(1 - F(t-))**rho`` on the differences over time (R cmprsk's ``rho``):
            0 (default) weighs all times alike, positive values favour early differences,
            negative values late ones.

        Returns
        -------
        GrayTestResult
            ``.table`` (``reason``, ``statistic``, ``df``, ``p_value``) and ``.pairwise``.

        Notes
        -----
        Gray (1988), Ann. Statist. 16, 1141-1154; the statistic equals R's
        ``cuminc(time, reason, group, strata, rho)$Tests``. Stratified when
        :func:`cumulative_incidence` was given ``strata=``. Not defined with delayed
        entry (neither is cmprsk's): compare the reason's cause-specific hazards with
        ``fit_lapse_model(..., cause=reason, entry=...)`` instead.

        Examples
        --------
        >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 7],
        ...                   "why": [1, 1, 2, 1, 0, 1, 2, 1, 2, 0, 2, 1],
        ...                   "type": ["adult"] * 6 + ["student"] * 6})
        >>> cumulative_incidence(d, "t", "why", by="type").compare().table.round(3)
           reason  statistic  df  p_value
        0       1      2.941   1    0.086
        1       2      1.061   1    0.303
        """
        if self.delayed_entry:
            raise ValueError(
                "Gray's test (as R's cmprsk) has no delayed entry; compare a reason across "
                "groups with fit_lapse_model(..., cause=reason, entry=...) (cause-specific "
                "hazards), or compute the curves without entry= if every member was "
                "observed from joining")
        rho = float(rho)
        if not np.isfinite(rho):
            raise ValueError(f"rho must be a finite number, got {rho!r}")
        d = self.durations
        levels = list(self.counts_by_reason.index)
        if len(levels) < 2:
            raise ValueError("Gray's test needs at least two groups; pass by=<column> with "
                             "two or more groups to cumulative_incidence")
        # integer codes once: comparing object columns per reason and pair cost most of
        # the time at a million members
        group = pd.Categorical(d["group"], categories=levels).codes
        why = pd.Categorical(d["reason"], categories=list(self.reasons)).codes + 1
        time = d["time"].to_numpy(float)
        stratum = pd.factorize(d["stratum"])[0]
        rows, pairs = [], []
        for k, r in enumerate(self.reasons, start=1):
            cause = np.where(why == 0, 0, np.where(why == k, 1, 2))
            stat = gray_statistic(time, cause, group, len(levels), stratum, rho)[0]
            df = len(levels) - 1
            rows.append({"reason": r, "statistic": stat, "df": df,
                         "p_value": float(stats.chi2.sf(stat, df))})
            for i, j in itertools.combinations(range(len(levels)) if df > 1 else [], 2):
                m = (group == i) | (group == j)
                st = gray_statistic(time[m], cause[m], (group[m] == j).astype(int), 2,
                                    stratum[m], rho)[0]
                pairs.append({"reason": r, "group_a": levels[i], "group_b": levels[j],
                              "statistic": st, "p_value": float(stats.chi2.sf(st, 1))})
        pw = pd.DataFrame(pairs, columns=["reason", "group_a", "group_b", "statistic",
                                          "p_value"])
        pw["p_holm"] = pw.groupby("reason", sort=False)["p_value"].transform(_stats.holm)
        table = pd.DataFrame(rows)
        undefined = tuple(table.loc[table["statistic"].isna(), "reason"])
        if undefined:
            warnings.warn(
                f"Gray's test is undefined for reason(s) {', '.join(map(str, undefined))}: "
                f"its variance is singular (typically a group with no such lapse); their "
                f"statistic is NaN", RuntimeWarning, stacklevel=2)
        return GrayTestResult(table=table, pairwise=pw, rho=rho,
                              stratified=d["stratum"].nunique() > 1, n=len(d))

    @property
    def _last(self) -> dict:
        return self.counts_by_reason["last_time"].to_dict()


@dataclass(frozen=True, repr=False)
class GrayTestResult(Result):
    """Gray's test of equal cumulative incidence of each lapse reason across groups (see
    :meth:`CumulativeIncidence.compare`).

    Attributes
    ----------
    table : DataFrame
        One row per reason: ``reason``, ``statistic`` (chi-square), ``df``, ``p_value``.
    pairwise : DataFrame
        With three or more groups, every pair: ``reason``, ``group_a``, ``group_b``,
        ``statistic`` (df 1), ``p_value``, ``p_holm`` (Holm-adjusted within each reason).
        Empty with two groups.
    rho : float
        The weight's power.
    stratified : bool
        Whether scores and variances were summed over strata.
    n : int
        Members used.
    """

    table: pd.DataFrame
    pairwise: pd.DataFrame
    rho: float
    stratified: bool
    n: int

    def __repr__(self) -> str:
        parts = ", ".join(f"{r}: chi2={s:.3f} p={p:.4g}" for r, s, p in
                          self.table[["reason", "statistic", "p_value"]].itertuples(
                              index=False))
        return f"GrayTestResult(df={int(self.table['df'].iloc[0])}; {parts})"

    def to_frame(self) -> pd.DataFrame:
        """One row per reason."""
        return self.table

    def summary(self) -> pd.DataFrame:
        """The overall tests, followed by the pairwise tests."""
        pw = self.pairwise.assign(
            groups=self.pairwise["group_a"].astype(str) + " vs "
            + self.pairwise["group_b"].astype(str), df=1)
        overall = self.table.assign(groups="all")
        cols = ["reason", "groups", "statistic", "df", "p_value", "p_holm"]
        parts = [overall, pw] if len(pw) else [overall]
        return pd.concat(parts, ignore_index=True).reindex(columns=cols)


def _loglog(f: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval on the log(-log) scale, inside [0, 1]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k = z * se / (f * np.log(f))
        lo = np.where((f > 0) & (f < 1), f ** np.exp(-k), f)
        hi = np.where((f > 0) & (f < 1), f ** np.exp(k), f)
    return lo, hi


def _aj(t: np.ndarray, cause: np.ndarray, reasons: Sequence, entry: np.ndarray | None,
        z: float) -> list[pd.DataFrame]:
    """Aalen-Johansen estimate of each reason's cumulative incidence with the delta-method
    variance of Aalen (1978) as cmprsk's ``cuminc`` computes it (its correction for tied
    lapses included), and log(-log) intervals."""
    times, inv, d, n, s_after = _risk_sets(t, cause != 0, entry)
    s_before = np.r_[1.0, s_after[:-1]]

    def tie(dk):  # correction for tied lapses
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(dk > 1, 1 - (dk - 1) / (n - 1), 1.0)

    curves = []
    for r in reasons:
        dk = np.bincount(inv, weights=cause == r, minlength=times.size).astype(float)
        do = d - dk
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.cumsum(np.where(n > 0, s_before * dk / n, 0.0))
            inv_s = np.where(s_after > 0, 1 / s_after, 0.0)
            w_other = np.where((do > 0) & (s_after > 0),
                               s_before**2 * tie(do) * do / n**2, 0.0)
            w_own = np.where(dk > 0, s_before**2 * tie(dk) * dk / n**2, 0.0)
        b_other, b_own = f * inv_s, 1 + inv_s * f
        v1 = np.cumsum(b_other**2 * w_other + b_own**2 * w_own)
        v2 = np.cumsum(inv_s * b_other * w_other + inv_s * b_own * w_own)
        v3 = np.cumsum(inv_s**2 * (w_other + w_own))
        var = v1 + f**2 * v3 - 2 * f * v2
        # the variance changes only where the curve jumps
        var = pd.Series(np.where(dk > 0, var, np.nan)).ffill().fillna(0.0).to_numpy()
        se = np.sqrt(np.maximum(var, 0.0))
        lo, hi = _loglog(f, se, z)
        body = pd.DataFrame({"time": times, "incidence": f, "se": se, "ci_low": lo,
                             "ci_high": hi, "at_risk": n, "lapsed": dk})
        if times[0] != 0:
            first = pd.DataFrame({"time": [0.0], "incidence": [0.0], "se": [0.0],
                                  "ci_low": [0.0], "ci_high": [0.0],
                                  "at_risk": [float(n[0])], "lapsed": [0.0]})
            body = pd.concat([first, body], ignore_index=True)
        curves.append(body.assign(reason=r))
    return curves


def cumulative_incidence(
    data: pd.DataFrame,
    duration: str,
    reason: str,
    by: str | None = None,
    *,
    entry: str | None = None,
    strata: str | None = None,
    censored: object = 0,
    ci: float = 0.95,
) -> CumulativeIncidence:
    """Cumulative incidence of each lapse reason (Aalen-Johansen), with intervals.

    Parameters
    ----------
    data : DataFrame or TenureTable
        One row per member.
    duration : str
        Tenure column (non-negative).
    reason : str
        Why the member left: ``censored`` (default 0) while still a member, otherwise a
        reason code or label (e.g. 1 = did not renew, 2 = moved away).
    by : str, optional
        Group column: one set of curves per group.
    entry : str, optional
        Delayed entry: the tenure at which each member came under observation.
    strata : str, optional
        Stratum column for Gray's test (:meth:`CumulativeIncidence.compare`), as R's
        ``cuminc(strata=)``: groups are compared within strata. The curves do not use it.
    censored : scalar or None
        The value of ``reason`` that means "still a member"; a column with no such row is
        refused (text labels would all count as lapses). None: every member lapsed.
    ci : float
        Confidence level; intervals on the log(-log) scale (never outside [0, 1]).

    Returns
    -------
    CumulativeIncidence
        ``.table`` (tidy curves), ``.at(times)``, ``.summary()``, Gray's test with
        ``.compare()``; plot with :func:`loyaltylab.plots.cumulative_incidence`.

    References
    ----------
    Aalen, O. O. & Johansen, S. (1978). An empirical transition matrix for non-homogeneous
    Markov chains based on censored observations. Scand. J. Statist. 5, 141-150. Variance as
    in R's cmprsk ``cuminc`` (Gray 1988).

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "why": [1, 2, 0, 1, 1, 0]})
    >>> cumulative_incidence(d, "t", "why").at([5])[["reason", "incidence"]].round(4)
       reason  incidence
    0       1     0.6111
    1       2     0.1667
    """
    data = _validate.frame(data)
    cols = [duration, reason] + [c for c in (by, strata) if c is not None]
    _validate.columns(data, cols, "cumulative incidence")
    ci = _validate.probability(ci, "ci")
    t = _validate.numeric(data, duration, lo=0, allow_missing=False,
                          purpose="cumulative incidence")
    why = _validate.reasons(data, reason, censored)
    for col, what in ((by, "group"), (strata, "stratum")):
        if col is not None and data[col].isna().any():
            raise ValueError(f"column {col!r} has {int(data[col].isna().sum())} missing "
                             f"{what}(s); fill them (e.g. 'unknown') or drop those rows")
    en = _entry(data, entry, t, "cumulative incidence")
    reasons = tuple(sorted((v for v in why.unique() if v != censored), key=str))
    if not reasons:
        raise ValueError(f"column {reason!r} has no lapses (every value is {censored!r})")
    code = why.map({r: i + 1 for i, r in enumerate(reasons)}).fillna(0).to_numpy(int)
    g = data[by] if by is not None else pd.Series(_ALL, index=data.index)
    z = _stats.z_value(ci)
    tables, counts = [], []
    t_all, en_all = t.to_numpy(float), en.to_numpy(float)
    for level, m in _group_rows(g):
        curves = _aj(t_all[m], code[m], range(1, len(reasons) + 1),
                     en_all[m] if entry is not None else None, z)
        for c in curves:
            c["reason"] = reasons[int(c["reason"].iloc[0]) - 1]
            tables.append(c.assign(group=level))
        row = {"group": level, "n": len(m), "last_time": float(t_all[m].max())}
        row.update({f"lapsed: {r}": int((code[m] == i + 1).sum())
                    for i, r in enumerate(reasons)})
        counts.append(row)
    table = pd.concat(tables, ignore_index=True)
    table = table[["group", "reason", "time", "incidence", "se", "ci_low", "ci_high",
                   "at_risk", "lapsed"]]
    durations = pd.DataFrame({
        "group": g.to_numpy(), "time": t.to_numpy(float),
        "reason": pd.Series(why.to_numpy(), dtype=object).where(code > 0, None),
        "stratum": data[strata].to_numpy() if strata is not None else 0})
    return CumulativeIncidence(table=table, reasons=reasons, ci=ci,
                               counts_by_reason=pd.DataFrame(counts).set_index("group"),
                               n=len(data), delayed_entry=entry is not None,
                               durations=durations)

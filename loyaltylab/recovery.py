"""Service recovery: how a complaint, its resolution and the speed of the answer change a
member's lapse hazard.

A complaint changes the lapse hazard from the day it is made, so its effect is estimated
with a time-varying Cox model (:func:`loyaltylab.lapse.fit_time_varying_lapse_model`) on
episodes split at each member's first complaint. Comparing complainers with non-complainers
from the join date instead would credit complainers with the time they had to survive in
order to complain (immortal-time bias).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._results import TableResult
from loyaltylab.complaints import check_complaints
from loyaltylab.lapse import (
    RetentionCurves,
    TimeVaryingLapseModel,
    fit_time_varying_lapse_model,
    retention_curves,
    tenure_table,
)
from loyaltylab.schema import (
    CATEGORIES,
    DATE,
    EVENT,
    JOINED,
    LAPSED,
    MEMBER,
    membership_end,
    years_between,
)

__all__ = ["ComplaintEpisodes", "ComplaintModel", "RecurrentComplaints", "complaint_episodes",
           "fit_complaint_model", "recovery_curves", "recurrent_complaints"]

_EFFECTS = [*(f"complaint_{c}" for c in CATEGORIES), "recovered", "log10_response_hours"]


def _spans_at_risk(members: pd.DataFrame, as_of, member: str, joined: str, lapsed: str
                   ) -> tuple[pd.DataFrame, int]:
    """Each membership by the one rule, indexed by member, and how many have no time at risk
    (joined on ``as_of``: left out by the callers, and counted)."""
    members = _validate.frame(members, "members")
    span = membership_end(members, as_of, member, joined, lapsed)
    span.index = pd.Index(members[member].to_numpy(), name=member)
    return span[span["at_risk"]], int((~span["at_risk"]).sum())


def complaint_episodes(
    members: pd.DataFrame,
    complaints: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    category: str = "category",
    joined: str = JOINED,
    lapsed: str = LAPSED,
    resolved: str = "resolved",
    hours: str = "response_hours",
    *,
    covariates: pd.DataFrame | None = None,
) -> ComplaintEpisodes:
    """Split each member's membership at their first complaint (for a time-varying Cox model).

    Parameters
    ----------
    members, complaints : DataFrame
        Members (join and lapse dates) and complaints.
    as_of : date
        The date the data end (the package's membership-end rule applies).
    member, date, category, joined, lapsed, resolved, hours : str
        Column names; ``resolved`` and ``hours`` are optional in ``complaints``.
    covariates : DataFrame, optional
        Member-level covariates indexed by member id, joined to every row.

    Returns
    -------
    ComplaintEpisodes
        ``.data``: one or two rows per member: ``member``, ``start``, ``stop`` (years since
        joining), ``has_lapsed`` (in the last row only), and from the first complaint on the
        indicators ``complaint_value``, ``complaint_systems``, ``complaint_people``,
        ``recovered`` (first complaint resolved) and ``log10_response_hours`` (0 before).
        Members with no time at risk (joined on ``as_of``) are left out and counted.
    """
    c = check_complaints(members, complaints, as_of, member, date, category, joined, lapsed,
                         hours, resolved=resolved)
    span, n_zero = _spans_at_risk(members, as_of, member, joined, lapsed)
    years = pd.Series(years_between(span["joined"], span["end"]), index=span.index)
    first = c.sort_values([member, date]).drop_duplicates(member).set_index(member)
    first = first[first.index.isin(span.index)]
    tc = pd.Series(years_between(span["joined"].reindex(first.index), first[date]),
                   index=first.index).reindex(span.index)
    split = tc.notna() & (tc < years)
    base = pd.DataFrame({member: span.index, "start": 0.0, "stop": years.to_numpy(),
                         EVENT: span["has_lapsed"].astype(int).to_numpy()})
    for col in _EFFECTS:
        base[col] = 0.0
    # members complaining on their first day carry the complaint from the start
    at_start = split & (tc <= 0)
    mid = split & (tc > 0)
    before = base[mid.to_numpy()].copy()
    before["stop"] = tc[mid].to_numpy()
    before[EVENT] = 0
    after = base[split.to_numpy()].copy()
    after["start"] = np.where(at_start[split], 0.0, tc[split].to_numpy())
    f = first.reindex(after[member])
    for cat in CATEGORIES:
        after[f"complaint_{cat}"] = (f[category].astype(object) == cat).to_numpy(float)
    if resolved in f:
        after["recovered"] = f[resolved].astype(float).to_numpy()
    if hours in f:
        after["log10_response_hours"] = np.log10(f[hours].clip(lower=0.01)).to_numpy()
    out = pd.concat([base[~split.to_numpy()], before, after]).sort_values(
        [member, "start"]).reset_index(drop=True)
    if covariates is not None:
        out = out.join(covariates, on=member)
    return ComplaintEpisodes(data=out, n_used=len(span),
                     excluded={"members with no time at risk (joined on as_of)": n_zero},
                     n_complained=int(split.sum()),
                     n_complaints_on_last_day=int((tc.notna() & ~split).sum()))


@dataclass(frozen=True, repr=False)
class RecurrentComplaints(TableResult):
    """Every complaint of every member as a recurrent event (see
    :func:`recurrent_complaints`): ``n_complaints`` complaints used as events, of
    ``n_members`` members; ``excluded`` counts members with no time at risk and the
    complaints not used as events (theirs, same-day ones merged into one event, joining-day
    ones carried as history): members in = ``n_members`` + members excluded, complaints in =
    ``n_complaints`` + complaints excluded."""

    n_members: int = 0
    n_complaints: int = 0

    def _extra(self) -> str:
        return f"{self.n_complaints:,} complaints of {self.n_members:,} members as events"


def recurrent_complaints(
    members: pd.DataFrame,
    complaints: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    category: str = "category",
    joined: str = JOINED,
    lapsed: str = LAPSED,
    resolved: str = "resolved",
    hours: str = "response_hours",
    *,
    contacts: str = "contacts",
    compensation: str = "compensation",
    covariates: pd.DataFrame | None = None,
) -> RecurrentComplaints:
    """All complaints of each member in counting-process form, (start, stop] in years since
    joining, for the Andersen-Gill model of recurrent complaints and for lapse after them.

    Each membership is cut at every complaint: a row ends with a complaint (``complaint`` =
    1) or with the end of the membership (``complaint`` = 0; ``has_lapsed`` = 1 there if the
    member lapsed). ``prior`` counts the complaints before the row and ``prior_value``,
    ``prior_systems``, ``prior_people`` by rejection factor; with ``resolved`` and
    ``hours`` in the complaints, ``last_unresolved`` (the most recent complaint was not
    resolved) and ``last_log10_hours`` (how long its answer took) describe how the last one
    was handled, with ``contacts`` ``last_extra_contacts`` (how many more times than once
    the member had to get in touch) and with ``compensation`` ``last_symbolic`` and
    ``last_material`` (what it earned; all 0 before any complaint), so that

    - ``lapse.fit_lapse_model(d, "stop", "complaint", ["prior", ...], entry="start",
      cluster=member)`` models the time to the next complaint (the "chronic complainer" is a
      high ``prior`` effect), and
    - ``lapse.fit_lapse_model(d, "stop", "has_lapsed", ["prior", ...], entry="start",
      cluster=member)`` models lapse after any number of complaints (every complaint, not
      only the first as :func:`complaint_episodes`),

    both as R's ``coxph(Surv(start, stop, event) ~ ... + cluster(id))``.

    Parameters
    ----------
    members, complaints : DataFrame
        Members (join and lapse dates) and complaints (checked as everywhere).
    as_of : date
        The date the data end.
    member, date, category, joined, lapsed : str
        Column names.
    resolved, hours, contacts, compensation : str
        Optional complaint columns: resolved (True/False or the date solved), hours until
        the answer, contacts, compensation. For several complaints on one day, the day
        counts as unresolved if any was, with its longest answer, most contacts and highest
        compensation.
    covariates : DataFrame, optional
        Member-level covariates indexed by member id, joined to every row.

    Returns
    -------
    RecurrentComplaints
        ``.data``: ``member``, ``start``, ``stop``, ``complaint``, ``has_lapsed``, ``prior``
        and the per-factor counts. Several complaints on one day are one event (counted in
        ``excluded``: they cannot be ordered); complaints on the day of joining are carried
        into ``prior`` of the first row (there is no time at risk before them). Members with
        no time at risk are left out and counted.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1, 2], "joined": ["2020-01-01"] * 2,
    ...                   "lapsed": ["2021-01-01", None]})
    >>> c = pd.DataFrame({"member_id": [1], "date": ["2020-07-02"], "category": ["people"]})
    >>> recurrent_complaints(m, c, "2022-01-01").data[["member_id", "start", "stop",
    ...                                               "complaint", "has_lapsed", "prior"]]
       member_id     start      stop  complaint  has_lapsed  prior
    0          1  0.000000  0.501027          1           0      0
    1          1  0.501027  1.002053          0           1      1
    2          2  0.000000  2.001369          0           0      0
    """
    c = check_complaints(members, complaints, as_of, member, date, category, joined, lapsed,
                         hours, resolved=resolved, contacts=contacts,
                         compensation=compensation)
    span, n_zero = _spans_at_risk(members, as_of, member, joined, lapsed)
    kept = c[member].isin(span.index)
    n_zero_complaints = int((~kept).sum())
    c = c[kept]
    t = pd.Series(years_between(c["joined"], c[date]), index=c.index)
    day = c[date].dt.normalize()
    same_day = c.assign(_day=day).duplicated([member, "_day"])
    first_day = t <= 0
    counts = pd.get_dummies(c[category].astype(object)).reindex(columns=list(CATEGORIES),
                                                               fill_value=False).astype(int)
    ev = pd.DataFrame({member: c[member].to_numpy(), "t": t.to_numpy(),
                       **{f"n_{k}": counts[k].to_numpy() for k in CATEGORIES}})
    # how the last complaint was handled: (output column, source column, value per row)
    handling = [("last_unresolved", resolved, lambda: (~c[resolved]).to_numpy(int)),
                ("last_log10_hours", hours,
                 lambda: np.log10(c[hours].clip(lower=0.01)).to_numpy()),
                ("last_extra_contacts", contacts, lambda: c[contacts].to_numpy() - 1),
                ("last_symbolic", compensation,
                 lambda: (c[compensation] == "symbolic").to_numpy(int)),
                ("last_material", compensation,
                 lambda: (c[compensation] == "material").to_numpy(int))]
    handling = [(name, src, f) for name, src, f in handling if src in c]
    for name, _, f in handling:
        ev[name] = f()
    # one event per member and day: its counts are the sum of that day's complaints
    ev["day"] = day.to_numpy()
    extra = {name: (name, "max") for name, _, _ in handling}
    ev = ev.groupby([member, "day"], sort=True, as_index=False).agg(
        t=("t", "first"), **{f"n_{k}": (f"n_{k}", "sum") for k in CATEGORIES}, **extra)
    if compensation in c:  # several on one day: the highest level only
        ev["last_symbolic"] *= 1 - ev["last_material"]
    rows = []
    years = pd.Series(years_between(span["joined"], span["end"]), index=span.index)
    lapsed_ = span["has_lapsed"]
    by_member = {k: g for k, g in ev.groupby(member, sort=False)}
    for mid, stop_all in zip(span.index, years.to_numpy(float), strict=True):
        g = by_member.get(mid)
        prior = dict.fromkeys(CATEGORIES, 0)
        last = [0.0] * len(handling)  # how the most recent complaint was handled
        start = 0.0
        if g is not None:
            for _, e in g.iterrows():
                if e["t"] > 0:  # (the joining day only adds to the first row's history)
                    rows.append((mid, start, float(e["t"]), 1, 0, *prior.values(), *last))
                    start = float(e["t"])
                for k in CATEGORIES:
                    prior[k] += int(e[f"n_{k}"])
                last = [float(e[name]) for name, _, _ in handling]
        if stop_all > start:
            rows.append((mid, start, stop_all, 0, int(lapsed_.loc[mid]), *prior.values(), *last))
        elif rows and rows[-1][0] == mid:  # a complaint on the last day: it ends the row
            row = rows[-1]
            rows[-1] = (*row[:4], int(lapsed_.loc[mid]), *row[5:])
    cols = [member, "start", "stop", "complaint", EVENT, *(f"prior_{k}" for k in CATEGORIES),
            *(name for name, _, _ in handling)]
    out = pd.DataFrame(rows, columns=cols)
    out.insert(5, "prior", out[[f"prior_{k}" for k in CATEGORIES]].sum(axis=1))
    for name, _, _ in handling:
        if name != "last_log10_hours":
            out[name] = out[name].astype(int)
    if covariates is not None:
        out = out.join(covariates, on=member)
    excluded = {"members with no time at risk (joined on as_of)": n_zero,
                "complaints of those members": n_zero_complaints,
                "complaints on the same day as another (one event)": int(same_day.sum()),
                "complaints on the joining day (carried as history)": int(
                    (first_day & ~same_day).sum())}
    return RecurrentComplaints(data=out, n_used=len(span), excluded=excluded,
                               n_members=len(span), n_complaints=int(out["complaint"].sum()))


@dataclass(frozen=True, repr=False)
class ComplaintEpisodes(TableResult):
    """Membership episodes split at the first complaint (see :func:`complaint_episodes`);
    ``n_complained`` members were split, ``n_complaints_on_last_day`` complained on the day
    their membership ended (nothing left to split)."""

    n_complained: int = 0
    n_complaints_on_last_day: int = 0

    def _extra(self) -> str:
        return f"{self.n_complained:,} members split at their first complaint"


@dataclass(frozen=True, repr=False)
class ComplaintModel(TimeVaryingLapseModel):
    """Time-varying Cox model of lapse with complaint effects (see
    :func:`fit_complaint_model`); ``fitter`` is lifelines' ``CoxTimeVaryingFitter``."""

    def recovery(self, response_hours: float = 24.0, *, ci: float = 0.95) -> pd.DataFrame:
        """Hazard ratio after a first complaint, recovered or not, against members who never
        complained, by rejection factor, at a given response time; with the verdict on the
        recovery paradox (recovered complainers lapse *less* than non-complainers).

        Parameters
        ----------
        response_hours : float
            Hours until the answer.
        ci : float
            Confidence level.

        Returns
        -------
        DataFrame
            ``category``, ``recovered``, ``response_hours``, ``hazard_ratio``, ``ci_low``,
            ``ci_high``, ``verdict``.
        """
        rows = []
        lh = np.log10(response_hours)
        for cat in CATEGORIES:
            for rec in (1.0, 0.0):
                hr, lo, hi = self._combination({f"complaint_{cat}": 1.0, "recovered": rec,
                                                "log10_response_hours": lh}, ci)
                verdict = ("paradox holds: lapse less than non-complainers" if hi < 1 else
                           "lapse more than non-complainers" if lo > 1 else
                           "no difference established")
                rows.append({"category": cat, "recovered": bool(rec),
                             "response_hours": response_hours, "hazard_ratio": hr,
                             "ci_low": lo, "ci_high": hi, "verdict": verdict})
        return pd.DataFrame(rows)

    def delay_curve(self, hours: Sequence[float] = (0.25, 1, 4, 24, 72, 168), *,
                    reference: float = 1.0, ci: float = 0.95) -> pd.DataFrame:
        """Dose-response: hazard ratio of an answer after ``hours`` vs one after ``reference``
        hours, with intervals.

        Parameters
        ----------
        hours : sequence of float
            Response times to compare.
        reference : float
            Reference response time (hazard ratio 1).
        ci : float
            Confidence level.

        Returns
        -------
        DataFrame
            ``response_hours``, ``hazard_ratio``, ``ci_low``, ``ci_high``, ``ci``.
        """
        rows = []
        for h in hours:
            d = np.log10(h) - np.log10(reference)
            hr, lo, hi = self._combination({"log10_response_hours": d}, ci) if d else (
                1.0, 1.0, 1.0)
            rows.append({"response_hours": h, "hazard_ratio": hr, "ci_low": lo, "ci_high": hi,
                         "ci": ci})
        return pd.DataFrame(rows)

    def excess_lapses(self) -> pd.DataFrame:
        """Approximate lapses attributable to each rejection factor.

        For every lapse after a first complaint, the attributable fraction 1 - 1/HR is
        summed by category: ``from_category`` uses the category's own hazard ratio (what the
        rejection factor costs before any recovery), ``net`` the member's whole complaint
        multiplier (category, recovery and response delay as they were handled; negative when
        recovery more than made up for the complaint).

        Returns
        -------
        DataFrame
            ``category``, ``lapses_after_complaint``, ``from_category``, ``net``.
        """
        e = self.episodes
        flags = [f"complaint_{c}" for c in CATEGORIES]
        after = e[(e[EVENT] == 1) & (e[flags].sum(axis=1) > 0)]
        b = self.params
        net = 1 - 1 / np.exp(after[_EFFECTS].to_numpy() @ b[_EFFECTS].to_numpy())
        rows = []
        for cat in CATEGORIES:
            mask = after[f"complaint_{cat}"].to_numpy() == 1
            rows.append({"category": cat, "lapses_after_complaint": int(mask.sum()),
                         "from_category": float(mask.sum() * (1 - np.exp(-b[f"complaint_{cat}"]))),
                         "net": float(net[mask].sum())})
        return pd.DataFrame(rows).sort_values("from_category", ascending=False,
                                              ignore_index=True, kind="stable")


def fit_complaint_model(
    members: pd.DataFrame,
    complaints: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    category: str = "category",
    joined: str = JOINED,
    lapsed: str = LAPSED,
    resolved: str = "resolved",
    hours: str = "response_hours",
    *,
    covariates: pd.DataFrame | None = None,
    penalizer: float = 0.0,
) -> ComplaintModel:
    """Time-varying Cox model of lapse: rejection factor of the first complaint, whether it
    was resolved (service recovery) and how fast it was answered (log10 hours), adjusted for
    member-level ``covariates`` (e.g. satisfaction, indexed by member id).

    Parameters
    ----------
    members, complaints : DataFrame
        Members (join and lapse dates) and complaints.
    as_of : date
        The date the data end.
    member, date, category, joined, lapsed, resolved, hours : str
        Column names.
    covariates : DataFrame, optional
        Numeric member-level covariates indexed by member id.
    penalizer : float
        Ridge penalty, lifelines' convention (see :func:`~loyaltylab.lapse.fit_lapse_model`).

    Returns
    -------
    ComplaintModel
        Members missing a covariate, and members with no time at risk, are excluded and
        counted (``excluded``).
    """
    ep = complaint_episodes(members, complaints, as_of, member, date, category, joined,
                            lapsed, resolved, hours, covariates=covariates)
    data = ep.data
    extra = list(covariates.columns) if covariates is not None else []
    keep = data[extra].notna().all(axis=1) if extra else pd.Series(True, index=data.index)
    excluded = {"missing covariate": int(data.loc[~keep, member].nunique()), **ep.excluded}
    tv = fit_time_varying_lapse_model(data[keep], member, [*_EFFECTS, *extra], "start", "stop",
                                      EVENT, penalizer=penalizer)
    return ComplaintModel(_fitter=tv._fitter, params=tv.params, episodes=tv.episodes,
                          n_members=tv.n_members, n_lapsed=tv.n_lapsed,
                          n_excluded=int(sum(excluded.values())), excluded=excluded,
                          cox=tv.cox, _columns=tv._columns, _penalizer=tv._penalizer)


def recovery_curves(
    members: pd.DataFrame,
    complaints: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    category: str = "category",
    joined: str = JOINED,
    lapsed: str = LAPSED,
    resolved: str = "resolved",
    *,
    landmark: float = 1.0,
    horizons: Sequence[float] = (1, 2),
    ci: float = 0.95,
) -> RetentionCurves:
    """Retention curves of members who complained and were recovered, complained and were not,
    and never complained, by landmark analysis.

    Members still present ``landmark`` years after joining are grouped by their complaint
    history up to that point (first complaint resolved / not resolved / none) and followed from
    the landmark on, so no group is credited with time it had to survive to be classified
    (no immortal-time bias). Unadjusted: use :func:`fit_complaint_model` for adjusted
    hazard ratios.

    Parameters
    ----------
    members, complaints : DataFrame
        Members (join and lapse dates) and complaints.
    as_of : date
        The date the data end.
    member, date, category, joined, lapsed, resolved : str
        Column names.
    landmark : float
        Years after joining at which members are classified.
    horizons : sequence of float
        Years after the landmark at which to report retention.
    ci : float
        Confidence level of the bands.

    Returns
    -------
    RetentionCurves
        Time is years since the landmark; ``.compare()`` gives the log-rank tests. Members
        who lapsed, or whose data end, within ``landmark`` years of joining are not followed:
        they are counted in ``excluded`` (members in = ``n`` + ``n_excluded``).
    """
    c = check_complaints(members, complaints, as_of, member, date, category, joined, lapsed)
    t = tenure_table(members, as_of, member, joined, lapsed).data.set_index(member)
    at_risk = t[t["tenure"] > landmark].copy()
    if at_risk.empty:
        raise ValueError(f"no member is still present {landmark} years after joining; use a "
                         f"smaller landmark")
    c = c[c[member].isin(at_risk.index)]
    years_in = years_between(at_risk.loc[c[member], joined].to_numpy(), c[date].to_numpy())
    first = c[years_in <= landmark].sort_values(date, kind="stable")
    first = first.drop_duplicates(member).set_index(member)
    group = pd.Series("never complained", index=at_risk.index)
    if len(first):
        res = first[resolved].astype(bool) if resolved in first else pd.Series(
            False, index=first.index)
        group.loc[first.index] = np.where(res, "complained, resolved",
                                          "complained, not resolved")
    at_risk["group"] = pd.Categorical(group, categories=[
        "never complained", "complained, resolved", "complained, not resolved"])
    at_risk["years_after_landmark"] = at_risk["tenure"] - landmark
    curves = retention_curves(at_risk.reset_index(), "years_after_landmark", EVENT,
                              by="group", horizons=horizons, ci=ci)
    # the members not followed from the landmark: each member is used or counted here
    gone = len(t) - len(at_risk)
    return replace(curves, n_excluded=gone, excluded={
        "members who lapsed or whose data end within the landmark": gone})

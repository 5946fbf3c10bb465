"""Repeat use from usage events: per-member frequency, recency and regularity; the active
share and the retention rate per period, group and cohort.

Events dated outside membership, events of unknown members and exact duplicates are left
out of the measures and counted on the result (``excluded``), never dropped silently.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _stats, _validate, eventlog
from loyaltylab._results import TableResult
from loyaltylab.schema import DATE, DAYS_PER_YEAR, JOINED, LAPSED, MEMBER, membership_end

_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}


@dataclass(frozen=True, repr=False)
class CheckedEvents(TableResult):
    """Use events inside a known membership (``data``, with the member's ``joined`` and
    ``end``) and the events left out by reason (``excluded``: unknown member, before
    joining, after leaving or ``as_of``, exact duplicates)."""


def check_events(
    members: pd.DataFrame,
    events: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    joined: str = JOINED,
    lapsed: str = LAPSED,
) -> CheckedEvents:
    """Split use events into those inside a known membership and a count of the rest.

    Parameters
    ----------
    members : DataFrame
        One row per member with join and lapse dates.
    events : DataFrame
        Use events with member ids and dates.
    as_of : date
        The date the data end (the package's membership-end rule applies).
    member, date, joined, lapsed : str
        Column names.

    Returns
    -------
    CheckedEvents
        ``.data``: the events used, with ``joined`` and ``end`` attached; ``.excluded``
        counts ``unknown member``, ``before joining``, ``after leaving`` (after the lapse
        date or ``as_of``) and ``duplicates`` (identical rows, first kept), each event under
        one reason in that order, so that events in = used + left out. Integer-like text ids
        ("925") match integer member ids.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1], "joined": ["2020-01-01"], "lapsed": [None]})
    >>> e = pd.DataFrame({"member_id": [1, 1, 2], "date": ["2020-02-01"] * 2 + ["2020-03-01"]})
    >>> check_events(m, e, "2020-12-31").excluded
    {'unknown member': 1, 'before joining': 0, 'after leaving': 0, 'duplicates': 1}
    """
    events = _validate.frame(events, "events")
    members = _validate.frame(members, "members")
    _validate.columns(events, [member, date], "usage measures", "events")
    span = membership_end(members, as_of, member, joined, lapsed)
    d = _validate.dates(events, date, purpose="usage measures",
                        allow_missing=False,  # pragma: no mutate (None is False here)
    )
    m = pd.DataFrame({"joined": span["joined"].to_numpy(), "end": span["end"].to_numpy()},
                     index=members[member].to_numpy())
    ev = events.assign(**{date: d})
    dup = ev.duplicated()
    ids = _validate.as_ids_of(ev[member], members[member])
    known = ids.isin(m.index)
    j = m.reindex(ids.to_numpy())
    # membership dates are days: an event at 14:00 on the lapse day is inside the membership
    day = d.dt.normalize().to_numpy()
    before = known.to_numpy() & (day < j["joined"].to_numpy())
    after = known.to_numpy() & (day > j["end"].to_numpy())
    inside = known.to_numpy() & ~before & ~after
    dup = inside & dup.to_numpy()  # each event left out for one reason, in this order
    keep = inside & ~dup
    clean = ev[keep].copy()
    clean[member] = ids.to_numpy()[keep]
    clean["joined"] = j["joined"].to_numpy()[keep]
    clean["end"] = j["end"].to_numpy()[keep]
    return CheckedEvents(data=clean, n_used=int(keep.sum()), excluded={
        "unknown member": int((~known).sum()), "before joining": int(before.sum()),
        "after leaving": int(after.sum()), "duplicates": int(dup.sum())})


@dataclass(frozen=True, repr=False)
class UsageSummary(TableResult):
    """Per-member repeat use (see :func:`usage_summary`); ``n_used`` and ``excluded``
    count events, ``n_members`` the members (all kept, zero use included)."""

    n_members: int = 0


def usage_summary(
    members: pd.DataFrame,
    events: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    joined: str = JOINED,
    lapsed: str = LAPSED,
    *,
    window_days: int | None = 365,
    period: str = "month",
    con=None,
) -> UsageSummary:
    """Per-member repeat use over a window ending at each member's end of membership.

    Parameters
    ----------
    members : DataFrame
        One row per member with join and lapse dates.
    events : DataFrame, path or DuckDB relation
        Use events with member ids and dates: a DataFrame, Parquet/CSV file(s) or a DuckDB
        relation (see :mod:`loyaltylab.eventlog`).
    as_of : date
        The date the data end.
    member, date, joined, lapsed : str
        Column names.
    window_days : int or None
        Look back this many days from the member's end (lapse date or ``as_of``); None for
        the whole membership.
    period : {"month", "quarter", "year"}
        Period for the share of active periods.
    con : duckdb.DuckDBPyConnection, optional
        The connection to run on (see :func:`loyaltylab.eventlog.connect`).

    Returns
    -------
    UsageSummary
        ``.data``: one row per member (all members, zero use included): ``frequency``
        (events), ``use_days`` (distinct days with use), ``rate_per_year``, ``recency_days``
        (days from the last use to the end; NaN if none), ``tenure_days``, ``active_share``
        (share of the window's periods with any use) and ``mean_gap_days`` (mean days
        between distinct use days). Events left out are counted as in
        :func:`check_events`.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1, 2], "joined": pd.to_datetime(["2020-01-01"] * 2),
    ...                   "lapsed": [pd.NaT, pd.NaT]})
    >>> e = pd.DataFrame({"member_id": [1, 1, 1], "date": pd.to_datetime(
    ...     ["2020-03-01", "2020-03-11", "2020-12-21"])})
    >>> usage_summary(m, e, as_of="2020-12-31").data[
    ...     ["frequency", "recency_days", "mean_gap_days"]]
               frequency  recency_days  mean_gap_days
    member_id
    1                  3          10.0          147.5
    2                  0           NaN            NaN
    """
    _validate.one_of(period, "period", list(_FREQ))
    members = _validate.frame(members, "members")
    if isinstance(events, pd.DataFrame):
        events = _validate.frame(events, "events")
        _validate.columns(events, [member, date], "usage measures", "events")
    span = membership_end(members, as_of, member, joined, lapsed)
    m_end, m_join = span["end"], span["joined"]
    ids = members[member].to_numpy()
    start = m_join if window_days is None else np.maximum(
        m_join, m_end - pd.Timedelta(days=_validate.positive_int(window_days, "window_days")))
    info = pd.DataFrame({"start": start.to_numpy(), "end": m_end.to_numpy()}, index=ids)
    info.index.name = member
    # (DuckDB reads column names in any case: "M" is "m", equivalent mutants)
    spans = pd.DataFrame({"m": ids,  # pragma: no mutate
                          "joined": m_join.to_numpy(),  # pragma: no mutate
                          "end": m_end.to_numpy(),  # pragma: no mutate
                          "start": start.to_numpy(),  # pragma: no mutate
    })
    log = eventlog.open_log(events, member, date, "usage measures", con=con, keep_all=True)
    try:
        agg, excluded, n_used = eventlog.usage_counts(
            log, spans, period)
    finally:
        log.close()
    # the members' own ids come back (the spans' column m), matched by value below; the
    # counts are DuckDB's BIGINT, int64 with or without the members who have none
    agg = agg.set_index("m")
    out = pd.DataFrame(index=info.index)
    out["frequency"] = agg["frequency"].reindex(out.index, fill_value=0)
    out["use_days"] = agg["use_days"].reindex(out.index, fill_value=0)
    span_days = (info["end"] - info["start"]).dt.days + 1  # (a day at least: end >= start)
    out["rate_per_year"] = out["frequency"] / span_days * DAYS_PER_YEAR
    # (the subtraction below would align by id anyway: reindexing first keeps the members'
    # order without sorting a union of ids)
    last = pd.to_datetime(agg["last_use"]).reindex(out.index)  # pragma: no mutate
    # (astype(None) is numpy's float64 too: an equivalent mutant)
    out["recency_days"] = (info["end"] - last).dt.days.astype(float)  # pragma: no mutate
    out["tenure_days"] = (info["end"] - m_join.set_axis(ids)).dt.days
    n_active = agg["n_active"].reindex(out.index, fill_value=0)
    n_periods = _period_code(info["end"], period) - _period_code(info["start"], period) + 1
    out["active_share"] = n_active / n_periods
    # (as for last above; astype(None) is float64 too)
    gaps = agg["mean_gap_days"].astype(float)  # pragma: no mutate
    out["mean_gap_days"] = gaps.reindex(out.index)  # pragma: no mutate
    return UsageSummary(data=out, n_used=n_used, excluded=excluded, n_members=len(out))


def _code_of(p: pd.Period, period: str) -> int:
    """The integer code of one calendar period (as :func:`_period_code`)."""
    y = p.year - 1970
    if period == "year":
        return y
    return y * 12 + p.month - 1 if period == "month" else y * 4 + p.quarter - 1


def _period_code(d: pd.Series, period: str) -> np.ndarray:
    """Calendar period of each date as an integer (months, quarters or years since 1970)."""
    # (int64 so that a pandas backend's own integer type never meets the arithmetic; numpy's
    # int32 would do as well: equivalent mutants)
    y = d.dt.year.to_numpy(dtype=np.int64) - 1970  # pragma: no mutate
    if period == "year":
        return y
    m = d.dt.month.to_numpy(dtype=np.int64) - 1  # pragma: no mutate
    return y * 12 + m if period == "month" else y * 4 + m // 3


@dataclass(frozen=True, repr=False)
class RetentionRates(TableResult):
    """Retention rate per group and period (see :func:`retention_rate`); ``n_used`` counts
    members, and for ``basis="activity"`` ``excluded`` counts the events left out."""

    basis: str = "membership"
    ci: float = 0.95


def retention_rate(
    members: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    joined: str = JOINED,
    lapsed: str = LAPSED,
    date: str = DATE,
    by: str | None = None,
    *,
    cohort_period: str | None = None,
    period: str = "year",
    basis: str = "membership",
    events: pd.DataFrame | None = None,
    ci: float = 0.95,
    con=None,
) -> RetentionRates:
    """The retention rate per period: the share of members present in period t who are still
    there in period t + 1 (the share of readers who renew, as library CRM guidance defines
    it: N. Nagy on CRM in libraries, Tudományos és Műszaki Tájékoztatás 54).

    Parameters
    ----------
    members : DataFrame
        One row per member with join and lapse dates.
    as_of : date
        The date the data end; only periods that have ended by then count.
    member, joined, lapsed : str
        Column names of ``members``.
    date : str
        Date column of ``events``.
    by : str, optional
        Group column of ``members`` (e.g. ``"branch"``).
    cohort_period : {"year", "quarter", "month"}, optional
        Group by cohort instead: the calendar period of joining.
    period : {"year", "quarter", "month"}
        Calendar periods.
    basis : {"membership", "activity"}
        ``"membership"``: present = a member on the period's last day (contractual
        renewal). ``"activity"``: present = at least one use event in the period (for free
        memberships); needs ``events``.
    events : DataFrame, optional
        Use events (for ``basis="activity"``).
    ci : float
        Confidence level of the Wilson intervals.
    con : duckdb.DuckDBPyConnection, optional
        For ``basis="activity"``: the connection the events are checked on; the events can
        then be a DataFrame, Parquet/CSV file(s), a DuckDB relation or a Spark DataFrame
        (see :mod:`loyaltylab.eventlog`).

    Returns
    -------
    RetentionRates
        ``.data``: one row per group and period t (with a following period inside the data
        and anyone present): ``present`` (members present in t), ``retained`` (of those,
        present in t + 1), ``retention_rate`` with a Wilson interval, and for
        ``basis="activity"`` the ``active_share`` of members in t.
    """
    members = _validate.frame(members, "members")
    ci = _validate.probability(ci, "ci")
    _validate.one_of(period, "period", list(_FREQ))
    _validate.one_of(basis, "basis", ["membership", "activity"])
    if by is not None and cohort_period is not None:
        raise ValueError("give by= (a column) or cohort_period= (cohorts by join date), "
                         "not both")
    as_of = _validate.as_of(as_of)
    span = membership_end(members, as_of, member, joined, lapsed)
    joined_d = span["joined"]
    if cohort_period is not None:
        freq = _FREQ[_validate.one_of(cohort_period, "cohort_period", list(_FREQ))]
        groups = joined_d.dt.to_period(freq).astype(str)
    elif by is not None:
        _validate.columns(members, [by], "a retention rate by group", "members")
        groups = _validate.groups(members, by, "members")
    else:
        groups = pd.Series("all members", index=members.index)
    periods = pd.period_range(joined_d.min(), as_of, freq=_FREQ[period])
    # a period counts only if it has ended by as_of
    periods = [p for p in periods if p.end_time.normalize() <= as_of]
    excluded: dict[str, int] = {}
    gone = span["has_lapsed"].to_numpy()
    end = span["end"]
    if basis == "activity":
        if events is None:
            raise ValueError("basis='activity' needs the use events: pass events=")
        if isinstance(events, pd.DataFrame):
            events = _validate.frame(events, "events")
            _validate.columns(events, [member, date], "usage measures", "events")
        # (DuckDB reads column names in any case: "M" is "m", equivalent mutants)
        spans = pd.DataFrame({"m": members[member].to_numpy(),  # pragma: no mutate
                              "joined": joined_d.to_numpy(),  # pragma: no mutate
                              "end": end.to_numpy(),  # pragma: no mutate
                              "start": joined_d.to_numpy(),  # pragma: no mutate
        })
        log = eventlog.open_log(events, member, date, "usage measures", con=con,
                                keep_all=True)
        try:
            act, checked_excluded, _ = eventlog.active_periods(
                log, spans, period)
        finally:
            log.close()
        excluded = {f"events: {k}": v for k, v in checked_excluded.items()}
        act = act.rename(columns={"m": member})
    rows = []
    for t, nxt in itertools.pairwise(periods):
        if basis == "membership":
            e_t, e_n = t.end_time.normalize(), nxt.end_time.normalize()
            present = (joined_d <= e_t) & (~gone | (end > e_t))
            again = present & (~gone | (end > e_n))
        else:
            ids_t = set(act.loc[act["p"] == _code_of(t, period), member])
            ids_n = set(act.loc[act["p"] == _code_of(nxt, period), member])
            present = members[member].isin(ids_t)
            again = present & members[member].isin(ids_n)
            # members during the period: joined by its last day, not gone before it began
            base = (joined_d <= t.end_time.normalize()) & (~gone | (end > t.start_time))
        # (an empty category has no one present and is skipped: observed= changes nothing)
        by_group = groups.groupby(groups, observed=True)  # pragma: no mutate
        for level, idx in by_group.groups.items():
            k, n = int(again[idx].sum()), int(present[idx].sum())
            if n == 0:  # e.g. a cohort that had not joined yet
                continue
            lo, hi = _stats.wilson(k, n, ci)
            row = {"group": level, "period": str(t), "present": n, "retained": k,
                   "retention_rate": k / n, "ci_low": lo, "ci_high": hi}
            if basis == "activity":
                nb = int(base[idx].sum())
                row["members"] = nb
                row["active_share"] = n / nb  # (n > 0 active members are among the nb)
            rows.append(row)
    cols = ["group", "period", "present", "retained", "retention_rate", "ci_low", "ci_high"]
    if basis == "activity":
        cols += ["members", "active_share"]
    # no period complete yet: an empty table that still has its columns
    return RetentionRates(data=pd.DataFrame(rows, columns=cols), n_used=len(members),
                          excluded=excluded,
                          basis=basis, ci=ci)

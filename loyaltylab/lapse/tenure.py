"""From membership records and use events to durations: tenure tables, inactivity-based
lapse for free memberships, and person-period tables for discrete-time and time-varying models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate, eventlog
from loyaltylab._results import TableResult
from loyaltylab.schema import (
    DATE,
    END,
    EVENT,
    JOINED,
    LAPSED,
    MEMBER,
    membership_end,
    unit_days,
    years_between,
)


@dataclass(frozen=True, repr=False)
class TenureTable(TableResult):
    """One row per member with ``end``, ``tenure`` and ``has_lapsed`` (see
    :func:`tenure_table`).

    Attributes
    ----------
    n_lapsed, n_censored : int
        Members who lapsed on or before ``as_of``, and members still present then.
    n_lapse_after_as_of : int
        Lapses dated after ``as_of``, censored at ``as_of`` (counted among the censored).
    n_zero_tenure : int
        Members who joined on ``as_of`` (kept, with tenure 0).
    unit : str
        Unit of ``tenure``.
    observed_from : pandas.Timestamp or None
        Start of the data window (delayed entry), when given.
    """

    n_lapsed: int = 0
    n_censored: int = 0
    n_lapse_after_as_of: int = 0
    n_zero_tenure: int = 0
    unit: str = "years"
    observed_from: pd.Timestamp | None = None

    def _extra(self) -> str:
        return (f"{self.n_lapsed:,} lapsed, {self.n_censored:,} censored "
                f"({self.n_lapse_after_as_of:,} lapse(s) after as_of), tenure in {self.unit}")


def tenure_table(
    members: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    joined: str = JOINED,
    lapsed: str = LAPSED,
    *,
    unit: str = "years",
    observed_from: str | pd.Timestamp | None = None,
) -> TenureTable:
    """One row per member with tenure and a lapse indicator, right-censored at ``as_of``.

    Parameters
    ----------
    members : DataFrame
        One row per member with a join date and a lapse date (missing while active).
    as_of : date
        The date the data end. Members still active then are censored; a lapse recorded
        after ``as_of`` is treated as still active on ``as_of`` (counted), by the package's
        membership-end rule (:func:`loyaltylab.schema.membership_end`).
    member, joined, lapsed : str
        Column names.
    unit : {"years", "months", "weeks", "days"}
        Unit of ``tenure`` (a year is 365.25 days).
    observed_from : date, optional
        Start of the data window, e.g. the date records were migrated to the current system:
        members who left before it are missing from such data, so those who joined earlier
        are the survivors. Adds ``entry``, the tenure at which each member came under
        observation (0 for members who joined in the window); pass it as ``entry=`` to
        :func:`retention_curves` and :func:`fit_lapse_model`. Members whose membership
        ended on or before this date are left out and counted.

    Returns
    -------
    TenureTable
        ``.data``: the members' columns plus ``end`` (lapse date or ``as_of``), ``tenure``
        (in ``unit``) and ``has_lapsed`` (bool: the event), and ``entry`` with
        ``observed_from``. Counts as attributes.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1, 2], "joined": ["2020-01-01", "2021-01-01"],
    ...                   "lapsed": ["2022-01-01", None]})
    >>> tenure_table(m, as_of="2023-01-01").data[["member_id", "tenure", "has_lapsed"]]
       member_id    tenure  has_lapsed
    0          1  2.001369        True
    1          2  1.998631       False
    """
    members = _validate.frame(members, "members")
    span = membership_end(members, as_of, member, joined, lapsed)
    out = members.copy()
    out[END] = span["end"]
    out["tenure"] = span["days"] / unit_days(unit)
    out[EVENT] = span["has_lapsed"].to_numpy()
    excluded: dict[str, int] = {}
    start = None
    if observed_from is not None:
        start = _validate.as_of(observed_from, "observed_from")
        as_of_ts = _validate.as_of(as_of)
        if start >= as_of_ts:
            raise ValueError(f"observed_from ({start.date()}) must be before as_of "
                             f"({as_of_ts.date()})")
        gone = (span["end"] <= start) & (span["joined"] < start)
        excluded["membership ended before observed_from"] = int(gone.sum())
        lag = (start - span["joined"]).dt.total_seconds() / 86400
        out["entry"] = np.maximum(lag, 0.0) / unit_days(unit)
        out = out[~gone.to_numpy()]
        span = span[~gone.to_numpy()]
    n_event = int(span["has_lapsed"].sum())
    return TenureTable(data=out, n_used=len(out), excluded=excluded, n_lapsed=n_event,
                       n_censored=len(out) - n_event,
                       n_lapse_after_as_of=int(span["lapse_after_as_of"].sum()),
                       n_zero_tenure=int((~span["at_risk"]).sum()), unit=unit,
                       observed_from=start)


def inactivity_lapse(
    events: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    joined: str = JOINED,
    *,
    members: pd.DataFrame | None = None,
    inactive_days: int = 365,
    unit: str = "years",
    con=None,
) -> InactivityTable:
    """Derive lapse from inactivity, for free memberships that nobody cancels.

    A member with no use in the ``inactive_days`` before ``as_of`` counts as lapsed at their
    last use; the others are censored at ``as_of``.

    Parameters
    ----------
    events : DataFrame, path or DuckDB relation
        Use events (one row per event) with member ids and dates: a DataFrame, Parquet/CSV
        file(s) or a DuckDB relation (see :mod:`loyaltylab.eventlog`).
    as_of : date
        End of the data; events after it are excluded (and counted).
    member, date : str
        Member-id and event-date columns of ``events`` (and ``members``).
    joined : str
        Join-date column of ``members``.
    members : DataFrame, optional
        Members with join dates: tenure then starts at joining, and members who never used
        the library are kept (lapsed at joining if that was ``inactive_days`` ago) and
        counted. Without it, the first event counts as joining.
    inactive_days : int
        Days without use that count as lapse.
    unit : {"years", "months", "weeks", "days"}
        Unit of ``tenure``.
    con : duckdb.DuckDBPyConnection, optional
        The connection to run on (see :func:`loyaltylab.eventlog.connect`).

    Returns
    -------
    InactivityTable
        ``.data`` has one row per member: ``first_use``, ``last_use``, ``n_events``,
        ``start``, ``end``, ``tenure`` (in ``unit``), ``has_lapsed``. ``.n_used`` counts
        events used; ``.excluded`` events after ``as_of``; ``.n_never_used`` members
        without use and ``.n_use_before_joining`` members with use before their join date.

    Examples
    --------
    >>> ev = pd.DataFrame({"member_id": [1, 1, 2], "date": pd.to_datetime(
    ...     ["2020-01-01", "2020-06-01", "2020-01-01"])})
    >>> inactivity_lapse(ev, as_of="2021-03-01", inactive_days=365).data[
    ...     ["tenure", "has_lapsed"]]
                 tenure  has_lapsed
    member_id
    1          1.163587       False
    2          0.000000        True
    """
    if isinstance(events, pd.DataFrame):
        events = _validate.frame(events, "events")
        _validate.columns(events, [member, date], "inactivity-based lapse", "events")
        if isinstance(members, pd.DataFrame) and member in members:
            events = _validate.matched_ids(events, member, members[member])
    inactive_days = _validate.positive_int(inactive_days, "inactive_days")
    as_of = _validate.as_of(as_of)
    log = eventlog.open_log(events, member, date, "inactivity-based lapse", con=con)
    try:
        agg, n_used, n_after = eventlog.activity_span(log, as_of)
    finally:
        log.close()
    index = pd.Index(eventlog._as_index(agg["m"].to_numpy(), events[member]
                                        if isinstance(events, pd.DataFrame) else None),
                     name=member)
    out = pd.DataFrame({"first_use": agg["first_use"].to_numpy("datetime64[ns]"),
                        "last_use": agg["last_use"].to_numpy("datetime64[ns]"),
                        "n_events": agg["n_events"].to_numpy(np.int64)}, index=index)
    n_never, n_early = 0, 0
    if members is not None:
        members = _validate.frame(members, "members")
        _validate.columns(members, [member, joined], "inactivity-based lapse", "members")
        _validate.member_ids(members, member)
        start = _validate.dates(members, joined, allow_missing=False)
        late = start > as_of
        if late.any():  # as tenure_table: no negative tenure
            raise ValueError(
                f"column {joined!r} has {int(late.sum())} join date(s) after as_of "
                f"{as_of.date()} (e.g. member "
                f"{_validate.shown(members.loc[late, member].iloc[0])}); drop "
                f"those members or use a later as_of")
        joined_s = pd.Series(start.to_numpy(), index=members[member])
        unknown = ~out.index.isin(joined_s.index)
        if unknown.any():
            raise ValueError(
                f"column {member!r} of events has {int(unknown.sum())} member id(s) that are "
                f"not among the members' (e.g. {_validate.shown(out.index[unknown][0])}); "
                f"add them to members or drop their events")
        n_early = int((out["first_use"] < joined_s.reindex(out.index)).sum())
        out = out.reindex(joined_s.index)
        out["start"] = joined_s
        out["n_events"] = out["n_events"].fillna(0).astype(np.int64)
        n_never = int(out["last_use"].isna().sum())
        last = out["last_use"].fillna(out["start"])
    else:
        out["start"] = out["first_use"]
        last = out["last_use"]
    out[EVENT] = (as_of - last).dt.days > inactive_days
    out[END] = last.where(out[EVENT], as_of)
    out["tenure"] = (out[END] - out["start"]).dt.total_seconds() / 86400 / unit_days(unit)
    out.index.name = member
    return InactivityTable(data=out, n_used=n_used,
                            excluded={"events after as_of": n_after},
                            n_members=len(out), n_lapsed=int(out[EVENT].sum()),
                            n_never_used=n_never, n_use_before_joining=n_early,
                            inactive_days=inactive_days)


@dataclass(frozen=True, repr=False)
class InactivityTable(TableResult):
    """Members with lapse derived from inactivity (see :func:`inactivity_lapse`)."""

    n_members: int = 0
    n_lapsed: int = 0
    n_never_used: int = 0
    n_use_before_joining: int = 0
    inactive_days: int = 365

    def _extra(self) -> str:
        return (f"{self.n_members:,} members, {self.n_lapsed:,} lapsed after "
                f"{self.inactive_days} days without use")


def person_period(
    tenure: pd.DataFrame,
    member: str = MEMBER,
    joined: str = JOINED,
    end: str = END,
    event: str = EVENT,
    date: str = DATE,
    resolved: str = "resolved",
    *,
    period: str = "quarter",
    events: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    con=None,
) -> TableResult:
    """One row per member and period of membership, for discrete-time and time-varying models.

    Parameters
    ----------
    tenure : DataFrame or TenureTable
        A :func:`tenure_table` (needs ``end`` and ``has_lapsed``).
    member, joined, end, event : str
        Member-id, join-date, end-date and lapse-indicator columns of ``tenure``.
    date : str
        Date column of ``events`` and ``complaints``.
    resolved : str
        Resolution column of ``complaints`` (optional there).
    period : {"month", "quarter", "year"}
        Period length (from each member's own join date).
    events : DataFrame, path, DuckDB relation or Spark DataFrame, optional
        Use events: adds ``visits_last_period`` (events in the previous period). Counted in
        DuckDB, so a Parquet/CSV file, a glob or a relation works too, or on Spark for a
        Spark DataFrame (see :mod:`loyaltylab.eventlog`).
    complaints : DataFrame, optional
        Complaints: adds ``complaints_to_date`` and ``unresolved_to_date`` (counts before the
        period starts).
    con : duckdb.DuckDBPyConnection, optional
        The connection the events are counted on (see :func:`loyaltylab.eventlog.connect`).

    Returns
    -------
    TableResult
        ``.data``: ``member``, ``period`` (0, 1, ...), ``start``/``stop`` (years since
        joining), ``has_lapsed`` (1 in the period the member lapsed), plus the covariates.
        Columns of the tenure table other than dates are carried along. Members with no
        time at risk (joined on ``as_of``) are left out and counted in ``.excluded``, and so
        are their events and complaints. Works with :func:`fit_time_varying_lapse_model` and
        with a discrete-time logit.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1], "joined": ["2020-01-01"], "lapsed": ["2020-08-01"]})
    >>> pp = person_period(tenure_table(m, "2021-01-01"), period="quarter")
    >>> pp.data[["period", "start", "stop", "has_lapsed"]]
       period  start      stop  has_lapsed
    0       0   0.00  0.250000           0
    1       1   0.25  0.500000           0
    2       2   0.50  0.583162           1
    """
    tenure = _validate.frame(tenure, "tenure")
    _validate.columns(tenure, [member, joined, end, event], "a person-period table", "tenure")
    _validate.member_ids(tenure, member)  # a repeated member would get two histories
    length = {"month": 1 / 12, "quarter": 0.25, "year": 1.0}[
        _validate.one_of(period, "period", ["month", "quarter", "year"])]
    t0 = _validate.dates(tenure, joined, allow_missing=False)
    years = years_between(t0, _validate.dates(tenure, end, allow_missing=False))
    # members who joined on the last day have no time at risk: excluded and counted
    zero = years <= 0
    n_zero = int(zero.sum())
    all_ids = set(tenure[member])
    all_members, all_t0, zero_all = tenure[member].to_numpy(), t0.to_numpy(), np.asarray(zero)
    all_rows = np.cumsum(~zero_all) - 1  # a member's row among those at risk
    if n_zero:
        tenure, t0, years = tenure[~zero], t0[~zero], years[~zero]
    n_per = np.maximum(np.ceil(years / length - 1e-12), 1).astype(np.int64)
    idx = np.repeat(np.arange(len(tenure)), n_per)
    k = np.arange(idx.size) - np.repeat(np.cumsum(n_per) - n_per, n_per)
    stop = np.minimum((k + 1) * length, years[idx])
    last = k == n_per[idx] - 1
    carry = [c for c in tenure.columns if c not in (joined, end, event, "tenure", "start",
                                                    "stop")
             and not pd.api.types.is_datetime64_any_dtype(tenure[c])]
    out = tenure[carry].iloc[idx].reset_index(drop=True)
    out["period"] = k
    out["start"] = k * length
    out["stop"] = stop
    out[EVENT] = (last & tenure[event].to_numpy(dtype=bool)[idx]).astype(np.int64)
    join_of = pd.Series(t0.to_numpy(), index=tenure[member])
    row_of = {m: i for i, m in enumerate(tenure[member])}
    excluded = {"members with no time at risk (joined on as_of)": n_zero}

    def _period_of(frame: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
        frame = _validate.frame(frame, what)
        _validate.columns(frame, [member, date], "a person-period table", what)
        frame = _validate.matched_ids(frame, member, tenure[member])
        known = frame[member].isin(all_ids).to_numpy()
        if not known.all():
            raise ValueError(
                f"{what} has {int((~known).sum())} row(s) with a {member!r} not in the tenure "
                f"table (e.g. "
                f"{_validate.shown(frame.loc[~known, member].iloc[0])}); drop them first")
        kept = frame[member].isin(join_of.index).to_numpy()
        excluded[f"{what} of members with no time at risk"] = int((~kept).sum())
        frame = frame[kept]
        when = _validate.dates(frame, date, allow_missing=False)
        yrs = years_between(join_of.loc[frame[member]].to_numpy(), when.to_numpy())
        rows = frame[member].map(row_of).to_numpy()
        return rows, np.floor(yrs / length).astype(np.int64), frame

    base = np.cumsum(n_per) - n_per  # first output row of each member
    if events is not None:
        # counted in DuckDB: the event log can be a file, a glob or a relation
        spans = pd.DataFrame({"m": all_members, "t0": all_t0, "row": all_rows,
                              "at_risk": ~zero_all})
        log = eventlog.open_log(events, member, date, "a person-period table", con=con)
        try:
            per_counts, n_unknown, example, n_gone = eventlog.period_counts(log, spans, length)
        finally:
            log.close()
        if n_unknown:
            raise ValueError(
                f"events has {n_unknown} row(s) with a {member!r} not in the tenure "
                f"table (e.g. {example!r}); drop them first")
        excluded["events of members with no time at risk"] = n_gone
        rows = per_counts["row"].to_numpy(np.int64)
        per = per_counts["per"].to_numpy(np.int64)
        ok = (per >= 0) & (per < n_per[rows])
        counts = np.zeros(idx.size)
        np.add.at(counts, base[rows[ok]] + per[ok], per_counts["n"].to_numpy(float)[ok])
        last_period = np.r_[0.0, counts[:-1]]
        last_period[base] = 0  # nothing before a member's first period
        out["visits_last_period"] = last_period
    if complaints is not None:
        rows, per, kept = _period_of(complaints, "complaints")
        unresolved = ~kept[resolved].astype(bool).to_numpy() if resolved in kept \
            else np.zeros(len(kept), dtype=bool)
        for name, mask in (("complaints_to_date", np.ones(len(rows), dtype=bool)),
                           ("unresolved_to_date", unresolved)):
            ok = mask & (per >= 0) & (per < n_per[rows] - 1)
            inc = np.zeros(idx.size)
            np.add.at(inc, base[rows[ok]] + per[ok] + 1, 1)  # counts from the next period on
            cum = np.cumsum(inc)
            out[name] = cum - np.repeat(cum[base] - inc[base], n_per)
    return TableResult(data=out, n_used=len(tenure), excluded=excluded)


def tenure_from_years(
    data: pd.DataFrame,
    years: str = "years",
    *,
    last_year: int,
    gaps: str = "lapse",
) -> TenureTable:
    """Tenure in whole membership years from the calendar years each member subscribed.

    Many libraries (and historical records) know only *which years* a member held a
    subscription. A membership is then a run of years; two definitions of a gap year are
    offered, and the choice is a research decision to state:

    - ``gaps="lapse"``: a missed year ends the membership (the member lapsed); a later return
      is a new membership and is not followed here (flagged in ``rejoined``).
    - ``gaps="bridge"``: one membership from the first to the last year, missed years
      included (a pause, not a lapse).

    A membership that reaches ``last_year`` (the end of the records, e.g. a closure) is
    censored there, not lapsed. Accounts with no years, or whose first year is after
    ``last_year``, are left out and counted.

    Parameters
    ----------
    data : DataFrame
        One row per member.
    years : str
        Column with the subscription years: a sequence of ints or a ';'-separated string.
    last_year : int
        Last year of observation (administrative censoring).
    gaps : {"lapse", "bridge"}
        What a missed year means (see above).

    Returns
    -------
    TenureTable
        ``.data``: the members' columns plus ``first_year`` (the cohort), ``last_held``
        (last year of the membership), ``tenure`` (years held), ``renewals`` (tenure - 1),
        ``has_lapsed`` and ``rejoined``; tenure unit "membership years".

    Examples
    --------
    >>> m = pd.DataFrame({"years": [(1921, 1922, 1924), (1939, 1940, 1941), (1930,)]})
    >>> tenure_from_years(m, last_year=1941).data[["tenure", "has_lapsed", "rejoined"]]
       tenure  has_lapsed  rejoined
    0       2        True      True
    1       3       False     False
    2       1        True     False
    """
    data = _validate.frame(data)
    _validate.columns(data, [years], "tenure from membership years")
    _validate.one_of(gaps, "gaps", ["lapse", "bridge"])
    last_year = _validate.positive_int(last_year, "last_year")

    def parse(v) -> tuple[int, ...]:
        if isinstance(v, str):
            v = [y for y in v.split(";") if y.strip()]
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ()
        try:
            return tuple(sorted({int(y) for y in v}))
        except (TypeError, ValueError):
            raise TypeError(f"column {years!r} holds {v!r}, not a list of years; give "
                            f"years as ints or as a ';'-separated string") from None

    ys = data[years].map(parse)
    none = ys.map(len) == 0
    late = ~none & (ys.map(lambda t: t[0] if t else 0) > last_year)
    keep = ~none & ~late
    out = data[keep.to_numpy()].copy()
    ys = ys[keep]
    first = ys.map(lambda t: t[0])
    if gaps == "lapse":
        def run_end(t):
            end = t[0]
            while end + 1 in t:
                end += 1
            return end
        held = ys.map(run_end)
        rejoined = ys.map(lambda t: t[-1] > run_end(t))
    else:
        held = ys.map(lambda t: t[-1])
        rejoined = pd.Series(False, index=ys.index)
    held = np.minimum(held, last_year)
    out["first_year"] = first.to_numpy()
    out["last_held"] = held.to_numpy()
    out["tenure"] = (held - first + 1).to_numpy().astype(np.int64)
    out["renewals"] = out["tenure"] - 1
    out[EVENT] = (held < last_year).to_numpy()
    out["rejoined"] = rejoined.to_numpy()
    n_event = int(out[EVENT].sum())
    return TenureTable(data=out, n_used=len(out),
                       excluded={"no membership years": int(none.sum()),
                                 f"first year after {last_year}": int(late.sum())},
                       n_lapsed=n_event, n_censored=len(out) - n_event,
                       unit="membership years")

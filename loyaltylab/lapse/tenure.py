"""From membership records and use events to durations: tenure tables, inactivity-based
lapse for free memberships, and person-period tables for discrete-time and time-varying models."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._library import DAYS_PER_YEAR

_UNITS = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_YEAR / 12, "years": DAYS_PER_YEAR}


def _unit(unit: str) -> float:
    return _UNITS[_validate.one_of(unit, "unit", list(_UNITS))]


def tenure_table(
    members: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = "member_id",
    joined: str = "joined",
    lapsed: str = "lapsed",
    unit: str = "years",
) -> pd.DataFrame:
    """One row per member with tenure and a lapse flag, right-censored at ``as_of``.

    Parameters
    ----------
    members : DataFrame
        One row per member with a join date and a lapse date (missing while active).
    as_of : date
        The date the data end. Members still active then are censored; a lapse recorded
        after ``as_of`` is treated as still active on ``as_of`` (counted in the report).
    member, joined, lapsed : str
        Column names.
    unit : {"years", "months", "weeks", "days"}
        Unit of ``tenure`` (a year is 365.25 days).

    Returns
    -------
    DataFrame
        The members' other columns plus ``end`` (lapse date or ``as_of``), ``tenure`` (in
        ``unit``) and ``lapsed`` (bool: the event). The lapse date is kept as ``lapse_date``.
        ``.attrs["report"]`` counts members used, lapsed, censored and lapses after ``as_of``.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1, 2], "joined": ["2020-01-01", "2021-01-01"],
    ...                   "lapsed": ["2022-01-01", None]})
    >>> tenure_table(m, as_of="2023-01-01")[["member_id", "tenure", "lapsed"]]
       member_id    tenure  lapsed
    0          1  2.001369    True
    1          2  1.998631   False
    """
    _validate.frame(members, "members")
    _validate.columns(members, [member, joined, lapsed], "a tenure table", "members")
    as_of = pd.Timestamp(as_of)
    start = _validate.dates(members, joined, allow_missing=False, purpose="a tenure table")
    stop = _validate.dates(members, lapsed, purpose="a tenure table")
    _validate.unique(members, member, "member")
    late = start > as_of
    if late.any():
        raise ValueError(
            f"column {joined!r} has {int(late.sum())} join date(s) after as_of {as_of.date()} "
            f"(e.g. {start[late].iloc[0].date()}); drop those members or use a later as_of")
    before = stop.notna() & (stop <= start)
    if before.any():
        ex = members.loc[before, member].iloc[0]
        raise ValueError(
            f"column {lapsed!r} has {int(before.sum())} lapse date(s) on or before the join "
            f"date (e.g. member {ex!r}); fix the dates or drop those rows")
    after = stop.notna() & (stop > as_of)
    event = stop.notna() & ~after
    end = stop.where(event, as_of)
    out = members.drop(columns=[lapsed]).copy()
    out["lapse_date"] = stop
    out["end"] = end
    out["tenure"] = (end - start).dt.total_seconds() / 86400 / _unit(unit)
    out["lapsed"] = event.to_numpy()
    out.attrs["report"] = {"n_members": len(out), "n_lapsed": int(event.sum()),
                           "n_censored": int((~event).sum()),
                           "n_lapse_after_as_of": int(after.sum()), "unit": unit}
    return out


def inactivity_lapse(
    events: pd.DataFrame,
    as_of: str | pd.Timestamp,
    inactive_days: int = 365,
    member: str = "member_id",
    date: str = "date",
    members: pd.DataFrame | None = None,
    joined: str = "joined",
    unit: str = "years",
) -> pd.DataFrame:
    """Derive lapse from inactivity, for free memberships that nobody cancels.

    A member with no use in the ``inactive_days`` before ``as_of`` counts as lapsed at their
    last use; the others are censored at ``as_of``.

    Parameters
    ----------
    events : DataFrame
        Use events (one row per event) with member ids and dates.
    as_of : date
        End of the data; events after it are excluded (and counted).
    inactive_days : int
        Days without use that count as lapse.
    members : DataFrame, optional
        Members with join dates: tenure then starts at joining, and members who never used
        the library are kept (lapsed at joining if that was ``inactive_days`` ago) and
        counted. Without it, the first event counts as joining.

    Returns
    -------
    DataFrame
        One row per member: ``first_use``, ``last_use``, ``n_events``, ``start``, ``end``,
        ``tenure`` (in ``unit``), ``lapsed``. ``.attrs["report"]`` counts events used and
        excluded and members never seen.

    Examples
    --------
    >>> ev = pd.DataFrame({"member_id": [1, 1, 2], "date": pd.to_datetime(
    ...     ["2020-01-01", "2020-06-01", "2020-01-01"])})
    >>> inactivity_lapse(ev, as_of="2021-03-01", inactive_days=365)[["tenure", "lapsed"]]
                 tenure  lapsed
    member_id
    1          1.163587   False
    2          0.000000    True
    """
    _validate.frame(events, "events")
    _validate.columns(events, [member, date], "inactivity-based lapse", "events")
    inactive_days = _validate.positive_int(inactive_days, "inactive_days")
    as_of = pd.Timestamp(as_of)
    d = _validate.dates(events, date, allow_missing=False, purpose="inactivity-based lapse")
    keep = d <= as_of
    ids = events[member].to_numpy()[keep.to_numpy()]
    grouped = pd.DataFrame({member: ids, "d": d[keep].to_numpy()}).groupby(member)["d"]
    out = pd.DataFrame({"first_use": grouped.min(), "last_use": grouped.max(),
                        "n_events": grouped.size()})
    report = {"n_events_used": int(keep.sum()), "n_events_after_as_of": int((~keep).sum())}
    if members is not None:
        _validate.frame(members, "members")
        _validate.columns(members, [member, joined], "inactivity-based lapse", "members")
        _validate.unique(members, member, "member")
        start = _validate.dates(members, joined, allow_missing=False)
        joined_s = pd.Series(start.to_numpy(), index=members[member])
        unknown = ~out.index.isin(joined_s.index)
        if unknown.any():
            raise ValueError(
                f"events have {int(unknown.sum())} member id(s) not in members "
                f"(e.g. {out.index[unknown][0]!r}); add them to members or drop their events")
        early = out["first_use"] < joined_s.reindex(out.index)
        report["n_members_with_use_before_joining"] = int(early.sum())
        out = out.reindex(joined_s.index)
        out["start"] = joined_s
        out["n_events"] = out["n_events"].fillna(0).astype(np.int64)
        report["n_members_never_used"] = int(out["last_use"].isna().sum())
        last = out["last_use"].fillna(out["start"])
    else:
        out["start"] = out["first_use"]
        last = out["last_use"]
    out["lapsed"] = (as_of - last).dt.days > inactive_days
    out["end"] = last.where(out["lapsed"], as_of)
    out["tenure"] = (out["end"] - out["start"]).dt.total_seconds() / 86400 / _unit(unit)
    report.update({"n_members": len(out), "n_lapsed": int(out["lapsed"].sum()),
                   "inactive_days": inactive_days})
    out.index.name = member
    out.attrs["report"] = report
    return out


def person_period(
    tenure: pd.DataFrame,
    period: str = "quarter",
    member: str = "member_id",
    start: str = "joined",
    events: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    event_date: str = "date",
    resolved: str = "resolved",
) -> pd.DataFrame:
    """One row per member and period of membership, for discrete-time and time-varying models.

    Parameters
    ----------
    tenure : DataFrame
        A :func:`tenure_table` (needs ``end`` and ``lapsed``).
    period : {"month", "quarter", "year"}
        Period length (from each member's own join date).
    events : DataFrame, optional
        Use events: adds ``visits_last_period`` (events in the previous period).
    complaints : DataFrame, optional
        Complaints: adds ``complaints_to_date`` and ``unresolved_to_date`` (counts before the
        period starts).

    Returns
    -------
    DataFrame
        ``member``, ``period`` (0, 1, ...), ``start_time``/``stop_time`` (years since joining),
        ``lapsed`` (1 in the period the member lapsed), plus the covariates. Columns of the
        tenure table other than dates are carried along. Works with lifelines'
        ``CoxTimeVaryingFitter`` (``id_col=member``) and with a discrete-time logit.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1], "joined": ["2020-01-01"], "lapsed": ["2020-08-01"]})
    >>> pp = person_period(tenure_table(m, "2021-01-01"), period="quarter")
    >>> pp[["period", "start_time", "stop_time", "lapsed"]]
       period  start_time  stop_time  lapsed
    0       0        0.00   0.250000       0
    1       1        0.25   0.500000       0
    2       2        0.50   0.583162       1
    """
    _validate.frame(tenure, "tenure")
    _validate.columns(tenure, [member, start, "end", "lapsed"], "a person-period table",
                      "tenure")
    length = {"month": 1 / 12, "quarter": 0.25, "year": 1.0}[
        _validate.one_of(period, "period", ["month", "quarter", "year"])]
    t0 = _validate.dates(tenure, start, allow_missing=False)
    years = ((tenure["end"] - t0).dt.total_seconds() / 86400 / DAYS_PER_YEAR).to_numpy()
    # members who joined on the last day have no time at risk: excluded and counted
    zero = years <= 0
    n_zero = int(zero.sum())
    if n_zero:
        tenure, t0, years = tenure[~zero], t0[~zero], years[~zero]
    n_per = np.maximum(np.ceil(years / length - 1e-12), 1).astype(np.int64)
    idx = np.repeat(np.arange(len(tenure)), n_per)
    k = np.arange(idx.size) - np.repeat(np.cumsum(n_per) - n_per, n_per)
    stop = np.minimum((k + 1) * length, years[idx])
    last = k == n_per[idx] - 1
    carry = [c for c in tenure.columns if c not in (start, "end", "lapsed", "lapse_date",
                                                    "tenure")
             and not pd.api.types.is_datetime64_any_dtype(tenure[c])]
    out = tenure[carry].iloc[idx].reset_index(drop=True)
    out["period"] = k
    out["start_time"] = k * length
    out["stop_time"] = stop
    out["lapsed"] = (last & tenure["lapsed"].to_numpy()[idx]).astype(np.int64)
    join_of = pd.Series(t0.to_numpy(), index=tenure[member])
    row_of = {m: i for i, m in enumerate(tenure[member])}

    def _period_of(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        _validate.columns(frame, [member, event_date], "a person-period table")
        known = frame[member].isin(join_of.index).to_numpy()
        if not known.all():
            raise ValueError(
                f"{int((~known).sum())} row(s) have a {member!r} not in the tenure table "
                f"(e.g. {frame.loc[~known, member].iloc[0]!r}); drop them first")
        when = _validate.dates(frame, event_date, allow_missing=False)
        yrs = ((when.to_numpy() - join_of.loc[frame[member]].to_numpy())
               / np.timedelta64(1, "D") / DAYS_PER_YEAR)
        rows = frame[member].map(row_of).to_numpy()
        return rows, np.floor(yrs / length).astype(np.int64)

    base = np.cumsum(n_per) - n_per  # first output row of each member
    if events is not None:
        rows, per = _period_of(events)
        ok = (per >= 0) & (per < n_per[rows])
        counts = np.zeros(idx.size)
        np.add.at(counts, base[rows[ok]] + per[ok], 1)
        last_period = np.r_[0.0, counts[:-1]]
        last_period[base] = 0  # nothing before a member's first period
        out["visits_last_period"] = last_period
    if complaints is not None:
        rows, per = _period_of(complaints)
        unresolved = ~complaints[resolved].astype(bool).to_numpy() if resolved in complaints \
            else np.zeros(len(complaints), dtype=bool)
        for name, mask in (("complaints_to_date", np.ones(len(rows), dtype=bool)),
                           ("unresolved_to_date", unresolved)):
            ok = mask & (per >= 0) & (per < n_per[rows] - 1)
            inc = np.zeros(idx.size)
            np.add.at(inc, base[rows[ok]] + per[ok] + 1, 1)  # counts from the next period on
            cum = np.cumsum(inc)
            out[name] = cum - np.repeat(cum[base] - inc[base], n_per)
    out.attrs["report"] = {"n_members": len(tenure), "n_rows": len(out), "period": period,
                           "n_zero_tenure_excluded": n_zero}
    return out

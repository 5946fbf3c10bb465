"""Repeat use from usage events: per-member frequency, recency and regularity; the active
share and the retention rate per period, group and cohort.

Events dated outside membership, events of unknown members and exact duplicates are
reported in ``.attrs["report"]`` and left out of the measures, never dropped silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltylab import _validate

_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}


def check_events(events: pd.DataFrame, members: pd.DataFrame, as_of: str | pd.Timestamp,
                 member: str = "member_id", date: str = "date", joined: str = "joined",
                 lapsed: str = "lapsed") -> tuple[pd.DataFrame, dict]:
    """Split use events into those inside a known membership and a report of the rest.

    Returns the clean events (with the member's ``joined`` and ``end`` attached) and a dict
    counting ``unknown_member``, ``before_joining``, ``after_leaving`` (after the lapse date
    or ``as_of``) and ``duplicates`` (identical rows, first kept).
    """
    _validate.frame(events, "events")
    _validate.frame(members, "members")
    _validate.columns(events, [member, date], "usage measures", "events")
    _validate.columns(members, [member, joined, lapsed], "usage measures", "members")
    _validate.unique(members, member, "member")
    as_of = pd.Timestamp(as_of)
    d = _validate.dates(events, date, allow_missing=False, purpose="usage measures")
    m = pd.DataFrame({"joined": _validate.dates(members, joined, allow_missing=False),
                      "end": _validate.dates(members, lapsed).fillna(as_of).clip(upper=as_of)})
    m.index = members[member].to_numpy()
    ev = events.assign(**{date: d})
    dup = ev.duplicated()
    known = ev[member].isin(m.index)
    j = m.reindex(ev[member].to_numpy())
    before = known.to_numpy() & (d.to_numpy() < j["joined"].to_numpy())
    after = known.to_numpy() & (d.to_numpy() > j["end"].to_numpy())
    keep = known.to_numpy() & ~before & ~after & ~dup.to_numpy()
    report = {"n_events": len(ev), "n_used": int(keep.sum()),
              "unknown_member": int((~known).sum()), "before_joining": int(before.sum()),
              "after_leaving": int(after.sum()), "duplicates": int(dup.sum())}
    clean = ev[keep].copy()
    clean["joined"] = j["joined"].to_numpy()[keep]
    clean["end"] = j["end"].to_numpy()[keep]
    return clean, report


def usage_summary(
    events: pd.DataFrame,
    members: pd.DataFrame,
    as_of: str | pd.Timestamp,
    window_days: int | None = 365,
    period: str = "month",
    member: str = "member_id",
    date: str = "date",
) -> pd.DataFrame:
    """Per-member repeat use over a window ending at each member's end of membership.

    Parameters
    ----------
    window_days : int or None
        Look back this many days from the member's end (lapse date or ``as_of``); None for
        the whole membership.
    period : {"month", "quarter", "year"}
        Period for the share of active periods.

    Returns
    -------
    DataFrame
        One row per member (all members, zero use included): ``frequency`` (events),
        ``use_days`` (distinct days with use), ``rate_per_year``, ``recency_days`` (days from
        the last use to the end; NaN if none), ``tenure_days``, ``active_share`` (share of
        the window's periods with any use) and ``mean_gap_days`` (mean days between distinct
        use days). ``.attrs["report"]`` from :func:`check_events`.

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1, 2], "joined": pd.to_datetime(["2020-01-01"] * 2),
    ...                   "lapsed": [pd.NaT, pd.NaT]})
    >>> e = pd.DataFrame({"member_id": [1, 1, 1], "date": pd.to_datetime(
    ...     ["2020-03-01", "2020-03-11", "2020-12-21"])})
    >>> usage_summary(e, m, as_of="2020-12-31")[["frequency", "recency_days", "mean_gap_days"]]
               frequency  recency_days  mean_gap_days
    member_id
    1                  3          10.0          147.5
    2                  0           NaN            NaN
    """
    _validate.one_of(period, "period", list(_FREQ))
    clean, report = check_events(events, members, as_of, member, date)
    m_end = _validate.dates(members, "lapsed").fillna(pd.Timestamp(as_of)).clip(
        upper=pd.Timestamp(as_of))
    m_join = _validate.dates(members, "joined", allow_missing=False)
    ids = members[member].to_numpy()
    start = m_join if window_days is None else np.maximum(
        m_join, m_end - pd.Timedelta(days=_validate.positive_int(window_days, "window_days")))
    info = pd.DataFrame({"start": start.to_numpy(), "end": m_end.to_numpy()}, index=ids)
    info.index.name = member
    w = clean[clean[date] >= info["start"].reindex(clean[member]).to_numpy()]
    g = w.groupby(member)[date]
    days = w.drop_duplicates([member, date]).sort_values([member, date])
    gaps = days.groupby(member)[date].diff().dt.days
    out = pd.DataFrame(index=info.index)
    out["frequency"] = g.size().reindex(out.index, fill_value=0).astype(np.int64)
    out["use_days"] = days.groupby(member).size().reindex(out.index, fill_value=0)
    span = ((info["end"] - info["start"]).dt.days + 1).clip(lower=1)
    out["rate_per_year"] = out["frequency"] / span * 365.25
    out["recency_days"] = (info["end"] - g.max().reindex(out.index)).dt.days.astype(float)
    out["tenure_days"] = (info["end"] - m_join.set_axis(ids)).dt.days
    per = w[date].dt.to_period(_FREQ[period])
    active = pd.DataFrame({member: w[member].to_numpy(), "p": per.to_numpy()}).drop_duplicates()
    n_active = active.groupby(member).size().reindex(out.index, fill_value=0)
    p_start = info["start"].dt.to_period(_FREQ[period])
    p_end = info["end"].dt.to_period(_FREQ[period])
    n_periods = np.array([(e - s).n + 1 for s, e in zip(p_start, p_end, strict=True)])
    out["active_share"] = n_active / n_periods
    out["mean_gap_days"] = gaps.groupby(days[member]).mean().reindex(out.index)
    out.attrs["report"] = report
    return out


def retention_rate(
    members: pd.DataFrame,
    as_of: str | pd.Timestamp,
    period: str = "year",
    by: str | None = None,
    basis: str = "membership",
    events: pd.DataFrame | None = None,
    member: str = "member_id",
) -> pd.DataFrame:
    """The retention rate per period: the share of members present in period t who are still
    there in period t + 1 (seed 001: the share of readers who renew).

    Parameters
    ----------
    period : {"year", "quarter", "month"}
        Calendar periods.
    by : str, optional
        Group column of ``members`` (e.g. ``"branch"``, or ``"cohort"``: the join year, made
        on the fly when ``members`` has no such column).
    basis : {"membership", "activity"}
        ``"membership"``: present = a member on the period's last day (contractual
        renewal). ``"activity"``: present = at least one use event in the period (for free
        memberships); needs ``events``.

    Returns
    -------
    DataFrame
        One row per group and period t (with a following period inside the data and anyone
        present): ``present``
        (members present in t), ``retained`` (of those, present in t + 1), ``retention_rate``
        with a Wilson interval, and for ``basis="activity"`` the ``active_share`` of members
        in t.
    """
    from statsmodels.stats.proportion import proportion_confint

    _validate.frame(members, "members")
    _validate.one_of(period, "period", list(_FREQ))
    _validate.one_of(basis, "basis", ["membership", "activity"])
    as_of = pd.Timestamp(as_of)
    mem = members.copy()
    if by == "cohort" and "cohort" not in mem:
        mem["cohort"] = _validate.dates(mem, "joined", allow_missing=False).dt.year
    if by is not None:
        _validate.columns(mem, [by], "a retention rate by group", "members")
    joined = _validate.dates(mem, "joined", allow_missing=False)
    end = _validate.dates(mem, "lapsed").fillna(as_of + pd.Timedelta(days=1))
    periods = pd.period_range(joined.min(), as_of, freq=_FREQ[period])
    # a period counts only if it has ended by as_of
    periods = [p for p in periods if p.end_time.normalize() <= as_of]
    groups = mem[by] if by is not None else pd.Series("all members", index=mem.index)
    if basis == "activity":
        if events is None:
            raise ValueError("basis='activity' needs the use events: pass events=")
        clean, report = check_events(events, mem, as_of, member)
        act = pd.DataFrame({member: clean[member].to_numpy(),
                            "p": clean["date"].dt.to_period(_FREQ[period]).to_numpy()})
        act = act.drop_duplicates()
    rows = []
    for t, nxt in zip(periods[:-1], periods[1:], strict=True):
        if basis == "membership":
            e_t, e_n = t.end_time.normalize(), nxt.end_time.normalize()
            present = (joined <= e_t) & (end > e_t)
            again = present & (end > e_n)
            base = (joined <= e_t) & (end > t.start_time)
        else:
            ids_t = set(act.loc[act["p"] == t, member])
            ids_n = set(act.loc[act["p"] == nxt, member])
            present = mem[member].isin(ids_t)
            again = present & mem[member].isin(ids_n)
            base = (joined <= t.end_time) & (end > t.start_time)
        for level, idx in groups.groupby(groups, observed=True).groups.items():
            k, n = int(again[idx].sum()), int(present[idx].sum())
            if n == 0:  # e.g. a cohort that had not joined yet
                continue
            lo, hi = proportion_confint(k, n, method="wilson") if n else (np.nan, np.nan)
            row = {"group": level, "period": str(t), "present": n, "retained": k,
                   "retention_rate": k / n if n else np.nan, "ci_low": lo, "ci_high": hi}
            if basis == "activity":
                nb = int(base[idx].sum())
                row["members"] = nb
                row["active_share"] = n / nb if nb else np.nan
            rows.append(row)
    out = pd.DataFrame(rows)
    if basis == "activity":
        out.attrs["report"] = report
    return out

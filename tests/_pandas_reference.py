"""The event-log summaries as they were written in pandas before they moved to DuckDB SQL:
kept here, in the tests only, as the second implementation the SQL must agree with."""

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab.metrics.repeat_use import _period_code, check_events
from loyaltylab.schema import DAYS_PER_YEAR, membership_end


def rfm(events, member, date, cal, hold, scale):
    cal = pd.Timestamp(cal)
    d = _validate.dates(events, date, allow_missing=False).dt.floor("D")
    no_id = events[member].isna().to_numpy()
    days = pd.DataFrame({"m": events[member].to_numpy()[~no_id],
                         "d": d.to_numpy()[~no_id]}).drop_duplicates()
    first = days.groupby("m")["d"].min()
    g = days[days["d"] <= cal].groupby("m")["d"]
    out = pd.DataFrame({"frequency": g.size() - 1,
                        "recency": (g.max() - first.reindex(g.max().index)).dt.days / scale})
    out["T"] = (cal - first.reindex(out.index)).dt.days / scale
    excluded = {"members whose first use is after calibration_end": int((first > cal).sum()),
                "events with no member id": int(no_id.sum())}
    if hold is not None:
        hold = pd.Timestamp(hold)
        h = days[(days["d"] > cal) & (days["d"] <= hold)].groupby("m").size()
        out["holdout_frequency"] = h.reindex(out.index, fill_value=0).astype(np.int64)
        out["holdout_T"] = (hold - cal).days / scale
    out.index.name = member
    out["frequency"] = out["frequency"].astype(np.int64)
    return out, excluded


def activity(events, member, date, as_of):
    as_of = pd.Timestamp(as_of)
    d = _validate.dates(events, date, allow_missing=False)
    keep = d <= as_of
    grouped = pd.DataFrame({member: events[member].to_numpy()[keep.to_numpy()],
                            "d": d[keep].to_numpy()}).groupby(member)["d"]
    out = pd.DataFrame({"first_use": grouped.min(), "last_use": grouped.max(),
                        "n_events": grouped.size()})
    return out, int(keep.sum()), int((~keep).sum())


def usage(members, events, as_of, member="member_id", date="date", joined="joined",
          lapsed="lapsed", window_days=365, period="month"):
    checked = check_events(members, events, as_of, member, date, joined, lapsed)
    clean = checked.data
    span = membership_end(members, as_of, member, joined, lapsed)
    m_end, m_join = span["end"], span["joined"]
    ids = members[member].to_numpy()
    start = m_join if window_days is None else np.maximum(
        m_join, m_end - pd.Timedelta(days=window_days))
    info = pd.DataFrame({"start": start.to_numpy(), "end": m_end.to_numpy()}, index=ids)
    info.index.name = member
    w = clean[clean[date] >= info["start"].reindex(clean[member]).to_numpy()]
    g = w.groupby(member)[date]
    days = w.drop_duplicates([member, date]).sort_values([member, date])
    gaps = days.groupby(member)[date].diff().dt.days
    out = pd.DataFrame(index=info.index)
    out["frequency"] = g.size().reindex(out.index, fill_value=0).astype(np.int64)
    out["use_days"] = days.groupby(member).size().reindex(out.index, fill_value=0)
    span_days = ((info["end"] - info["start"]).dt.days + 1).clip(lower=1)
    out["rate_per_year"] = out["frequency"] / span_days * DAYS_PER_YEAR
    out["recency_days"] = (info["end"] - g.max().reindex(out.index)).dt.days.astype(float)
    out["tenure_days"] = (info["end"] - m_join.set_axis(ids)).dt.days
    code = _period_code(w[date], period)
    active = pd.DataFrame({member: w[member].to_numpy(), "p": code}).drop_duplicates()
    n_active = active.groupby(member).size().reindex(out.index, fill_value=0)
    n_periods = _period_code(info["end"], period) - _period_code(info["start"], period) + 1
    out["active_share"] = n_active / n_periods
    out["mean_gap_days"] = gaps.groupby(days[member]).mean().reindex(out.index)
    return out, checked.n_used, dict(checked.excluded)


def visits_last_period(tenure, events, member="member_id", date="date", period="quarter"):
    """person_period's visits_last_period, as computed in pandas before DuckDB."""
    from loyaltylab.schema import years_between

    length = {"month": 1 / 12, "quarter": 0.25, "year": 1.0}[period]
    t0 = _validate.dates(tenure, "joined", allow_missing=False)
    years = years_between(t0, _validate.dates(tenure, "end", allow_missing=False))
    zero = years <= 0
    tenure, t0, years = tenure[~zero], t0[~zero], years[~zero]
    n_per = np.maximum(np.ceil(years / length - 1e-12), 1).astype(np.int64)
    idx = np.repeat(np.arange(len(tenure)), n_per)
    join_of = pd.Series(t0.to_numpy(), index=tenure[member])
    row_of = {m: i for i, m in enumerate(tenure[member])}
    frame = events[events[member].isin(join_of.index)]
    when = _validate.dates(frame, date, allow_missing=False)
    yrs = years_between(join_of.loc[frame[member]].to_numpy(), when.to_numpy())
    rows = frame[member].map(row_of).to_numpy()
    per = np.floor(yrs / length).astype(np.int64)
    base = np.cumsum(n_per) - n_per
    ok = (per >= 0) & (per < n_per[rows])
    counts = np.zeros(idx.size)
    np.add.at(counts, base[rows[ok]] + per[ok], 1)
    last_period = np.r_[0.0, counts[:-1]]
    last_period[base] = 0
    return last_period

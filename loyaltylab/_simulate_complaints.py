"""Complaints as a process with known truth: every complaint of every member, how each was
handled, and what that did to the next complaint and to lapse (issue #28).

A separate world from :func:`loyaltylab.simulate.library` (whose complaints change lapse from
the first complaint on only), so that the shipped library data stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab.schema import COMPENSATION, DAYS_PER_YEAR

BRANCHES = ("Central", "East", "North", "South", "West")

#: The truth of :func:`complaint_process` (hazard ratios are per complaint, per extra contact
#: or against the reference: resolved, no compensation).
PROCESS_EFFECTS: dict[str, float] = {
    # complaints per member-year before any complaint, for a member of frailty 1
    "complaint_rate": 0.5,
    # complaint proneness: a gamma frailty per member (mean 1, this variance)
    "frailty_variance": 0.5,
    # the next complaint comes sooner while the last is unresolved, and per extra contact
    # the member needed ("don't make the user repeat himself three times")
    "hr_repeat_unresolved": 1.8,
    "hr_repeat_per_extra_contact": 1.2,
    # lapse: per complaint so far, and by how the most recent one was handled
    "hr_lapse_per_complaint": 1.10,
    "hr_lapse_unresolved": 1.6,
    "hr_lapse_per_extra_contact": 1.15,
    "hr_lapse_symbolic": 0.75,
    "hr_lapse_material": 0.90,
    # exponential lapse baseline: median tenure of a member who never complains
    "median_tenure_years": 6.0,
}


@dataclass(frozen=True)
class SimulatedComplaints:
    """``members``, ``complaints`` (with ``resolved`` dates, ``contacts`` and
    ``compensation``), ``as_of`` and ``truth`` (the effects and each member's frailty)."""

    members: pd.DataFrame
    complaints: pd.DataFrame
    as_of: pd.Timestamp
    truth: dict


def complaint_process(*, n_members: int = 3000, years: int = 6, seed: int = 0,
                      start: str = "2019-01-01", **effects: float) -> SimulatedComplaints:
    """Members whose complaints recur, with known effects of how each complaint was handled.

    Each member complains at a rate that is their own (a gamma frailty, mean 1) times
    ``hr_repeat_unresolved`` while their last complaint is unresolved and
    ``hr_repeat_per_extra_contact`` per extra contact it took. Each complaint is answered
    after some hours (by channel, as in :func:`loyaltylab.simulate.library`), resolved more
    often when answered fast, solved days after the answer (answering is not solving), takes
    more contacts when unresolved or slow, and earns a symbolic or material compensation with
    fixed probabilities (more often when resolved). The lapse hazard is multiplied from each
    complaint on by ``hr_lapse_per_complaint`` per complaint so far and by the handling of the
    most recent one (unresolved, extra contacts, compensation).

    Parameters
    ----------
    n_members : int
        Members joining uniformly over the period.
    years : int
        Length of the period; the data end then (``as_of``).
    seed : int
    start : str
        First day (ISO date).
    **effects : float
        Override :data:`PROCESS_EFFECTS`.

    Returns
    -------
    SimulatedComplaints

    Examples
    --------
    >>> sim = complaint_process(n_members=200, years=3, seed=1)
    >>> sorted(sim.complaints.columns)[:4]
    ['category', 'channel', 'compensation', 'complaint_id']
    """
    # the category and channel codes of simulate.library's draws, reused
    from loyaltylab.simulate import CATEGORIES as CATEGORIES_ORDER
    from loyaltylab.simulate import CHANNELS, _complaint_attributes

    n = _validate.positive_int(n_members, "n_members")
    years = _validate.positive_int(years, "years")
    eff = _validate.effects(effects, PROCESS_EFFECTS)
    for k, v in eff.items():
        if not (v > 0 or (k == "frailty_variance" and v == 0)):
            raise ValueError(f"effect {k!r} must be a positive number, got {v}")
    rng_m, rng_c, rng_l = (np.random.default_rng(s)
                           for s in np.random.SeedSequence(seed).spawn(3))
    start_day = np.datetime64(pd.Timestamp(start).date(), "D")
    join = rng_m.random(n) * years
    window = years - join
    branch = rng_m.integers(0, len(BRANCHES), n)
    theta = eff["frailty_variance"]
    frail = rng_m.gamma(1 / theta, theta, n) if theta > 0 else np.ones(n)
    base = np.log(2) / eff["median_tenure_years"]

    t = np.zeros(n)
    need = rng_l.exponential(size=n)  # cumulative lapse hazard still to go
    k = np.zeros(n)
    open_ = np.zeros(n)
    extra = np.zeros(n)
    comp = np.zeros(n, int)
    tenure = window.copy()
    lapsed = np.zeros(n, bool)
    active = np.ones(n, bool)
    rows = []
    log = {key: np.log(eff[key]) for key in eff if key.startswith("hr_")}
    while active.any():
        i = np.flatnonzero(active)
        rate = (eff["complaint_rate"] * frail[i] * np.exp(
            log["hr_repeat_unresolved"] * open_[i] + log["hr_repeat_per_extra_contact"]
            * extra[i]))
        t_next = t[i] + rng_c.exponential(size=i.size) / rate
        m = base * np.exp(log["hr_lapse_per_complaint"] * k[i]
                          + log["hr_lapse_unresolved"] * open_[i]
                          + log["hr_lapse_per_extra_contact"] * extra[i]
                          + np.where(comp[i] == 1, log["hr_lapse_symbolic"], 0.0)
                          + np.where(comp[i] == 2, log["hr_lapse_material"], 0.0))
        end = np.minimum(t_next, window[i])
        t_lapse = t[i] + need[i] / m
        gone = t_lapse < end
        tenure[i[gone]] = t_lapse[gone]
        lapsed[i[gone]] = True
        censored = ~gone & (t_next >= window[i])
        done = gone | censored
        active[i[done]] = False
        c = i[~done]
        tc = t_next[~done]
        need[c] -= m[~done] * (tc - t[c])
        t[c] = tc
        cat, chan, hours, res = _complaint_attributes(rng_c, c.size)
        contacts = 1 + rng_c.poisson(0.3 + 1.0 * ~res + 0.3 * np.maximum(np.log10(hours), 0))
        u = rng_c.random(c.size)
        p_sym, p_mat = np.where(res, 0.30, 0.10), np.where(res, 0.10, 0.05)
        cmp = np.where(u < p_mat, 2, np.where(u < p_mat + p_sym, 1, 0))
        # solved days after the answer (log-normal, median 3 days)
        solve_days = hours / 24 + np.exp(rng_c.normal(np.log(3.0), 1.0, c.size))
        rows.append(np.column_stack([c, tc, cat, chan, hours, res, contacts, cmp, solve_days]))
        k[c] += 1
        open_[c] = ~res
        extra[c] = contacts - 1
        comp[c] = cmp

    as_of = pd.Timestamp(start_day + np.timedelta64(int(np.floor(years * DAYS_PER_YEAR)), "D"))
    ids = np.arange(1, n + 1, dtype=np.int64)
    join_day = np.floor(join * DAYS_PER_YEAR).astype(np.int64)
    end_day = np.floor((join + tenure) * DAYS_PER_YEAR).astype(np.int64)
    end_day = np.maximum(end_day, join_day + 1)  # a lapse on the joining day: the next day
    members = pd.DataFrame({
        "member_id": ids,
        "joined": (start_day + join_day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "lapsed": pd.Series((start_day + end_day.astype("timedelta64[D]"))
                            .astype("datetime64[ns]")).where(lapsed),
        "branch": pd.Categorical.from_codes(branch, BRANCHES)})
    r = np.concatenate(rows) if rows else np.zeros((0, 9))
    who = r[:, 0].astype(int)
    cday = np.floor((join[who] + r[:, 1]) * DAYS_PER_YEAR).astype(np.int64)
    order = np.lexsort((r[:, 1], who))
    who, cday, r = who[order], cday[order], r[order]
    date = (start_day + cday.astype("timedelta64[D]")).astype("datetime64[ns]")
    solved = pd.Series(date + np.ceil(r[:, 8]).astype("timedelta64[D]")).where(
        r[:, 5].astype(bool))
    solved = solved.where(solved <= as_of)  # solved after the data end: not yet known
    complaints = pd.DataFrame({
        "complaint_id": np.arange(1, len(r) + 1, dtype=np.int64),
        "member_id": ids[who],
        "date": date,
        "category": pd.Categorical.from_codes(r[:, 2].astype(int), CATEGORIES_ORDER),
        "channel": pd.Categorical.from_codes(r[:, 3].astype(int), CHANNELS),
        "response_hours": r[:, 4],
        "resolved": solved.to_numpy(),
        "contacts": r[:, 6].astype(np.int64),
        "compensation": pd.Categorical.from_codes(r[:, 7].astype(int), COMPENSATION,
                                                  ordered=True)})
    truth = {"effects": eff, "frailty": pd.Series(frail, index=ids, name="frailty")}
    return SimulatedComplaints(members=members, complaints=complaints, as_of=as_of,
                               truth=truth)


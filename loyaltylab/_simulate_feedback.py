"""Asking and acting with known truth (issue #28): survey waves, the branches' actions on
what they heard, and lapse that rises when members are asked and nothing is done."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab.schema import DAYS_PER_YEAR

TOPICS = ("opening hours", "collection", "study space")

#: The truth of :func:`asking_and_acting`: lapse hazard ratios against "not asked".
FEEDBACK_EFFECTS: dict[str, float] = {
    "hr_waiting": 1.0,
    "hr_acted_on": 0.8,
    "hr_nothing_done": 1.4,
    # how long members wait for an action before "nothing done" starts (days)
    "patience_days": 90.0,
    "response_rate": 0.4,
    # share of branch x wave x topic cells the branch acts on, and the median delay (days)
    "act_share": 0.5,
    "act_delay_days": 45.0,
    "median_tenure_years": 5.0,
}


@dataclass(frozen=True)
class SimulatedFeedback:
    """``members`` (with ``branch``), ``survey`` (one row per answer: ``wave``, ``date``,
    ``topic``), ``actions`` (one row per branch, wave and topic: ``acted`` date or missing),
    ``as_of`` and ``truth``."""

    members: pd.DataFrame
    survey: pd.DataFrame
    actions: pd.DataFrame
    as_of: pd.Timestamp
    truth: dict


def asking_and_acting(*, n_members: int = 4000, years: int = 5, branches: int = 12,
                      seed: int = 0, start: str = "2020-01-01",
                      **effects: float) -> SimulatedFeedback:
    """Members asked in two survey waves (1.5 and 3.5 years in), branches that act or not on
    each topic raised, and a lapse hazard that depends on it.

    At each wave a share ``response_rate`` of the members present answers, raising one of
    three topics. Each branch acts on each topic of each wave with probability
    ``act_share``, after an exponential delay of median ``act_delay_days``. A member's lapse
    hazard is the baseline while not asked; times ``hr_waiting`` from their answer; times
    ``hr_acted_on`` from the action if it comes within ``patience_days``; otherwise times
    ``hr_nothing_done`` from the end of that wait until the action (if any) comes. A later
    answer starts again.

    Parameters
    ----------
    n_members, years, branches, seed : int
        ``years`` at least 4.
    start : str
    **effects : float
        Override :data:`FEEDBACK_EFFECTS`.

    Returns
    -------
    SimulatedFeedback

    Examples
    --------
    >>> sim = asking_and_acting(n_members=300, seed=2)
    >>> sorted(sim.actions.columns)
    ['acted', 'branch', 'topic', 'wave']
    """
    n = _validate.positive_int(n_members, "n_members")
    years = _validate.positive_int(years, "years", minimum=4)
    n_b = _validate.positive_int(branches, "branches", minimum=2)
    eff = _validate.effects(effects, FEEDBACK_EFFECTS)
    for k, v in eff.items():
        if v < 0:
            raise ValueError(f"effect {k!r} must be a non-negative number, got {v}")
    for k in ("response_rate", "act_share"):
        _validate.probability(eff[k], f"effect {k!r}", open_interval=False)
    r_m, r_a, r_l = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    start_day = np.datetime64(pd.Timestamp(start).date(), "D")
    names = np.array([f"B{i + 1:02d}" for i in range(n_b)])
    waves = (1.5, 3.5)
    branch = r_m.integers(0, n_b, n)
    join = r_m.random(n) * years
    # actions: per branch x wave x topic, a delay in years or none
    acted = np.where(r_a.random((n_b, len(waves), len(TOPICS))) < eff["act_share"],
                     r_a.exponential(eff["act_delay_days"] / np.log(2),
                                     (n_b, len(waves), len(TOPICS))) / DAYS_PER_YEAR, np.nan)
    patience = eff["patience_days"] / DAYS_PER_YEAR
    base = np.log(2) / eff["median_tenure_years"]
    hr = {"not asked": 1.0, "asked, waiting": eff["hr_waiting"],
          "asked, acted on": eff["hr_acted_on"], "asked, nothing done": eff["hr_nothing_done"]}
    # answers: who answers each wave (if present then, decided before lapse is drawn: a
    # member who has lapsed by the wave simply does not answer) and the topic raised
    answer = r_m.random((n, len(waves))) < eff["response_rate"]
    topic = r_m.integers(0, len(TOPICS), (n, len(waves)))
    answer_day = r_m.integers(0, 28, (n, len(waves))) / DAYS_PER_YEAR  # within 4 weeks
    need = r_l.exponential(size=n)
    end = np.full(n, np.nan)
    for i in range(n):
        # the calendar times (years since start) at which the member's state changes
        marks = [(join[i], "not asked")]
        for w, t_w in enumerate(waves):
            t_ans = t_w + answer_day[i, w]
            if not answer[i, w] or t_ans <= join[i]:
                continue
            t_next = (waves[w + 1] + answer_day[i, w + 1]
                      if w + 1 < len(waves) and answer[i, w + 1] else np.inf)
            d = acted[branch[i], w, topic[i, w]]
            seq = [(t_ans, "asked, waiting")]
            if np.isfinite(d) and d <= patience:
                seq.append((t_w + d if t_w + d > t_ans else t_ans, "asked, acted on"))
            else:
                seq.append((t_ans + patience, "asked, nothing done"))
                if np.isfinite(d) and t_w + d > t_ans + patience:
                    seq.append((t_w + d, "asked, acted on"))
            marks += [(t, s) for t, s in seq if t < t_next]
        # invert the cumulative hazard over the segments
        h_left = need[i]
        for (t0, s), nxt in zip(marks, [*marks[1:], (np.inf, None)], strict=True):
            rate = base * hr[s]
            t1 = nxt[0]
            if h_left <= rate * (t1 - t0):
                end[i] = t0 + h_left / rate
                break
            h_left -= rate * (t1 - t0)
    lapsed = end < years
    obs_end = np.minimum(end, years)
    ids = np.arange(1, n + 1, dtype=np.int64)

    def day(t):
        return (start_day + np.floor(t * DAYS_PER_YEAR).astype(np.int64)
                .astype("timedelta64[D]")).astype("datetime64[ns]")

    join_day = np.floor(join * DAYS_PER_YEAR).astype(np.int64)
    end_day = np.maximum(np.floor(obs_end * DAYS_PER_YEAR).astype(np.int64), join_day + 1)
    members = pd.DataFrame({
        "member_id": ids, "joined": day(join),
        "lapsed": pd.Series((start_day + end_day.astype("timedelta64[D]"))
                            .astype("datetime64[ns]")).where(lapsed),
        "branch": names[branch]})
    rows = []
    for w, t_w in enumerate(waves):
        t_ans = t_w + answer_day[:, w]
        # present at the answer: joined before it, not yet gone (the membership's last day
        # is not counted)
        who = np.flatnonzero(answer[:, w] & (t_ans > join) & (t_ans < obs_end)
                             & (np.floor(t_ans * DAYS_PER_YEAR) > join_day)
                             & (np.floor(t_ans * DAYS_PER_YEAR) < end_day))
        rows.append(pd.DataFrame({"member_id": ids[who], "wave": np.int64(w + 1),
                                  "date": day(t_ans[who]),
                                  "topic": np.array(TOPICS)[topic[who, w]]}))
    survey = pd.concat(rows, ignore_index=True).sort_values(["member_id", "wave"],
                                                            kind="stable",
                                                            ignore_index=True)
    as_of = pd.Timestamp(start_day + np.timedelta64(int(np.floor(years * DAYS_PER_YEAR)), "D"))
    grid = [(names[b], w + 1, TOPICS[k], acted[b, w, k]) for b in range(n_b)
            for w in range(len(waves)) for k in range(len(TOPICS))]
    actions = pd.DataFrame(grid, columns=["branch", "wave", "topic", "delay"])
    t_act = np.array([waves[w - 1] for w in actions["wave"]]) + actions["delay"].to_numpy()
    actions["acted"] = pd.Series(day(np.nan_to_num(t_act))).where(actions["delay"].notna())
    actions = actions.drop(columns="delay")
    truth = {"effects": eff, "hazard_ratios": hr}
    return SimulatedFeedback(members=members, survey=survey, actions=actions, as_of=as_of,
                             truth=truth)

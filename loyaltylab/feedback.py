"""Asking and acting: what a survey does to members when the library acts on the answers,
and when it does not.

The Romanian training (slide 7): asking for feedback raises the expectation of change, so
*asking and not acting is worse than not asking*. :func:`asking_and_acting` follows each
member through the states "not asked", "asked, waiting", "asked, acted on" and "asked,
nothing done" (once the wait a member will allow is over with no action), and estimates the
lapse hazard in each against "not asked" with a time-varying Cox model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._results import Result
from loyaltylab.schema import DATE, DAYS_PER_YEAR, EVENT, JOINED, LAPSED, MEMBER, membership_end

__all__ = ["AskingAndActing", "STATES", "asking_and_acting", "feedback_episodes"]

#: The states a member passes through, in order ("not asked" is the reference).
STATES = ("not asked", "asked, waiting", "asked, acted on", "asked, nothing done")
_COLS = {"asked, waiting": "waiting", "asked, acted on": "acted_on",
         "asked, nothing done": "nothing_done"}


def feedback_episodes(
    members: pd.DataFrame,
    survey: pd.DataFrame,
    actions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    member: str = MEMBER,
    joined: str = JOINED,
    lapsed: str = LAPSED,
    date: str = DATE,
    branch: str = "branch",
    topic: str = "topic",
    wave: str = "wave",
    acted: str = "acted",
    patience_days: float = 90.0,
) -> tuple[pd.DataFrame, dict]:
    """Each membership cut into (start, stop] rows (years since joining) by feedback state.

    A member who answers a survey wave about a topic is "asked, waiting" from the answer.
    If their branch acts on that topic of that wave (``actions``: one row per branch, wave
    and topic, ``acted`` the date of the action or missing if none) within
    ``patience_days``, they are "asked, acted on" from the action; otherwise "asked, nothing
    done" from the end of the wait until an action comes. A later answer starts again.

    Parameters
    ----------
    members, survey, actions : DataFrame
        As for :func:`asking_and_acting`.
    as_of : date
    member, joined, lapsed, date, branch, topic, wave, acted : str
        Column names.
    patience_days : float
        How long after answering a member waits before "nothing done" starts.

    Returns
    -------
    (DataFrame, dict)
        The rows (``member``, ``start``, ``stop``, ``has_lapsed``, ``state`` and an indicator
        per state but the reference) and the counts of left-out rows by reason.
    """
    members = _validate.frame(members, "members")
    survey = _validate.frame(survey, "survey")
    actions = _validate.frame(actions, "actions")
    _validate.columns(members, [member, joined, lapsed, branch], "asking and acting",
                      "members")
    _validate.columns(survey, [member, date, wave, topic], "asking and acting", "survey")
    _validate.columns(actions, [branch, wave, topic, acted], "asking and acting", "actions")
    if not np.isfinite(patience_days) or patience_days < 0:
        raise ValueError(f"patience_days must be a non-negative number, got {patience_days}")
    as_of = _validate.as_of(as_of)
    span = membership_end(members, as_of, member, joined, lapsed)
    span.index = members[member].to_numpy()
    # a member without a branch has no action row to meet: refused by name
    span[branch] = _validate.groups(members, branch, "members").to_numpy()
    survey = _validate.matched_ids(survey, member, members[member])
    key = [branch, wave, topic]
    dup = actions.duplicated(key)
    if dup.any():
        raise ValueError(f"{int(dup.sum())} action row(s) repeat a branch, wave and topic "
                         f"(e.g. "
                         f"{_validate.shown(tuple(actions.loc[dup, key].iloc[0]))}); "
                         f"keep one row each")
    act = actions.assign(**{acted: _validate.dates(actions, acted, purpose="asking and "
                                                   "acting (the date the library acted)")})
    when = _validate.dates(survey, date, allow_missing=False, purpose="asking and acting")
    s = survey.assign(**{date: when})
    known = s[member].isin(span.index)
    excluded = {"answers of members not in members": int((~known).sum())}
    s = s[known]
    s = s.assign(**{branch: span.loc[s[member], branch].to_numpy()})
    s = s.merge(act[key + [acted]], on=key, how="left", validate="many_to_one",
                indicator="_found")
    unmatched = s["_found"] == "left_only"
    if unmatched.any():
        ex = tuple(s.loc[unmatched, key].iloc[0])
        raise ValueError(f"{int(unmatched.sum())} answer(s) have no action row for their "
                         f"branch, wave and topic (e.g. "
                         f"{_validate.shown(ex)}); add a row with {acted!r} "
                         f"missing where nothing was done")
    j = span.loc[s[member], "joined"].to_numpy()
    e = span.loc[s[member], "end"].to_numpy()
    outside = (s[date].to_numpy() < j) | (s[date].to_numpy() >= e)
    excluded["answers outside the membership (before joining, at or after its end)"] = int(
        outside.sum())
    s = s[~outside].sort_values([member, date], kind="stable")
    # acted after as_of: not known at the data's end
    s[acted] = s[acted].where(s[acted] <= as_of)
    patience = pd.Timedelta(days=float(patience_days))
    rows = []
    by_member = {k: g for k, g in s.groupby(member, sort=False)}
    years = (span["end"] - span["joined"]).dt.days / DAYS_PER_YEAR
    for mid, stop_all in zip(span.index, years.to_numpy(float), strict=True):
        if stop_all <= 0:
            continue
        j0 = span.at[mid, "joined"]
        marks = [(0.0, "not asked")]
        g = by_member.get(mid)
        if g is not None:
            answers = list(zip(g[date], g[acted], strict=True))
            for k, (t_ans, t_act) in enumerate(answers):
                nxt = answers[k + 1][0] if k + 1 < len(answers) else None
                seq = [(t_ans, "asked, waiting")]
                deadline = t_ans + patience
                if pd.notna(t_act) and t_act <= deadline:
                    seq.append((max(t_act, t_ans), "asked, acted on"))
                else:
                    seq.append((deadline, "asked, nothing done"))
                    if pd.notna(t_act):
                        seq.append((t_act, "asked, acted on"))
                for t, state in seq:
                    if nxt is not None and t >= nxt:
                        break
                    marks.append(((t - j0).days / DAYS_PER_YEAR, state))
        marks = [(t, st) for t, st in marks if t < stop_all]
        for (t0, st), nxt_mark in zip(marks, [*marks[1:], (stop_all, None)], strict=True):
            t1 = nxt_mark[0]
            if t1 > t0:
                rows.append((mid, t0, t1, st))
    out = pd.DataFrame(rows, columns=[member, "start", "stop", "state"])
    last = out.groupby(member, sort=False)["stop"].transform("max") == out["stop"]
    out[EVENT] = (last & out[member].map(span["has_lapsed"]).astype(bool)).astype(int)
    for state, col in _COLS.items():
        out[col] = (out["state"] == state).astype(int)
    out["state"] = pd.Categorical(out["state"], categories=list(STATES))
    excluded["members with no time at risk"] = int((years <= 0).sum())
    return out, excluded


@dataclass(frozen=True, repr=False)
class AskingAndActing(Result):
    """Lapse by feedback state (see :func:`asking_and_acting`).

    Attributes
    ----------
    effects : DataFrame
        Hazard ratios of "asked, waiting", "asked, acted on" and "asked, nothing done"
        against "not asked" (``state``, ``hazard_ratio``, ``ci_low``, ``ci_high``,
        ``p_value``), and the contrast "nothing done vs acted on".
    episodes : DataFrame
        The (start, stop] rows the model used.
    model : LapseModel
        The time-varying Cox model (robust standard errors clustered by member).
    member_years : Series
        Time spent in each state.
    n_members, n_answers : int
    excluded : dict
    """

    effects: pd.DataFrame
    episodes: pd.DataFrame
    model: object
    member_years: pd.Series
    n_members: int
    n_answers: int
    excluded: dict

    def __repr__(self) -> str:
        e = self.effects.set_index("state")["hazard_ratio"]
        return (f"AskingAndActing(nothing done vs not asked HR {e['asked, nothing done']:.2f}, "
                f"acted on vs not asked HR {e['asked, acted on']:.2f}; "
                f"{self.n_members:,} members, {self.n_answers:,} answers)")

    def to_frame(self) -> pd.DataFrame:
        return self.effects


def asking_and_acting(
    members: pd.DataFrame,
    survey: pd.DataFrame,
    actions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    member: str = MEMBER,
    joined: str = JOINED,
    lapsed: str = LAPSED,
    date: str = DATE,
    branch: str = "branch",
    topic: str = "topic",
    wave: str = "wave",
    acted: str = "acted",
    patience_days: float = 90.0,
    ci: float = 0.95,
) -> AskingAndActing:
    """Is asking and not acting worse than not asking? Lapse by feedback state.

    Builds :func:`feedback_episodes` and fits a time-varying Cox model of lapse with an
    indicator per state ("not asked" the reference), robust standard errors clustered by
    member (each member contributes several rows). Members who answer a survey differ from
    those who do not (more engaged, or more annoyed), so the contrasts against "not asked"
    mix the effect of being asked with who answers; the contrast "nothing done vs acted on"
    compares answerers with answerers and rests only on the branches' actions being
    unrelated to their members' proneness to lapse.

    Parameters
    ----------
    members : DataFrame
        Members with join and lapse dates and their branch.
    survey : DataFrame
        One row per answer: member, date, wave and the topic raised.
    actions : DataFrame
        One row per branch, wave and topic: ``acted`` (the date the branch acted on what it
        heard; missing: nothing done).
    as_of : date
    member, joined, lapsed, date, branch, topic, wave, acted : str
        Column names.
    patience_days : float
        How long after answering a member waits before "nothing done" starts.
    ci : float

    Returns
    -------
    AskingAndActing

    Examples
    --------
    >>> from loyaltylab import simulate
    >>> sim = simulate.asking_and_acting(n_members=600, seed=1)
    >>> res = asking_and_acting(sim.members, sim.survey, sim.actions, sim.as_of)
    >>> list(res.effects["state"])[-1]
    'nothing done vs acted on'
    """
    from loyaltylab import lapse

    ci = _validate.probability(ci, "ci")
    episodes, excluded = feedback_episodes(
        members, survey, actions, as_of, member=member, joined=joined, lapsed=lapsed,
        date=date, branch=branch, topic=topic, wave=wave, acted=acted,
        patience_days=patience_days)
    present = [c for c in _COLS.values() if episodes[c].any()]
    if "nothing_done" not in present or "acted_on" not in present:
        raise ValueError("asking and acting needs members in both states 'asked, acted on' "
                         "and 'asked, nothing done'; check the actions table")
    model = lapse.fit_lapse_model(episodes, "stop", EVENT, present, entry="start",
                                  cluster=member, standardize=False)
    eff = model.effects(ci=ci).set_index("covariate")
    names = {v: k for k, v in _COLS.items()}
    rows = [{"state": names[c], "hazard_ratio": eff.loc[c, "hazard_ratio"],
             "ci_low": eff.loc[c, "ci_low"], "ci_high": eff.loc[c, "ci_high"],
             "p_value": eff.loc[c, "p_value"]} for c in present]
    con = model.combine({"nothing_done": 1, "acted_on": -1}, ci=ci)
    rows.append({"state": "nothing done vs acted on", "hazard_ratio": con["ratio"],
                 "ci_low": con["ci_low"], "ci_high": con["ci_high"],
                 "p_value": con["p_value"]})
    years = (episodes["stop"] - episodes["start"]).groupby(episodes["state"],
                                                           observed=False).sum()
    n_answers = int(len(survey)) - excluded["answers of members not in members"] - excluded[
        "answers outside the membership (before joining, at or after its end)"]
    return AskingAndActing(effects=pd.DataFrame(rows), episodes=episodes, model=model,
                           member_years=years.rename("member_years"),
                           n_members=int(episodes[member].nunique()), n_answers=n_answers,
                           excluded=excluded)

"""Asking and acting (issue 28): feedback states by hand, the door, and the simulator's
planted truth (asking without acting raises lapse above not asking) recovered."""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import feedback, simulate
from loyaltylab.schema import DAYS_PER_YEAR


def _small():
    members = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2020-01-01"] * 3,
                            "lapsed": ["2021-06-01", None, None], "branch": ["A", "B", "A"]})
    survey = pd.DataFrame({"member_id": [1, 2, 2], "wave": [1, 1, 2],
                           "date": ["2020-03-01", "2020-03-01", "2021-03-01"],
                           "topic": ["hours", "hours", "hours"]})
    actions = pd.DataFrame({"branch": ["A", "B", "B"], "wave": [1, 1, 2],
                            "topic": ["hours", "hours", "hours"],
                            # A acts after 31 days; B never on wave 1, after 200 days on 2
                            "acted": ["2020-04-01", None, "2021-09-17"]})
    return members, survey, actions


def _years(a, b):
    return (pd.Timestamp(b) - pd.Timestamp(a)).days / DAYS_PER_YEAR


def test_feedback_states_by_hand():
    members, survey, actions = _small()
    ep, excluded = feedback.feedback_episodes(members, survey, actions, "2022-01-01",
                                              patience_days=90)
    one = ep[ep["member_id"] == 1]
    assert one["state"].tolist() == ["not asked", "asked, waiting", "asked, acted on"]
    np.testing.assert_allclose(one["stop"], [_years("2020-01-01", "2020-03-01"),
                                             _years("2020-01-01", "2020-04-01"),
                                             _years("2020-01-01", "2021-06-01")])
    assert one["has_lapsed"].tolist() == [0, 0, 1]
    two = ep[ep["member_id"] == 2]
    # wave 1: nothing done after 90 days; wave 2 starts again: waiting, nothing done after
    # 90 days, then acted on (late) on 17 September 2021
    assert two["state"].tolist() == ["not asked", "asked, waiting", "asked, nothing done",
                                     "asked, waiting", "asked, nothing done",
                                     "asked, acted on"]
    np.testing.assert_allclose(two["start"].iloc[2], _years("2020-01-01", "2020-05-30"))
    np.testing.assert_allclose(two["start"].iloc[5], _years("2020-01-01", "2021-09-17"))
    three = ep[ep["member_id"] == 3]
    assert three["state"].tolist() == ["not asked"] and three["has_lapsed"].sum() == 0
    # the rows tile each membership
    assert (ep.groupby("member_id")["stop"].max().round(10) == pd.Series(
        [_years("2020-01-01", "2021-06-01"), _years("2020-01-01", "2022-01-01"),
         _years("2020-01-01", "2022-01-01")], index=[1, 2, 3]).round(10)).all()
    assert ep["waiting"].sum() == 3 and ep["nothing_done"].sum() == 2
    assert sum(excluded.values()) == 0


def test_feedback_door():
    members, survey, actions = _small()
    with pytest.raises(ValueError, match="no action row.*add a row"):
        feedback.feedback_episodes(members, survey, actions.iloc[:2], "2022-01-01")
    with pytest.raises(ValueError, match="repeat a branch, wave and topic"):
        twice = pd.concat([actions, actions.head(1)], ignore_index=True)
        feedback.feedback_episodes(members, survey, twice, "2022-01-01")
    with pytest.raises(ValueError, match="patience_days"):
        feedback.feedback_episodes(members, survey, actions, "2022-01-01", patience_days=-1)
    late = survey.assign(date=["2021-07-01", "2020-03-01", "2021-03-01"])  # after lapse
    ep, excluded = feedback.feedback_episodes(members, late, actions, "2022-01-01")
    assert excluded["answers outside the membership (before joining, at or after its end)"] == 1
    assert ep.loc[ep["member_id"] == 1, "state"].tolist() == ["not asked"]


def test_asking_without_acting_is_recovered():
    # planted: lapse x1.0 while waiting, x0.8 once the branch acted, x1.4 when nothing was
    # done within 90 days (all against not asked): nothing done vs acted on = 1.75
    sim = simulate.asking_and_acting(n_members=6000, seed=1)
    res = feedback.asking_and_acting(sim.members, sim.survey, sim.actions, sim.as_of, ci=0.99)
    e = res.effects.set_index("state")
    truth = sim.truth["hazard_ratios"]
    for state in ("asked, waiting", "asked, acted on", "asked, nothing done"):
        assert e.loc[state, "ci_low"] < truth[state] < e.loc[state, "ci_high"], state
    contrast = truth["asked, nothing done"] / truth["asked, acted on"]
    assert e.loc["nothing done vs acted on", "ci_low"] < contrast < e.loc[
        "nothing done vs acted on", "ci_high"]
    # the inference the training makes: asking without acting is worse than not asking
    assert e.loc["asked, nothing done", "ci_low"] > 1 and e.loc["asked, acted on", "ci_high"] < 1
    assert res.n_answers == len(sim.survey) and res.n_members == len(sim.members)
    # the rows cover every member's time exactly
    span = res.episodes.groupby("member_id")["stop"].max()
    assert len(span) == len(sim.members)

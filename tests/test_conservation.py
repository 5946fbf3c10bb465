"""Every row accounted for (issue #24), as a property over messy inputs.

For each function: hypothesis draws frames with what real exports bring (ids of unknown
members, missing ids, integer-like text ids, dates before joining or after the end,
duplicated rows, repeated index labels, one row, no matching row) and the function must
either refuse with a ``ValueError``/``TypeError`` that names a column, or keep the
conservation law: rows in = rows used + the rows it counted as left out. Where the result
allows it, the function run again on the rows it kept leaves nothing out and gives the same
result. Bounded to a few seconds in ``make test``; ``HYPOTHESIS_PROFILE=nightly`` runs many
more examples.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltylab import lapse, metrics

settings.register_profile("default_run", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default_run"))

AS_OF = pd.Timestamp("2024-12-31")
DAY0 = pd.Timestamp("2019-01-01")


@st.composite
def members(draw):
    n = draw(st.integers(1, 12))
    joined = [DAY0 + pd.Timedelta(days=draw(st.integers(0, 2000))) for _ in range(n)]
    lapsed = []
    for j in joined:
        kind = draw(st.sampled_from(["none", "later", "after_as_of"]))
        lapsed.append(pd.NaT if kind == "none" else
                      j + pd.Timedelta(days=draw(st.integers(1, 900))) if kind == "later" else
                      AS_OF + pd.Timedelta(days=draw(st.integers(1, 50))))
    return pd.DataFrame({"member_id": np.arange(1, n + 1), "joined": joined,
                         "lapsed": pd.to_datetime(lapsed)})


@st.composite
def events_of(draw, m: pd.DataFrame):
    k = draw(st.integers(1, 40))
    ids = draw(st.lists(st.sampled_from([*m["member_id"].tolist(), 999, None]),
                        min_size=k, max_size=k))
    days = draw(st.lists(st.integers(-400, 2600), min_size=k, max_size=k))
    ev = pd.DataFrame({"member_id": ids,
                       "date": [DAY0 + pd.Timedelta(days=d) for d in days]})
    if draw(st.booleans()):  # a duplicated row
        ev = pd.concat([ev, ev.iloc[:1]], ignore_index=True)
    if draw(st.booleans()):  # integer-like text ids, as one odd export writes them
        ev["member_id"] = ev["member_id"].map(lambda v: None if v is None else str(v))
    return ev


def _clear(exc: Exception) -> bool:
    """A ValueError or TypeError that names what to fix: a column (in quotes) or the table."""
    return isinstance(exc, ValueError | TypeError) and (
        re.search(r"'[^']+'", str(exc)) is not None
        or re.match(r"(members|events|survey) ", str(exc)) is not None)


@given(st.data())
def test_check_events_and_usage_summary_account_for_every_event(data):
    m = data.draw(members())
    ev = data.draw(events_of(m))
    try:
        checked = metrics.check_events(m, ev, AS_OF)
    except Exception as exc:  # the property is about which exceptions
        assert _clear(exc), repr(exc)
        return
    assert checked.n_used + sum(checked.excluded.values()) == len(ev), checked.excluded
    usage = metrics.usage_summary(m, ev, AS_OF, window_days=None)
    assert usage.n_used + sum(usage.excluded.values()) == len(ev)
    assert int(usage.data["frequency"].sum()) == usage.n_used  # every used event counted once
    # again on the kept events only: nothing left out, the same table
    kept = checked.data
    if kept.empty:
        return
    again = metrics.usage_summary(m, kept, AS_OF, window_days=None)
    assert sum(again.excluded.values()) == 0
    pd.testing.assert_series_equal(again.data["frequency"], usage.data["frequency"])


@given(st.data())
def test_tenure_table_and_retention_rate_account_for_every_member(data):
    m = data.draw(members())
    if data.draw(st.booleans()):  # repeated index labels, as concatenated exports have
        m.index = np.zeros(len(m), dtype=int)
    try:
        t = lapse.tenure_table(m, AS_OF)
    except Exception as exc:
        assert _clear(exc), repr(exc)
        return
    assert t.n_used + sum(t.excluded.values()) == len(m)
    assert int(t.data["has_lapsed"].sum()) + int((~t.data["has_lapsed"]).sum()) == t.n_used
    rr = metrics.retention_rate(m.reset_index(drop=True), AS_OF, period="year")
    assert rr.n_used == len(m)
    assert (rr.data["retained"] <= rr.data["present"]).all()


@given(st.lists(st.one_of(st.integers(-2, 12), st.none(), st.sampled_from(["9", "x", ""])),
                min_size=1, max_size=60))
def test_nps_counts_every_answer_or_names_the_column(values):
    df = pd.DataFrame({"recommend": values})
    try:
        res = metrics.nps(df)
    except Exception as exc:
        assert _clear(exc), repr(exc)
        assert "recommend" in str(exc)
        return
    assert res.n + res.n_missing == len(df)


def test_the_properties_can_fail():
    # a function that dropped a row silently would break the law the properties check
    ev = pd.DataFrame({"member_id": [1, 1], "date": pd.to_datetime(["2020-02-01"] * 2)})
    m = pd.DataFrame({"member_id": [1], "joined": pd.to_datetime(["2020-01-01"]),
                      "lapsed": pd.NaT})
    checked = metrics.check_events(m, ev, AS_OF)
    assert checked.n_used + sum(checked.excluded.values()) == len(ev)
    assert checked.n_used + sum(checked.excluded.values()) != len(ev) + 1
    with pytest.raises(AssertionError):
        assert _clear(KeyError("member_id"))

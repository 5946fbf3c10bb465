"""Column names are parameters: the whole pipeline runs with every column renamed and gives
the same values (apart from test_conventions so that the mutation run, which leaves the
meta tests out, reads these too)."""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import complaints, lapse, metrics, recovery, scales
from loyaltylab._results import Result, TableResult

RENAME = {
    "members": {"member_id": "borrowernumber", "joined": "dateenrolled", "lapsed": "expired",
                "member_type": "categorycode"},
    "visits": {"member_id": "borrowernumber", "date": "datetime"},
    "survey": {"member_id": "borrowernumber", "date": "answered", "recommend": "q_nps",
               "referrals": "q_referred"},
    "complaints": {"member_id": "borrowernumber", "date": "filed", "category": "factor",
                   "response_hours": "hours", "resolved": "fixed"},
}


@pytest.fixture(scope="module")
def renamed(lib):
    return {k: getattr(lib, k).rename(columns=v) for k, v in RENAME.items()}


def _same(a, b):
    """Equal values, whatever the column names."""
    a, b = (x.to_frame() if isinstance(x, Result) else x for x in (a, b))
    a, b = (pd.DataFrame(np.asarray(x, dtype=object)).infer_objects() for x in (a, b))
    pd.testing.assert_frame_equal(a, b)


def test_lapse_functions_with_every_column_renamed(lib, renamed):
    m = renamed["members"]
    cols = {"member": "borrowernumber", "joined": "dateenrolled", "lapsed": "expired"}
    t0 = lapse.tenure_table(lib.members, lib.as_of)
    t1 = lapse.tenure_table(m, lib.as_of, **cols)
    _same(t0.data["tenure"], t1.data["tenure"])
    c0 = lapse.cohort_table(lib.members, lib.as_of)
    c1 = lapse.cohort_table(m, lib.as_of, joined="dateenrolled", lapsed="expired")
    _same(c0, c1)
    p0 = lapse.person_period(t0, events=lib.visits, complaints=lib.complaints)
    p1 = lapse.person_period(t1, "borrowernumber", "dateenrolled", date="datetime",
                             events=renamed["visits"],
                             complaints=renamed["complaints"].rename(columns={
                                 "datetime": "x", "filed": "datetime"}))
    _same(p0.data["visits_last_period"], p1.data["visits_last_period"])
    _same(p0.data["complaints_to_date"], p1.data["complaints_to_date"])
    i0 = lapse.inactivity_lapse(lib.visits, lib.as_of, members=lib.members)
    i1 = lapse.inactivity_lapse(renamed["visits"], lib.as_of, "borrowernumber", "datetime",
                                "dateenrolled", members=m)
    _same(i0.data["tenure"], i1.data["tenure"])
    r0 = lapse.rfm_summary(lib.visits, calibration_end="2023-12-31")
    r1 = lapse.rfm_summary(renamed["visits"], "borrowernumber", "datetime",
                           calibration_end="2023-12-31")
    _same(r0, r1)
    f0 = lapse.fit_bgnbd(r0)
    f1 = lapse.fit_bgnbd(r1.data.rename(columns={"frequency": "x", "recency": "t_x",
                                                 "T": "age"}), "x", "t_x", "age")
    assert f0.loglik == f1.loglik


def test_metrics_with_every_column_renamed(lib, renamed):
    m, v, s = renamed["members"], renamed["visits"], renamed["survey"]
    cols = dict(member="borrowernumber", joined="dateenrolled", lapsed="expired")
    _same(metrics.check_events(lib.members, lib.visits, lib.as_of).data["date"],
          metrics.check_events(m, v, lib.as_of, date="datetime", **cols).data["datetime"])
    _same(metrics.usage_summary(lib.members, lib.visits, lib.as_of),
          metrics.usage_summary(m, v, lib.as_of, date="datetime", **cols))
    _same(metrics.retention_rate(lib.members, lib.as_of, by="member_type"),
          metrics.retention_rate(m, lib.as_of, by="categorycode", **cols))
    _same(metrics.retention_rate(lib.members, lib.as_of, basis="activity", events=lib.visits),
          metrics.retention_rate(m, lib.as_of, date="datetime", basis="activity", events=v,
                                 **cols))
    _same(metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of),
          metrics.loyalty_profile(m, v, s, lib.as_of, date="datetime", **cols))
    _same(metrics.nps(lib.survey), metrics.nps(s, "q_nps"))
    _same(metrics.referring_promoters(lib.survey),
          metrics.referring_promoters(s, "q_nps", "q_referred"))


def test_complaint_functions_with_every_column_renamed(lib, renamed):
    m, c, s = renamed["members"], renamed["complaints"], renamed["survey"]
    cols = dict(member="borrowernumber", date="filed", category="factor",
                joined="dateenrolled", lapsed="expired")
    _same(complaints.complaint_rates(lib.members, lib.complaints, lib.as_of, by="branch"),
          complaints.complaint_rates(m, c, lib.as_of, by="branch", **cols))
    _same(complaints.response_times(lib.complaints),
          complaints.response_times(c, hours="hours"))
    e0 = recovery.complaint_episodes(lib.members, lib.complaints, lib.as_of)
    e1 = recovery.complaint_episodes(m, c, lib.as_of, resolved="fixed", hours="hours", **cols)
    _same(e0.data.drop(columns="member_id"), e1.data.drop(columns="borrowernumber"))
    sat = scales.score(lib.survey, scales.STANDARD_SCALES["satisfaction"])
    d0 = complaints.delay_and_satisfaction(lib.survey, lib.complaints, sat)
    d1 = complaints.delay_and_satisfaction(
        s.rename(columns={"answered": "filed"}), c, sat, "borrowernumber", "filed", "hours",
        "fixed")
    _same(d0, d1)
    r0 = recovery.recovery_curves(lib.members, lib.complaints, lib.as_of)
    r1 = recovery.recovery_curves(m, c, lib.as_of, resolved="fixed", **cols)
    _same(r0, r1)


def test_tables_of_results_are_accepted_where_frames_are(lib):
    t = lapse.tenure_table(lib.members, lib.as_of)
    a = lapse.retention_curves(t, "tenure", "has_lapsed")
    b = lapse.retention_curves(t.data, "tenure", "has_lapsed")
    _same(a, b)
    assert isinstance(t, TableResult) and len(t) == len(lib.members)

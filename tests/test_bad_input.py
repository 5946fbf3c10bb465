"""A table of bad inputs per public function: each is rejected with a clear error that names
the problem (not a KeyError or a crash deep inside pandas)."""

import pandas as pd
import pytest

from loyaltylab import (
    complaints,
    drivers,
    encounters,
    feedback,
    lapse,
    metrics,
    recovery,
    reviews,
    scales,
)

S = scales.STANDARD_SCALES["satisfaction"]

# a reviews table without its ratings
_REVIEW = pd.DataFrame({"review_id": [1], "posted": ["2024-01-01"]})

# (name, call taking a frame, a frame missing the needed column)
CALLS = [
    ("nps", lambda d: metrics.nps(d, "recommend"), pd.DataFrame({"x": [1]})),
    ("nps_by_group", lambda d: metrics.nps_by_group(d, "g"), pd.DataFrame({"recommend": [1]})),
    ("compare_nps", lambda d: metrics.compare_nps(d, "g", 1, 2), pd.DataFrame({"x": [1]})),
    ("referring_promoters", lambda d: metrics.referring_promoters(d),
     pd.DataFrame({"recommend": [9]})),
    ("top_box", lambda d: metrics.top_box(d, ["q"]), pd.DataFrame({"x": [1]})),
    ("satisfaction_index", lambda d: metrics.satisfaction_index(d), pd.DataFrame({"sat1": [1]})),
    ("service_gaps", lambda d: metrics.service_gaps(d, {"a": ["q"]}),
     pd.DataFrame({"q_min": [1], "q_des": [2]})),
    ("usage_summary", lambda d: metrics.usage_summary(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("cronbach_alpha", lambda d: scales.cronbach_alpha(d, S), pd.DataFrame({"sat1": [1]})),
    ("score", lambda d: scales.score(d, S), pd.DataFrame({"sat1": [1]})),
    ("item_analysis", lambda d: scales.item_analysis(d, S), pd.DataFrame({"sat1": [1]})),
    ("efa", lambda d: scales.efa(d, ["a", "b", "c"], 1), pd.DataFrame({"a": [1]})),
    ("key_drivers", lambda d: drivers.key_drivers(d, "y", ["a", "b"]),
     pd.DataFrame({"y": [1], "a": [1]})),
    ("tenure_table", lambda d: lapse.tenure_table(d, "2020-01-01"),
     pd.DataFrame({"member_id": [1], "joined": ["2019-01-01"]})),
    ("inactivity_lapse", lambda d: lapse.inactivity_lapse(d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("retention_curves", lambda d: lapse.retention_curves(d, "t", "e"), pd.DataFrame({"t": [1]})),
    ("cohort_table", lambda d: lapse.cohort_table(d, "2020-01-01"),
     pd.DataFrame({"joined": ["2019-01-01"]})),
    ("fit_lapse_model", lambda d: lapse.fit_lapse_model(d, "t", "e", ["x"]),
     pd.DataFrame({"t": [1], "e": [1]})),
    ("fit_sbg_records", lambda d: lapse.fit_sbg_records(d), pd.DataFrame({"renewals": [1]})),
    ("recurrent_complaints", lambda d: recovery.recurrent_complaints(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1], "date": ["2019-06-01"]})),
    ("repeat_complaints", lambda d: complaints.repeat_complaints(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1], "date": ["2019-06-01"]})),
    ("asking_and_acting", lambda d: feedback.asking_and_acting(d, d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("served_within", lambda d: encounters.served_within(d), pd.DataFrame({"x": [1]})),
    ("encounter_profile", lambda d: encounters.encounter_profile(d),
     pd.DataFrame({"member_id": [1]})),
    ("staff_climate", lambda d: encounters.staff_climate(d, d, ["trained"]),
     pd.DataFrame({"member_id": [1]})),
    ("expectation_drift", lambda d: encounters.expectation_drift(d, {"a": ["q"]}),
     pd.DataFrame({"member_id": [1]})),
    *((f"reviews.{f.__name__}", f, _REVIEW) for f in (
        reviews.reply_coverage, reviews.response_times, reviews.template_replies,
        reviews.rating_trend, reviews.reply_effect, reviews.suspicious_praise)),
]


@pytest.mark.parametrize(("name", "call", "partial"), CALLS, ids=[c[0] for c in CALLS])
def test_not_a_frame(name, call, partial):
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        call([1, 2, 3])


@pytest.mark.parametrize(("name", "call", "partial"), CALLS, ids=[c[0] for c in CALLS])
def test_empty_frame(name, call, partial):
    with pytest.raises(ValueError, match="empty"):
        call(partial.iloc[:0])


@pytest.mark.parametrize(("name", "call", "partial"), CALLS, ids=[c[0] for c in CALLS])
def test_missing_column(name, call, partial):
    with pytest.raises(ValueError, match="has no column"):
        call(partial)

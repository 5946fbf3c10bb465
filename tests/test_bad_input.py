"""A table of bad inputs per public function: each is rejected with a clear error that names
the problem (not a KeyError or a crash deep inside pandas)."""

import pandas as pd
import pytest

from loyaltylab import (
    complaints,
    drivers,
    encounters,
    feedback,
    intake,
    journeys,
    lapse,
    metrics,
    plots,
    recovery,
    reviews,
    scales,
    schema,
    structural,
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
    ("importance_performance", lambda d: drivers.importance_performance(
        d, "y", ["a", "b"], low=1, high=5), pd.DataFrame({"y": [1], "a": [1]})),
    ("composite_reliability", lambda d: scales.composite_reliability(d, S),
     pd.DataFrame({"sat1": [1]})),
    ("score_all", lambda d: scales.score_all(d), pd.DataFrame({"sat1": [1]})),
    ("membership_end", lambda d: schema.membership_end(d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
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
    # issue 24: every public function that takes a frame is in this table (the test below
    # lists them from __all__)
    ("check_complaints", lambda d: complaints.check_complaints(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("complaint_rates", lambda d: complaints.complaint_rates(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1], "date": ["2019-06-01"]})),
    ("delay_and_satisfaction", lambda d: complaints.delay_and_satisfaction(
        d, d, pd.Series([1.0])), pd.DataFrame({"member_id": [1]})),
    ("map_categories", lambda d: complaints.map_categories(d, {"a": "value"}),
     pd.DataFrame({"x": ["a"]})),
    ("courtesy_scores", lambda d: encounters.courtesy_scores(d), pd.DataFrame({"x": [1]})),
    ("feedback_episodes", lambda d: feedback.feedback_episodes(d, d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("read_koha", lambda d: intake.read_koha(d, as_of="2020-01-01"),
     pd.DataFrame({"borrowernumber": [1]})),
    ("read_survey", lambda d: intake.read_survey(d, member="id", ranges={"q": [1, 5]}),
     pd.DataFrame({"x": [1]})),
    ("journey_vs_touchpoints", lambda d: journeys.journey_vs_touchpoints(
        d, "journey", ["tp"], outcome="y"), pd.DataFrame({"journey": [1], "y": [1]})),
    ("cumulative_incidence", lambda d: lapse.cumulative_incidence(d, "t", "why"),
     pd.DataFrame({"t": [1]})),
    ("fit_bgbb", lambda d: lapse.fit_bgbb(d), pd.DataFrame({"frequency": [1]})),
    ("fit_bgnbd", lambda d: lapse.fit_bgnbd(d), pd.DataFrame({"frequency": [1]})),
    ("fit_subdistribution_model", lambda d: lapse.fit_subdistribution_model(
        d, "t", "why", ["x"], cause=1), pd.DataFrame({"t": [1], "why": [1]})),
    ("fit_time_varying_lapse_model", lambda d: lapse.fit_time_varying_lapse_model(
        d, "member_id", ["x"]), pd.DataFrame({"member_id": [1], "start": [0], "stop": [1]})),
    ("logrank_test", lambda d: lapse.logrank_test(d, "t", "e", "g"),
     pd.DataFrame({"t": [1], "e": [1]})),
    ("person_period", lambda d: lapse.person_period(d, "2020-01-01"),
     pd.DataFrame({"member_id": [1], "joined": ["2019-01-01"]})),
    ("rfm_summary", lambda d: lapse.rfm_summary(d, calibration_end="2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("tenure_from_years", lambda d: lapse.tenure_from_years(d, last_year=2020),
     pd.DataFrame({"lapse": [1]})),
    ("check_events", lambda d: metrics.check_events(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("evangelists", lambda d: metrics.evangelists(d, d, d), pd.DataFrame({"member_id": [1]})),
    ("loyalty_index", lambda d: metrics.loyalty_index(d), pd.DataFrame({"x": [1.0]})),
    ("loyalty_profile", lambda d: metrics.loyalty_profile(d, d, d, "2020-01-01"),
     pd.DataFrame({"x": [1]})),
    ("loyalty_segments", lambda d: metrics.loyalty_segments(d),
     pd.DataFrame({"attitude_z": [1]})),
    ("retention_rate", lambda d: metrics.retention_rate(d, "2020-01-01"),
     pd.DataFrame({"member_id": [1], "joined": ["2019-01-01"]})),
    ("segment_sensitivity", lambda d: metrics.segment_sensitivity(d),
     pd.DataFrame({"attitude_z": [1]})),
    ("complaint_episodes", lambda d: recovery.complaint_episodes(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("fit_complaint_model", lambda d: recovery.fit_complaint_model(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("recovery_curves", lambda d: recovery.recovery_curves(d, d, "2020-01-01"),
     pd.DataFrame({"member_id": [1]})),
    ("fit_pls", lambda d: structural.fit_pls(d, structural.ECSI_BANK),
     pd.DataFrame({"x": [1.0]})),
    *((f"reviews.{f.__name__}", f, _REVIEW) for f in (
        reviews.reply_coverage, reviews.response_times, reviews.template_replies,
        reviews.rating_trend, reviews.reply_effect, reviews.suspicious_praise)),
]


@pytest.mark.parametrize(("name", "call", "partial"), CALLS, ids=[c[0] for c in CALLS])
def test_not_a_frame(name, call, partial):
    with pytest.raises(TypeError, match="a pandas DataFrame"):  # (or a CSV path, for readers)
        call([1, 2, 3])


@pytest.mark.parametrize(("name", "call", "partial"), CALLS, ids=[c[0] for c in CALLS])
def test_empty_frame(name, call, partial):
    with pytest.raises(ValueError, match="empty"):
        call(partial.iloc[:0])


@pytest.mark.parametrize(("name", "call", "partial"), CALLS, ids=[c[0] for c in CALLS])
def test_missing_column(name, call, partial):
    with pytest.raises(ValueError, match="has no column"):
        call(partial)



# plots draw a result another function computed: each refuses what it cannot draw in its own
# words (tests/test_plots.py); they are not frame-first functions of this table
_DRAWN_FROM_RESULTS = {"calibration_histogram", "cohort_heatmap", "delay_curve", "dick_basu",
                       "forest", "nps_composition"}


def test_every_public_function_that_takes_a_frame_is_in_the_table():
    import inspect

    import loyaltylab

    covered = {c[0].split(".")[-1] for c in CALLS}
    missing = []
    for mod_name in loyaltylab.__all__:
        mod = getattr(loyaltylab, mod_name, None)
        if not inspect.ismodule(mod):
            continue
        # a module without __all__ would let its functions escape this list
        assert hasattr(mod, "__all__"), f"loyaltylab.{mod_name} has no __all__"
        for name in mod.__all__:
            f = getattr(mod, name)
            params = list(inspect.signature(f).parameters.values()) \
                if inspect.isfunction(f) else []
            if params and "DataFrame" in str(params[0].annotation) and name not in covered \
                    and not (mod is plots and name in _DRAWN_FROM_RESULTS):
                missing.append(f"{mod_name}.{name}")
    assert not missing, f"add these to CALLS: {missing}"


# issue 24: a string where a list of names is expected was looked up letter by letter
# ("data has no column 's', 'a', 't', '1'"); each such parameter now says what to write
_F = pd.DataFrame({"sat1": [1.0, 2.0, 3.0], "t": [1, 2, 3], "e": [1, 0, 1]})
LISTS = [
    ("drivers.key_drivers", "drivers", lambda v: drivers.key_drivers(_F, "sat1", v)),
    ("drivers.importance_performance", "drivers",
     lambda v: drivers.importance_performance(_F, "sat1", v, low=1, high=5)),
    ("encounters.staff_climate", "items", lambda v: encounters.staff_climate(_F, _F, v)),
    ("encounters.expectation_drift", "dimensions",
     lambda v: encounters.expectation_drift(_F.assign(wave=[1, 2, 1], member_id=[1, 1, 2]),
                                            {"place": v}, waves=(1, 2))),
    ("intake.read_koha", "use_types",
     lambda v: intake.read_koha(_F, as_of="2024-01-01", use_types=v)),
    ("journeys.journey_vs_touchpoints", "touchpoints",
     lambda v: journeys.journey_vs_touchpoints(_F, "sat1", v, outcome="sat1")),
    ("lapse.fit_lapse_model", "covariates", lambda v: lapse.fit_lapse_model(_F, "t", "e", v)),
    ("lapse.fit_lapse_model", "strata",
     lambda v: lapse.fit_lapse_model(_F, "t", "e", ["sat1"], strata=v)),
    ("lapse.fit_subdistribution_model", "covariates",
     lambda v: lapse.fit_subdistribution_model(_F, "t", "e", v, cause=1)),
    ("lapse.fit_time_varying_lapse_model", "covariates",
     lambda v: lapse.fit_time_varying_lapse_model(_F, "t", v)),
    ("metrics.satisfaction_index", "items", lambda v: metrics.satisfaction_index(_F, v)),
    ("metrics.service_gaps", "dimensions", lambda v: metrics.service_gaps(_F, {"a": v})),
    ("metrics.top_box", "items", lambda v: metrics.top_box(_F, v)),
    ("reviews.response_times", "thresholds",
     lambda v: reviews.response_times(_REVIEW, thresholds=v)),
    ("reviews.simulate_reviews", "names", lambda v: reviews.simulate_reviews(names=v)),
    ("scales.composite_reliability", "items", lambda v: scales.composite_reliability(_F, v)),
    ("scales.composite_reliability", "reverse",
     lambda v: scales.composite_reliability(_F, ["sat1"], reverse=v, low=1, high=5)),
    ("scales.cronbach_alpha", "items", lambda v: scales.cronbach_alpha(_F, v)),
    ("scales.cronbach_alpha", "reverse",
     lambda v: scales.cronbach_alpha(_F, ["sat1"], reverse=v, low=1, high=5)),
    ("scales.efa", "items", lambda v: scales.efa(_F, v, 1)),
    ("scales.item_analysis", "items", lambda v: scales.item_analysis(_F, v)),
    ("scales.item_analysis", "reverse",
     lambda v: scales.item_analysis(_F, ["sat1"], reverse=v, low=1, high=5)),
]


@pytest.mark.parametrize(("name", "param", "call"), LISTS, ids=[f"{c[0]}-{c[1]}" for c in LISTS])
def test_a_string_for_a_list_of_names_is_refused_by_name(name, param, call):
    with pytest.raises(TypeError, match=rf"^{param}(\[.*\])? must be a list of .*got the "
                                        rf"string 'sat1'; write \['sat1'\]"):
        call("sat1")


def test_every_list_of_names_parameter_is_in_the_table():
    import inspect

    import loyaltylab

    covered = {(c[0], c[1]) for c in LISTS}
    missing = []
    for mod_name in loyaltylab.__all__:
        mod = getattr(loyaltylab, mod_name, None)
        if not inspect.ismodule(mod):
            continue
        for name in mod.__all__:
            f = getattr(mod, name)
            if not inspect.isfunction(f):
                continue
            for p in inspect.signature(f).parameters.values():
                ann = str(p.annotation)
                # (a parameter that also takes one name as a string is not one of these)
                if "Sequence[str]" in ann and not ann.startswith("str |") \
                        and (f"{mod_name}.{name}", p.name) not in covered:
                    missing.append(f"{mod_name}.{name}({p.name}=)")
    assert not missing, f"add these to LISTS: {missing}"

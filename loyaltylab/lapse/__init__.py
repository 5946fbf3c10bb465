"""Membership lapse: durations, retention curves, cohort tables, lapse models and the value
of a member."""

from loyaltylab.lapse.curves import LogRankResult, RetentionCurves, cohort_table, retention_curves
from loyaltylab.lapse.logrank import logrank_test
from loyaltylab.lapse.models import (
    LapseModel,
    TimeVaryingLapseModel,
    compare_models,
    fit_lapse_model,
    fit_time_varying_lapse_model,
)
from loyaltylab.lapse.reasons import CumulativeIncidence, GrayTestResult, cumulative_incidence
from loyaltylab.lapse.renewals import SBGResult, fit_sbg, fit_sbg_records, simulate_renewals
from loyaltylab.lapse.silent import (
    BGBBResult,
    BGNBDResult,
    calibration_histogram,
    expected_cumulative,
    fit_bgbb,
    fit_bgnbd,
    rfm_summary,
    simulate_bgbb,
    simulate_bgnbd,
)
from loyaltylab.lapse.subdistribution import SubdistributionModel, fit_subdistribution_model
from loyaltylab.lapse.tenure import (
    InactivityTable,
    TenureTable,
    inactivity_lapse,
    person_period,
    tenure_from_years,
    tenure_table,
)

__all__ = [
    "BGBBResult", "BGNBDResult", "CumulativeIncidence", "GrayTestResult", "InactivityTable",
    "LapseModel", "LogRankResult", "RetentionCurves", "SBGResult", "SubdistributionModel",
    "TenureTable", "TimeVaryingLapseModel", "calibration_histogram", "cohort_table",
    "compare_models", "cumulative_incidence", "expected_cumulative", "fit_bgbb", "fit_bgnbd",
    "fit_lapse_model", "fit_sbg", "fit_sbg_records", "fit_subdistribution_model",
    "fit_time_varying_lapse_model", "inactivity_lapse", "logrank_test", "person_period",
    "retention_curves",
    "rfm_summary", "simulate_bgbb", "simulate_bgnbd", "simulate_renewals", "tenure_from_years",
    "tenure_table",
]

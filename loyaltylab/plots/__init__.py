"""Figures for what the analytic modules compute. Every function draws a result it is given
(it computes no statistic of its own), accepts ``ax=``, and returns the Axes.

One module per subject: lapse, survey, complaints, structural (PLS), reviews and the service
encounter.
"""

from loyaltylab.plots.complaints import (
    delay_curve,
    response_times,
)
from loyaltylab.plots.encounters import expectation_drift, served_within
from loyaltylab.plots.lapse import (
    calibration_histogram,
    cohort_heatmap,
    cumulative_incidence,
    forest,
    member_value,
    retention_curves,
    sbg_fit,
    tracking,
)
from loyaltylab.plots.reviews import reply_coverage, reply_event_time, waiting_curves
from loyaltylab.plots.structural import (
    ipma,
    path_diagram,
)
from loyaltylab.plots.survey import (
    dick_basu,
    driver_importance,
    importance_performance,
    item_profile,
    loadings,
    nps_composition,
    service_gaps,
)

__all__ = ["reply_coverage", "reply_event_time", "waiting_curves",
           "calibration_histogram", "cohort_heatmap", "cumulative_incidence", "delay_curve",
           "dick_basu", "driver_importance", "expectation_drift", "forest",
           "importance_performance", "ipma",
           "item_profile", "loadings", "member_value", "nps_composition", "path_diagram",
           "response_times", "retention_curves", "sbg_fit", "served_within", "service_gaps",
           "tracking"]

"""Loyalty metrics: referral (NPS), satisfaction and service quality, repeat use and the
retention rate, the five-factor profile, the loyalty index and Dick & Basu segments."""

from loyaltylab.metrics.evangelists import Evangelists, evangelists
from loyaltylab.metrics.loyalty import (
    LoyaltyProfile,
    loyalty_index,
    loyalty_profile,
    loyalty_segments,
    segment_sensitivity,
)
from loyaltylab.metrics.referral import (
    NPSComparison,
    NPSResult,
    ReferringPromoters,
    compare_nps,
    nps,
    nps_by_group,
    referring_promoters,
)
from loyaltylab.metrics.repeat_use import (
    CheckedEvents,
    RetentionRates,
    UsageSummary,
    check_events,
    retention_rate,
    usage_summary,
)
from loyaltylab.metrics.satisfaction import (
    SatisfactionIndex,
    satisfaction_index,
    service_gaps,
    top_box,
)

__all__ = ["CheckedEvents", "Evangelists", "LoyaltyProfile", "NPSComparison", "NPSResult",
           "ReferringPromoters", "RetentionRates", "SatisfactionIndex", "UsageSummary",
           "check_events", "compare_nps", "evangelists", "loyalty_index", "loyalty_profile",
           "loyalty_segments", "nps", "nps_by_group", "referring_promoters", "retention_rate",
           "satisfaction_index", "segment_sensitivity", "service_gaps", "top_box",
           "usage_summary"]

"""loyaltylab: loyalty metrics and membership-lapse models for libraries.

Loyalty has five factors (satisfaction, desire for a relationship, repeat use, referral and
resistance to switching); members are lost through value, systems and people. The package
measures the factors with their uncertainty and models when members lapse.
"""

from loyaltylab import (
    claims,
    complaints,
    datasets,
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
    simulate,
    structural,
)
from loyaltylab._environment import notebook_setup, show_versions
from loyaltylab.exercises import check_answer

__version__ = "0.1.0"

__all__ = ["__version__", "check_answer", "claims", "complaints", "datasets", "drivers",
           "encounters", "feedback", "intake",
           "journeys", "lapse", "metrics",
           "notebook_setup", "plots", "recovery", "reviews", "scales", "schema", "show_versions",
           "simulate", "structural"]

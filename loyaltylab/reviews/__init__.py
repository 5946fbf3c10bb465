"""Online reviews and the library's replies: the source material's guide to review handling,
measured on a library's own review pages (Google Maps, social media, review sites).

The guide (the Mongolian review-handling document in the source material): answer the same
day, positive reviews too; no template or carbon-copy replies; never delete reviews (a mix of
good and bad builds trust); show how a hard case was resolved, since answering fast is not
solving fast; exaggerated praise next to peers' ratings looks suspicious.

The reviews table (canonical columns, each a parameter of every function): ``review_id``,
``branch``, ``platform``, ``posted`` (datetime), ``rating`` (1-5), ``text``, ``responded``
(datetime, missing = no reply), ``response`` (text), ``resolved`` (datetime or missing),
``removed`` (bool).

- :func:`reply_coverage`: share answered by rating band, branch or platform;
- :func:`response_times`: answered within an hour or a day; median time to answer and to
  solve (Kaplan-Meier, open reviews censored at the data date);
- :func:`template_replies`: near-identical replies and their share per branch;
- :func:`rating_trend`: ratings and volume over time;
- :func:`reply_effect`: the change in later ratings and volume after a branch starts
  replying (difference-in-differences, event time, clustered errors);
- :func:`suspicious_praise`: bursts, one-review accounts, far above peers: flags with
  evidence;
- :func:`simulate_reviews`: review pages with known truth.
"""

from loyaltylab.reviews._door import BANDS
from loyaltylab.reviews._simulate import SimulatedReviews, simulate_reviews
from loyaltylab.reviews.praise import PraiseSignals, suspicious_praise
from loyaltylab.reviews.ratings import RatingTrend, ReplyEffect, rating_trend, reply_effect
from loyaltylab.reviews.replies import (
    ReplyCoverage,
    ResponseTimes,
    TemplateReplies,
    reply_coverage,
    response_times,
    template_replies,
)

__all__ = ["BANDS", "PraiseSignals", "RatingTrend", "ReplyCoverage", "ReplyEffect",
           "ResponseTimes", "SimulatedReviews", "TemplateReplies", "rating_trend",
           "reply_coverage", "reply_effect", "response_times", "simulate_reviews",
           "suspicious_praise", "template_replies"]

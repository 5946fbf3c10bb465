"""Unprompted feedback with known truth (issue #26): the praise and suggestions members write
to the library without being asked (comment cards, e-mails, the web form), for the customer
evangelists of :func:`loyaltylab.metrics.evangelists`.

A separate draw on top of a simulated library, so the shipped library data (and every stored
notebook output built on it) stay as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._library import LibraryData
from loyaltylab.schema import DAYS_PER_YEAR, membership_end

CHANNELS = ("comment card", "e-mail", "web form")

#: The truth of :func:`unprompted_feedback`: yearly rates at the mean of every factor, and
#: log rate ratios per standard deviation of the latent loyalty factors.
UNPROMPTED_EFFECTS: dict[str, float] = {
    "praise_rate": 0.25,
    "praise_satisfaction": 0.8,
    "praise_referral": 0.6,
    "suggestion_rate": 0.20,
    "suggestion_relationship": 0.7,
    "suggestion_repeat_use": 0.3,
}


def unprompted_feedback(lib: LibraryData, *, seed: int = 0, **effects: float) -> pd.DataFrame:
    """Praise and suggestions each member of a simulated library writes unasked.

    Each member writes praise at a yearly rate ``praise_rate * exp(praise_satisfaction *
    satisfaction + praise_referral * referral)`` and suggestions at ``suggestion_rate *
    exp(suggestion_relationship * relationship + suggestion_repeat_use * repeat_use)``
    (latent factors in standard deviations, from ``lib.truth``), over their membership; the
    dates are uniform over it, the channel one of :data:`CHANNELS`.

    Parameters
    ----------
    lib : LibraryData
        A simulated library (with ``truth``), e.g. :func:`loyaltylab.datasets.load_library`.
    seed : int
    **effects : float
        Override :data:`UNPROMPTED_EFFECTS`.

    Returns
    -------
    DataFrame
        ``member_id``, ``date``, ``kind`` ("praise" or "suggestion"), ``channel``, sorted by
        member and date.

    Examples
    --------
    >>> from loyaltylab import datasets
    >>> fb = unprompted_feedback(datasets.load_library(), seed=1)
    >>> sorted(fb["kind"].unique())
    ['praise', 'suggestion']
    """
    if lib.truth is None:
        raise ValueError("unprompted_feedback needs a simulated library (lib.truth holds the "
                         "latent factors); load one with datasets.load_library()")
    eff = _validate.effects(effects, UNPROMPTED_EFFECTS)
    for k in ("praise_rate", "suggestion_rate"):
        if not eff[k] > 0:
            raise ValueError(f"effect {k!r} must be a positive rate per year, got {eff[k]}")
    rng = np.random.default_rng(seed)
    truth = lib.truth.members.set_index("member_id").reindex(lib.members["member_id"])
    span = membership_end(lib.members, lib.as_of)
    start = span["joined"].to_numpy().astype("datetime64[D]")
    days = span["days"].to_numpy().astype(np.int64)
    years = days / DAYS_PER_YEAR
    rates = {
        "praise": eff["praise_rate"] * np.exp(
            eff["praise_satisfaction"] * truth["satisfaction"].to_numpy()
            + eff["praise_referral"] * truth["referral"].to_numpy()),
        "suggestion": eff["suggestion_rate"] * np.exp(
            eff["suggestion_relationship"] * truth["relationship"].to_numpy()
            + eff["suggestion_repeat_use"] * truth["repeat_use"].to_numpy())}
    frames = []
    for kind, rate in rates.items():
        k = rng.poisson(rate * years)
        who = np.repeat(np.arange(len(k)), k)
        offset = np.floor(rng.random(who.size) * days[who]).astype(np.int64)
        frames.append(pd.DataFrame({
            "member_id": lib.members["member_id"].to_numpy()[who],
            "date": (start[who] + offset.astype("timedelta64[D]")).astype("datetime64[ns]"),
            "kind": kind, "channel": np.asarray(CHANNELS)[rng.integers(0, 3, who.size)]}))
    return pd.concat(frames, ignore_index=True).sort_values(
        ["member_id", "date", "kind"], kind="stable", ignore_index=True)

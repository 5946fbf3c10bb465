"""Review pages of a library network with known truth, to check every reviews estimator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate

_NAMES = ("Anna", "Bence", "Chen", "Dora", "Emil", "Farah", "Gabor", "Hana", "Ivan", "Julia",
          "Karim", "Lena", "Mihai", "Nora", "Oskar", "Petra", "Rosa", "Sami", "Tamar", "Uwe")
_TEMPLATE = ("Dear {name}, thank you for taking the time to share your feedback with us! We "
             "value every visitor to {branch} library and hope to welcome you again soon.")
_PIECES = (
    "the reading room heating is being repaired this week",
    "we have ordered three more copies of that novel",
    "the self-service kiosk was replaced on Monday",
    "our children's librarian will call you about the reading club",
    "the late fee you mention has been cancelled",
    "we now open at eight on Saturdays",
    "the wifi password is printed at the front desk",
    "the noisy group study sessions moved to the basement room",
    "the interlibrary loan you asked about arrived yesterday",
    "a second returns box is being installed by the car park",
    "our staff will get extra training on the new catalogue",
    "the broken chair in the quiet area has been removed",
    "we are glad the local history talk was useful",
    "the e-book platform outage was fixed on Tuesday evening",
    "your suggestion of a poetry evening is on the autumn programme",
    "the parking permit issue has been raised with the council",
    "the printer on the first floor now takes card payments",
    "the missing volume was found misshelved and is back",
    "our opening hours over the holidays are on the website",
    "thank you for mentioning our volunteer Marta",
)


_WORDS = np.array(sorted({w for p in _PIECES for w in p.split()}))


@dataclass(frozen=True)
class SimulatedReviews:
    """Simulated review pages: ``reviews`` (the table) and ``truth`` (what was planted)."""

    reviews: pd.DataFrame
    truth: dict


def simulate_reviews(
    *,
    branches: int = 16,
    months: int = 36,
    start: str = "2022-01-01",
    reviews_per_month: float = 25.0,
    rating_effect: float = 0.12,
    volume_effect: float = 0.12,
    reply_share: tuple[float, float, float] = (0.9, 0.75, 0.5),
    median_reply_hours: float = 20.0,
    resolution_share: float = 0.7,
    burst: int = 30,
    drift: float = 0.0,
    names: Sequence[str] | None = None,
    seed: int = 0,
) -> SimulatedReviews:
    """Review pages of ``branches`` branches on two platforms, with known truth.

    Half of the branches start replying, each in its own month between a third and two
    thirds of the way through (the others never reply: controls). From then on:

    - each review is answered with probability ``reply_share`` by rating band (negative,
      neutral, positive: the positive ones least, as the guide warns), after a log-normal
      delay with median ``median_reply_hours``; some branches answer mostly with one template;
    - a negative answered review is solved with probability ``resolution_share``, days after
      the answer;
    - the expected rating rises by exactly ``rating_effect`` stars (a share of reviews moves
      up one star, chosen per branch so that the mean moves by that much) and the number of
      reviews by ``volume_effect`` (relative).

    One branch receives a burst of ``burst`` five-star reviews from one-review accounts within
    three days.

    Parameters
    ----------
    branches, months : int
    start : str
        First month (ISO date).
    reviews_per_month : float
        Average reviews per branch and month before replying.
    rating_effect, volume_effect : float
        The true effects of replying.
    reply_share : (float, float, float)
        Answer probability for negative, neutral and positive reviews.
    median_reply_hours : float
    resolution_share : float
    burst : int
        Planted five-star reviews (0: none).
    names : sequence of str, optional
        Branch names (their number replaces ``branches``); default "Branch A", "Branch B" ...
    drift : float
        SD of a common monthly shock that tilts every branch's rating distribution (its
        effect on the mean differs between branches, so with ``drift`` > 0 the fixed effects
        no longer absorb it exactly: a check of the estimator's robustness).
    seed : int

    Returns
    -------
    SimulatedReviews
        ``reviews`` with the canonical columns plus ``author``; ``truth`` with the adoption
        month per branch, the template branches, both effects, the burst branch and dates.

    Examples
    --------
    >>> sim = simulate_reviews(branches=4, months=12, seed=1)
    >>> sorted(sim.reviews.columns)[:4]
    ['author', 'branch', 'platform', 'posted']
    """
    if names is not None:
        names = _validate.names(names, "names", "branch names")
        branches = len(names)
    branches = _validate.positive_int(branches, "branches", minimum=4)
    months = _validate.positive_int(months, "months", minimum=6)
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    names = (list(names) if names is not None else
             [f"Branch {chr(65 + i)}" if i < 26 else f"Branch {i}" for i in range(branches)])
    adopters = rng.permutation(branches)[: branches // 2]
    adopt = np.full(branches, -1)
    adopt[adopters] = rng.integers(months // 3, 2 * months // 3, adopters.size)
    template_branches = set(rng.choice(adopters, size=max(1, adopters.size // 2),
                                       replace=False).tolist())
    # each branch's base distribution of 1..5 stars, and the share moved up one star after
    # replying so that the mean rises by exactly rating_effect
    base = rng.dirichlet(np.array([1.5, 1.2, 2.0, 4.0, 6.0]) * 10, branches)
    shock = rng.normal(0, drift, months)  # common monthly drift of the ratings
    rate = rng.gamma(8.0, reviews_per_month / 8.0, branches)
    rows = []
    for b in range(branches):
        for m in range(months):
            post = adopt[b] >= 0 and m >= adopt[b]
            n = rng.poisson(rate[b] * (1 + volume_effect if post else 1.0))
            if n == 0:
                continue
            p = base[b]
            # the common monthly shock tilts every branch alike (period fixed effects)
            tilt = np.exp(shock[m] * np.arange(5))
            p = p * tilt / (p * tilt).sum()
            stars = rng.choice(np.arange(1, 6), size=n, p=p)
            if post:  # a share of the reviews below 5 stars moves up one star
                move = rating_effect / (1 - p[4])
                if move > 1:
                    raise ValueError("rating_effect is too large for the simulated ratings")
                stars = stars + ((rng.uniform(size=n) < move) & (stars < 5))
            month_start = t0 + pd.DateOffset(months=m)
            days = (month_start + pd.DateOffset(months=1) - month_start).days
            when = month_start + pd.to_timedelta(rng.uniform(0, days * 86400, n), unit="s")
            reg = rng.integers(0, 4 * branches * months, n)  # regular accounts repeat
            for k in range(n):
                rows.append((b, when[k], int(stars[k]), post, f"u{reg[k]}"))
    d = pd.DataFrame(rows, columns=["b", "posted", "rating", "post", "author"])
    if burst:
        target = int(rng.choice([b for b in range(branches) if b not in adopters]))
        day = t0 + pd.DateOffset(months=months // 2) + pd.Timedelta(days=10)
        when = day + pd.to_timedelta(rng.uniform(0, 3 * 86400, burst), unit="s")
        extra = pd.DataFrame({"b": target, "posted": when, "rating": 5, "post": False,
                              "author": [f"burst{i}" for i in range(burst)]})
        d = pd.concat([d, extra], ignore_index=True)
    else:
        target, day = None, None
    d = d.sort_values("posted", kind="stable", ignore_index=True)
    n = len(d)
    band = np.select([d["rating"] <= 2, d["rating"] == 3], [0, 1], 2)
    answered = d["post"].to_numpy() & (rng.uniform(size=n) < np.asarray(reply_share)[band])
    delay = np.exp(rng.normal(np.log(median_reply_hours), 1.2, n))
    # (NaN hours would go through pandas' integer cast and warn of an overflow: mask after)
    responded = d["posted"] + pd.to_timedelta(pd.Series(delay), unit="h").where(answered)
    templ = d["b"].isin(template_branches).to_numpy() & (rng.uniform(size=n) < 0.8)
    who = rng.choice(_NAMES, n)
    texts = []
    for k in range(n):
        if not answered[k]:
            texts.append(None)
        elif templ[k]:
            texts.append(_TEMPLATE.format(name=who[k], branch=names[d["b"].iat[k]]))
        else:  # a personal answer: one of the common facts, then words of its own
            own = " ".join(rng.choice(_WORDS, 20))
            texts.append(f"Hello {who[k]}, {_PIECES[rng.integers(len(_PIECES))]}; {own}.")
    solved = answered & (band == 0) & (rng.uniform(size=n) < resolution_share)
    fix = np.exp(rng.normal(np.log(5 * 24), 0.8, n))  # hours after the answer
    resolved = responded + pd.to_timedelta(pd.Series(fix), unit="h").where(solved)
    reviews = pd.DataFrame({
        "review_id": np.arange(1, n + 1), "branch": [names[b] for b in d["b"]],
        "platform": rng.choice(["Google Maps", "Facebook"], n, p=[0.7, 0.3]),
        "posted": d["posted"].to_numpy(), "rating": d["rating"].to_numpy(),
        "text": None, "responded": responded.to_numpy(), "response": texts,
        "resolved": resolved.to_numpy(), "removed": False, "author": d["author"].to_numpy()})
    truth = {
        "adoption": {names[b]: (t0 + pd.DateOffset(months=int(adopt[b])) if adopt[b] >= 0
                                else None) for b in range(branches)},
        "template_branches": sorted(names[b] for b in template_branches),
        "rating_effect": rating_effect, "volume_effect": volume_effect,
        "reply_share": dict(zip(("negative", "neutral", "positive"), reply_share,
                                strict=True)),
        "median_reply_hours": median_reply_hours,
        "burst_branch": names[target] if target is not None else None,
        "burst_start": day, "burst_size": burst,
    }
    return SimulatedReviews(reviews=reviews, truth=truth)

"""A synthetic library whose truth is known.

The world follows the seed material: five correlated loyalty factors drive survey answers
(through known loadings), use (together with convenience, so that "spurious" and "latent"
loyalty both occur) and lapse (through known hazard ratios). Complaints about value, systems
or people raise the lapse hazard from the first complaint on; a resolved complaint (service
recovery) and a fast answer lower it. The rating of the whole journey carries more of the lapse
effect than the touchpoint ratings. Survey non-response depends on attitude.

Run ``make datasets`` (``python -m loyaltylab._make_datasets datasets``) to regenerate the
shipped data.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from loyaltylab import _validate
from loyaltylab._library import LibraryData, LibraryTruth
from loyaltylab.schema import ATTITUDINAL, DAYS_PER_YEAR, FACTORS

__all__ = ["DEFAULT_EFFECTS", "ENCOUNTER_EFFECTS", "FEEDBACK_EFFECTS", "LAPSE_REASON_SHARES",
           "PROCESS_EFFECTS", "SHIPPED", "UNPROMPTED_EFFECTS", "asking_and_acting",
           "complaint_process", "library", "lapse_reasons", "migrate", "service_encounters",
           "unprompted_feedback"]

MEMBER_TYPES = ("adult", "family", "senior", "student")
MEMBER_TYPE_P = (0.40, 0.15, 0.20, 0.25)
BRANCHES = ("Central", "East", "North", "South", "West")
BRANCH_P = (0.35, 0.15, 0.20, 0.15, 0.15)
EVENT_KINDS = ("e-loan", "event", "loan", "visit")
CATEGORIES = ("people", "systems", "value")
CATEGORY_P = (0.25, 0.35, 0.40)
CHANNELS = ("desk", "email", "online review", "phone", "web form")
CHANNEL_P = (0.30, 0.25, 0.10, 0.15, 0.20)
# Median response time in hours by channel: at the desk most answers are immediate, written
# channels wait for a working day or more (a guide to answering online reviews cites most
# answers coming after a day).
CHANNEL_MEDIAN_HOURS = (0.25, 20.0, 40.0, 2.0, 24.0)
TOUCHPOINTS = ("desk", "catalogue", "website")
LIBQUAL_DIMENSIONS = {"as": "affect of service", "ic": "information control",
                      "lp": "library as place"}

DEFAULT_EFFECTS: dict[str, float] = {
    # lapse hazard ratios per SD of the latent factors
    "hr_satisfaction": 0.80,
    "hr_relationship": 0.85,
    "hr_repeat_use": 0.75,
    "hr_referral": 0.95,
    "hr_switching": 0.70,
    # per SD of journey quality and of each touchpoint's own quality
    "hr_journey": 0.70,
    "hr_touchpoint": 0.95,
    # members who joined through a trial offer or incentive, and member types vs adults
    "hr_offer": 1.40,
    "hr_family": 0.90,
    "hr_senior": 0.80,
    "hr_student": 1.30,
    # from the first complaint on, by category; times hr_recovered if it was resolved;
    # times hr_per_log10_response_hours per tenfold longer wait for an answer
    "hr_complaint_value": 1.40,
    "hr_complaint_systems": 1.20,
    "hr_complaint_people": 1.70,
    "hr_recovered": 0.60,
    "hr_per_log10_response_hours": 1.15,
    # Weibull baseline: median tenure (years) of an average adult, and its shape
    "median_tenure_years": 4.0,
    "weibull_shape": 0.9,
    # complaints per member-year at average satisfaction (and their drop per SD)
    "complaint_rate": 0.25,
    # mean use events per member-year and what drives them
    "visit_rate": 18.0,
    "use_repeat_weight": 0.55,
    "use_convenience_weight": 0.45,
    "offer_share": 0.15,
    # survey
    "response_rate": 0.45,
    "response_attitude_slope": 0.6,
    "item_missing": 0.03,
    # latent correlations: among attitudinal factors, and of repeat use with them
    "factor_correlation": 0.5,
    "repeat_correlation": 0.3,
    "journey_correlation": 0.35,
}

#: Loadings of each survey item on its latent factor (negative: reverse-coded item).
LOADINGS: dict[str, dict[str, float]] = {
    "satisfaction": {"sat1": 0.88, "sat2": 0.85, "sat3": 0.80},
    "relationship": {"rel1": 0.82, "rel2": 0.78, "rel3": 0.75, "rel4": -0.65},
    "repeat_use": {"rep1": 0.82, "rep2": 0.78, "rep3": 0.74},
    "switching": {"sw1": 0.78, "sw2": 0.78, "sw3": -0.70, "sw4": 0.74},
    "referral": {"ref1": 0.82, "ref2": 0.80, "ref3": 0.75, "recommend": 0.80},
}
#: Response probabilities per category (the items' marginal distribution at loading 0).
_LIKERT5_P = (0.05, 0.12, 0.28, 0.33, 0.22)
_TEN_P = (0.01, 0.01, 0.02, 0.03, 0.06, 0.09, 0.15, 0.23, 0.22, 0.18)
_RECOMMEND_P = (0.02, 0.01, 0.02, 0.03, 0.04, 0.08, 0.08, 0.15, 0.17, 0.17, 0.23)

#: Arguments of the shipped ``datasets/library`` data set.
SHIPPED = {"n_members": 5000, "years": 6, "seed": 20240601, "start": "2019-01-01"}


def _check_effects(effects: dict) -> dict[str, float]:
    eff = _validate.effects(effects, DEFAULT_EFFECTS)
    for k, v in eff.items():
        if (k.startswith("hr_") or k in ("median_tenure_years", "weibull_shape")) and v <= 0:
            raise ValueError(f"effect {k!r} is a ratio or scale and must be > 0, got {v}")
        if k in ("complaint_rate", "visit_rate", "use_repeat_weight", "use_convenience_weight",
                 "response_attitude_slope") and v < 0:
            raise ValueError(f"effect {k!r} must be >= 0, got {v}")
    _validate.probability(eff["response_rate"], "effect 'response_rate'")
    _validate.probability(eff["offer_share"], "effect 'offer_share'", open_interval=False)
    if not 0 <= eff["item_missing"] < 1:
        raise ValueError(f"effect 'item_missing' must be in [0, 1), got {eff['item_missing']}")
    return eff


def _correlation(eff: dict) -> np.ndarray:
    """Correlation of (satisfaction, relationship, repeat_use, referral, switching, journey)."""
    r = np.full((6, 6), eff["factor_correlation"])
    rep = FACTORS.index("repeat_use")
    r[rep, :] = r[:, rep] = eff["repeat_correlation"]
    r[5, :] = r[:, 5] = eff["journey_correlation"]
    r[5, 0] = r[0, 5] = min(0.95, 1.4 * eff["journey_correlation"])  # journey ~ satisfaction
    np.fill_diagonal(r, 1.0)
    if np.linalg.eigvalsh(r).min() <= 1e-8:
        raise ValueError(
            "effects 'factor_correlation', 'repeat_correlation' and 'journey_correlation' "
            "give a correlation matrix that is not positive definite; use smaller or "
            "non-negative values"
        )
    return r


def _ordinal(latent: np.ndarray, probs: tuple[float, ...], lowest: int) -> np.ndarray:
    """Cut a standard-normal latent response into categories with the given marginal shares."""
    cuts = stats.norm.ppf(np.cumsum(probs)[:-1])
    return (np.searchsorted(cuts, latent) + lowest).astype(float)


def _item_spec(item: str) -> tuple[tuple[float, ...], int]:
    if item == "recommend":
        return _RECOMMEND_P, 0
    if item.startswith("sat"):
        return _TEN_P, 1
    return _LIKERT5_P, 1


def _days(start: np.datetime64, years: np.ndarray) -> np.ndarray:
    return start + np.floor(years * DAYS_PER_YEAR).astype("timedelta64[D]")


def _lapse_times(rng, lp, h_complaint, t_complaint, eff):
    """Draw lapse times (years) from a Weibull proportional-hazards model whose hazard is
    multiplied by ``h_complaint`` from ``t_complaint`` on, by inverting the cumulative hazard."""
    shape = eff["weibull_shape"]
    scale = eff["median_tenure_years"] / np.log(2) ** (1 / shape)
    e = rng.exponential(size=lp.size) / np.exp(lp)
    h_tc = (t_complaint / scale) ** shape
    after = e >= h_tc
    target = e.copy()
    target[after] = h_tc[after] + (e[after] - h_tc[after]) / h_complaint[after]
    return scale * target ** (1 / shape), {"shape": shape, "scale_years": scale}


def _complaint_attributes(rng, n):
    cat = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_P)
    chan = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)
    med = np.asarray(CHANNEL_MEDIAN_HOURS)[chan]
    hours = np.round(med * np.exp(rng.normal(0.0, 1.0, size=n)), 2).clip(0.01)
    # A fast answer makes resolution more likely.
    resolved = rng.random(n) < special.expit(0.9 - 0.6 * np.log10(hours))
    return cat, chan, hours, resolved


def library(
    *,
    n_members: int = 4000,
    years: int = 6,
    seed: int = 0,
    start: str = "2019-01-01",
    progress: bool | None = None,
    **effects: float,
) -> LibraryData:
    """Simulate a library with known truth.

    Parameters
    ----------
    n_members : int
        Members who join during the period (uniformly over ``years``).
    years : int
        Length of the observation period; the data end ``years`` after ``start`` (``as_of``).
    seed : int
        Seed of every random draw: the same arguments give identical tables.
    start : str
        First day of the period (ISO date).
    progress : bool, optional
        Show a progress bar (tqdm). By default only for 100,000 members or more.
    **effects : float
        Override any of :data:`DEFAULT_EFFECTS` (hazard ratios, rates, survey settings).

    Returns
    -------
    LibraryData
        ``members``, ``visits``, ``survey``, ``complaints`` and ``truth``.

    Examples
    --------
    >>> lib = library(n_members=500, years=4, seed=1)
    >>> lib.members.shape[0]
    500
    >>> float(lib.truth.hazard_ratios["satisfaction"])
    0.8
    """
    n = _validate.positive_int(n_members, "n_members")
    years = _validate.positive_int(years, "years")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    eff = _check_effects(effects)
    corr = _correlation(eff)
    start_day = np.datetime64(pd.Timestamp(start).date(), "D")
    horizon = float(years)
    as_of = pd.Timestamp(_days(start_day, np.array([horizon]))[0])

    from tqdm.auto import tqdm

    show = n >= 100_000 if progress is None else bool(progress)
    bar = tqdm(total=6, desc="simulating library", disable=not show)
    r_mem, r_lat, r_lapse, r_use, r_survey, r_compl = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))

    # --- members -------------------------------------------------------------------------
    mtype = r_mem.choice(len(MEMBER_TYPES), size=n, p=MEMBER_TYPE_P).astype(np.int8)
    branch = r_mem.choice(len(BRANCHES), size=n, p=BRANCH_P)
    log_dist = r_mem.normal(np.log(2.5), 0.8, size=n)
    distance = np.round(np.exp(log_dist), 1).clip(0.1)
    join_t = r_mem.random(n) * horizon
    offer = r_mem.random(n) < eff["offer_share"]
    bar.update()

    # --- latent variables ----------------------------------------------------------------
    z = r_lat.multivariate_normal(np.zeros(6), corr, size=n, method="cholesky")
    fac = {f: z[:, i] for i, f in enumerate(FACTORS)}
    journey = z[:, 5]
    touch = r_lat.standard_normal((n, len(TOUCHPOINTS)))
    convenience = -(log_dist - np.log(2.5)) / 0.8
    att_raw = np.mean([fac[f] for f in ATTITUDINAL], axis=0)
    att_sd = np.sqrt(corr[np.ix_([0, 1, 3, 4], [0, 1, 3, 4])].sum()) / 4
    attitude = att_raw / att_sd
    wr, wc = eff["use_repeat_weight"], eff["use_convenience_weight"]
    use_sd = np.hypot(wr, wc)
    type_use = np.array([1.0, 1.1, 0.9, 1.2])[mtype]
    log_rate = wr * fac["repeat_use"] + wc * convenience
    rate = eff["visit_rate"] * type_use * np.exp(log_rate - use_sd**2 / 2)
    usage_z = log_rate / use_sd if use_sd > 0 else np.zeros(n)
    # corr(attitude, usage) implied by the parameters, for the expected segment sizes
    cov_ar = np.mean([corr[FACTORS.index("repeat_use"), FACTORS.index(f)] for f in ATTITUDINAL])
    eff["_attitude_usage_corr"] = float(wr * cov_ar / att_sd / use_sd) if use_sd > 0 else 0.0
    bar.update()

    # --- complaints and lapse ------------------------------------------------------------
    c_rate = eff["complaint_rate"] * np.exp(-0.4 * fac["satisfaction"])
    with np.errstate(divide="ignore"):
        t_first = np.where(c_rate > 0, r_compl.exponential(size=n) / np.maximum(c_rate, 1e-300),
                           np.inf)
    cat1, chan1, hours1, res1 = _complaint_attributes(r_compl, n)
    hr_cat = np.array([eff["hr_complaint_people"], eff["hr_complaint_systems"],
                       eff["hr_complaint_value"]])[cat1]
    h_complaint = (hr_cat * np.where(res1, eff["hr_recovered"], 1.0)
                   * eff["hr_per_log10_response_hours"] ** np.log10(hours1))
    lp = sum(np.log(eff[f"hr_{f}"]) * fac[f] for f in FACTORS)
    lp = lp + np.log(eff["hr_journey"]) * journey + np.log(eff["hr_touchpoint"]) * touch.sum(1)
    lp = lp + np.log(eff["hr_offer"]) * offer
    lp = lp + np.log(np.array([1.0, eff["hr_family"], eff["hr_senior"], eff["hr_student"]]))[mtype]
    tenure, baseline = _lapse_times(r_lapse, lp, h_complaint, t_first, eff)
    window = horizon - join_t
    lapsed = tenure < window
    obs = np.minimum(tenure, window)
    bar.update()

    member_id = np.arange(1, n + 1, dtype=np.int64)
    members = pd.DataFrame({
        "member_id": member_id,
        "joined": _days(start_day, join_t).astype("datetime64[ns]"),
        "lapsed": pd.Series(_days(start_day, join_t + obs).astype("datetime64[ns]")).where(
            lapsed),
        "member_type": pd.Categorical.from_codes(mtype, MEMBER_TYPES),
        "branch": pd.Categorical.from_codes(branch, BRANCHES),
        "distance_km": distance,
        "joined_via_offer": offer,
        "renewals": np.floor(obs).astype(np.int64),
    })
    # A member who lapses on the day they joined is recorded as lapsing the next day.
    same = members["lapsed"].notna() & (members["lapsed"] <= members["joined"])
    members.loc[same, "lapsed"] = members.loc[same, "joined"] + pd.Timedelta(days=1)

    # --- use events ----------------------------------------------------------------------
    burst = np.minimum(0.25, obs)  # an incentive lifts use in the first quarter only
    k1 = r_use.poisson(rate * np.where(offer, 2.0, 1.0) * burst)
    k2 = r_use.poisson(rate * (obs - burst))
    o1, o2 = np.repeat(np.arange(n), k1), np.repeat(np.arange(n), k2)
    t1 = r_use.random(o1.size, dtype=np.float32) * burst[o1]
    t2 = burst[o2] + r_use.random(o2.size, dtype=np.float32) * (obs - burst)[o2]
    owner = np.concatenate([o1, o2])
    day = np.floor((join_t[owner] + np.concatenate([t1, t2])) * DAYS_PER_YEAR).astype(np.int64)
    del o1, o2, t1, t2
    # One sort of a combined key orders events by member and day, cheaper than argsort.
    key = np.sort(owner * 1_000_000 + day)
    owner, day = key // 1_000_000, key % 1_000_000
    del key
    # The kind of an event depends on the member type only, so it is drawn after sorting.
    kind_p = np.array([[0.15, 0.05, 0.30, 0.50], [0.10, 0.10, 0.35, 0.45],
                       [0.08, 0.07, 0.35, 0.50], [0.25, 0.05, 0.25, 0.45]])
    cum = np.cumsum(kind_p, axis=1).astype(np.float32)
    ev_type = mtype[owner]
    u = r_use.random(owner.size, dtype=np.float32)
    kind = np.zeros(owner.size, dtype=np.int8)
    for j in range(3):
        kind += u > cum[ev_type, j]
    del u, ev_type
    # At most one event of each kind per member and day: identical rows would be
    # indistinguishable from duplicated records (which repeat-use checks report).
    key = np.sort((owner * 1_000_000 + day) * 4 + kind)  # nearly sorted already: fast
    key = key[np.r_[True, key[1:] != key[:-1]]]  # np.unique is far slower here
    kind, key = (key % 4).astype(np.int8), key // 4
    owner, day = key // 1_000_000, key % 1_000_000
    del key
    visits = pd.DataFrame({
        "member_id": member_id[owner],
        "date": (start_day + day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "kind": pd.Categorical.from_codes(kind, EVENT_KINDS),
    })
    bar.update()

    # --- survey --------------------------------------------------------------------------
    survey = _survey(r_survey, eff, fac, journey, touch, attitude, join_t, join_t + obs,
                     horizon, start_day, member_id)
    bar.update()

    # --- complaints table ----------------------------------------------------------------
    has_first = t_first < obs
    extra = r_compl.poisson(np.where(has_first, c_rate * np.maximum(obs - t_first, 0), 0))
    who = np.concatenate([np.flatnonzero(has_first), np.repeat(np.arange(n), extra)])
    t_c = np.concatenate([t_first[has_first],
                          np.repeat(t_first, extra) + r_compl.random(extra.sum())
                          * np.repeat(obs - np.where(has_first, t_first, 0), extra)])
    cat2, chan2, hours2, res2 = _complaint_attributes(r_compl, int(extra.sum()))
    cat = np.concatenate([cat1[has_first], cat2])
    chan = np.concatenate([chan1[has_first], chan2])
    hours = np.concatenate([hours1[has_first], hours2])
    res = np.concatenate([res1[has_first], res2])
    cday = np.floor((join_t[who] + t_c) * DAYS_PER_YEAR).astype(np.int64)
    corder = np.lexsort((cday, who))
    complaints = pd.DataFrame({
        "complaint_id": np.arange(1, who.size + 1, dtype=np.int64),
        "member_id": member_id[who[corder]],
        "date": (start_day + cday[corder].astype("timedelta64[D]")).astype("datetime64[ns]"),
        "category": pd.Categorical.from_codes(cat[corder], CATEGORIES),
        "channel": pd.Categorical.from_codes(chan[corder], CHANNELS),
        "response_hours": hours[corder],
        "resolved": res[corder],
    })
    bar.update()
    bar.close()

    seg = np.where(attitude > 0, np.where(usage_z > 0, "true", "latent"),
                   np.where(usage_z > 0, "spurious", "no loyalty"))
    truth_members = pd.DataFrame({"member_id": member_id, **fac, "journey": journey,
                                  **{f"touchpoint_{t}": touch[:, i]
                                     for i, t in enumerate(TOUCHPOINTS)},
                                  "convenience": convenience, "attitude": attitude,
                                  "use_rate": rate, "usage_z": usage_z,
                                  "segment": pd.Categorical(
                                      seg, ["latent", "no loyalty", "spurious", "true"])})
    hr = {f: eff[f"hr_{f}"] for f in FACTORS}
    hr.update({"journey": eff["hr_journey"], "touchpoint": eff["hr_touchpoint"],
               "joined_via_offer": eff["hr_offer"], "family": eff["hr_family"],
               "senior": eff["hr_senior"], "student": eff["hr_student"],
               "complaint_value": eff["hr_complaint_value"],
               "complaint_systems": eff["hr_complaint_systems"],
               "complaint_people": eff["hr_complaint_people"],
               "recovered": eff["hr_recovered"],
               "per_log10_response_hours": eff["hr_per_log10_response_hours"]})
    loadings = pd.DataFrame([
        {"scale": scale, "item": item, "factor": scale, "loading": lam}
        for scale, items in LOADINGS.items() for item, lam in items.items()])
    names = [*FACTORS, "journey"]
    truth = LibraryTruth(
        effects=eff, hazard_ratios=pd.Series(hr, name="hazard_ratio"), loadings=loadings,
        factor_correlation=pd.DataFrame(corr, index=names, columns=names),
        members=truth_members, baseline=baseline)
    return LibraryData(members=members, visits=visits, survey=survey, complaints=complaints,
                       as_of=as_of, truth=truth, name="simulated library")


#: Default share of each lapse reason among the lapses of each member type (rows sum to 1):
#: students move away, seniors die, most members simply do not renew.
LAPSE_REASON_SHARES = pd.DataFrame(
    {"did not renew": [0.70, 0.70, 0.60, 0.50], "moved away": [0.15, 0.20, 0.05, 0.40],
     "closed by the library": [0.10, 0.08, 0.05, 0.08], "died": [0.05, 0.02, 0.30, 0.02]},
    index=pd.Index(MEMBER_TYPES, name="member_type"))


def lapse_reasons(lib: LibraryData, *, shares: pd.DataFrame | None = None, seed: int = 0,
                  still: str = "member") -> LibraryData:
    """Give every lapsed member of a simulated library a reason, with known shares.

    Each lapse is given reason k with probability ``shares.loc[member_type, k]``,
    independently of when it happened. So the cause-specific hazard of reason k is the
    lapse hazard times that share, and the true cumulative incidence of reason k in a
    member type is ``share * (1 - S(t))``: what :func:`loyaltylab.lapse.cumulative_incidence`
    should recover.

    Parameters
    ----------
    lib : LibraryData
        A library from :func:`library` (or ``datasets.load_library()``).
    shares : DataFrame, optional
        Member types (index) x reasons (columns); rows sum to 1. Default
        :data:`LAPSE_REASON_SHARES`.
    seed : int
        Seed of the draws (the library's own tables are not changed).
    still : str
        The ``reason`` of members still present.

    Returns
    -------
    LibraryData
        The same library with ``members["reason"]`` and the shares in
        ``truth.effects["lapse_reason_shares"]``.

    Examples
    --------
    >>> from loyaltylab.datasets import load_library
    >>> lib = lapse_reasons(load_library())
    >>> int((lib.members["reason"] != "member").sum()) == int(lib.members["lapsed"].notna().sum())
    True
    """
    shares = LAPSE_REASON_SHARES if shares is None else shares
    if not np.allclose(shares.sum(axis=1), 1.0):
        raise ValueError("each row of shares must sum to 1 (the reasons of one member type)")
    m = lib.members
    missing = set(m["member_type"].astype(str)) - set(shares.index.astype(str))
    if missing:
        raise ValueError(f"shares has no row for member type(s) {sorted(missing)}")
    rng = np.random.default_rng(seed)
    p = shares.loc[m["member_type"].astype(str)].to_numpy()
    u = rng.uniform(size=len(m))
    pick = (u[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    pick = np.minimum(pick, p.shape[1] - 1)
    reasons = np.asarray(shares.columns)[pick]
    reason = np.where(m["lapsed"].notna(), reasons, still)
    members = m.assign(reason=pd.Categorical(reason, [still, *shares.columns]))
    truth = lib.truth
    if truth is not None:
        truth = replace(truth, effects={**truth.effects,
                                        "lapse_reason_shares": shares.to_dict("index")})
    return replace(lib, members=members, truth=truth)


def migrate(lib: LibraryData, observed_from: str | pd.Timestamp) -> LibraryData:
    """The library as a system migrated on ``observed_from`` holds it.

    Library systems keep records only from the date they were installed (or migrated to):
    members whose membership ended before that date are missing altogether, and the use
    events, survey answers and complaints before it are gone. Members who joined earlier and
    were still there are kept with their true join date: the survivors. This is the data on
    which delayed entry matters (:func:`loyaltylab.lapse.tenure_table` with
    ``observed_from=``).

    Parameters
    ----------
    lib : LibraryData
        A full library.
    observed_from : date
        The migration date.

    Returns
    -------
    LibraryData
        The migrated tables (``truth`` kept, for comparison).

    Examples
    --------
    >>> from loyaltylab.datasets import load_library
    >>> len(migrate(load_library(), "2021-01-01").members)
    4570
    """
    start = _validate.as_of(observed_from, "observed_from")
    m = lib.members
    gone = m["lapsed"].notna() & (m["lapsed"] <= start)
    keep = m[~gone].reset_index(drop=True)
    ids = set(keep["member_id"])

    def after(df):
        return df[(df["date"] >= start) & df["member_id"].isin(ids)].reset_index(drop=True)

    return replace(lib, members=keep, visits=after(lib.visits), survey=after(lib.survey),
                   complaints=after(lib.complaints),
                   name=f"{lib.name}, migrated {start.date()}")


def _survey(rng, eff, fac, journey, touch, attitude, t_join, t_end, horizon, start_day,
            member_id) -> pd.DataFrame:
    """Two survey waves (1.5 and 0.5 years before the end) of the members active then."""
    waves = [w for w in (horizon - 1.5, horizon - 0.5) if w > 0]
    frames = []
    for wave, t_w in enumerate(waves, start=1):
        active = (t_join <= t_w) & (t_end > t_w)
        p = special.expit(special.logit(eff["response_rate"])
                          + eff["response_attitude_slope"] * attitude)
        idx = np.flatnonzero(active & (rng.random(attitude.size) < p))
        m = idx.size
        cols: dict[str, np.ndarray] = {}
        for factor, items in LOADINGS.items():
            for item, lam in items.items():
                probs, lowest = _item_spec(item)
                latent = (abs(lam) * fac[factor][idx]
                          + np.sqrt(1 - lam**2) * rng.standard_normal(m))
                cols[item] = _ordinal(latent, probs, lowest)
                if lam < 0:  # a negatively worded item: the answer runs the other way
                    cols[item] = 2 * lowest + len(probs) - 1 - cols[item]
        cols["journey"] = _ordinal(0.85 * journey[idx] + np.sqrt(1 - 0.85**2)
                                   * rng.standard_normal(m), _TEN_P, 1)
        for i, tp in enumerate(TOUCHPOINTS):
            lat = 0.5 * journey[idx] + 0.6 * touch[idx, i]
            cols[f"tp_{tp}"] = _ordinal(lat + np.sqrt(1 - 0.25 - 0.36) * rng.standard_normal(m),
                                        _TEN_P, 1)
        # LibQUAL-style minimum / desired / perceived ratings on 1-9.
        quality = 0.6 * fac["satisfaction"][idx] + 0.4 * journey[idx]
        for dim, shift in zip(LIBQUAL_DIMENSIONS, (0.3, 0.0, -0.6), strict=True):
            for j in (1, 2):
                lo = 5.2 + 1.2 * rng.standard_normal(m)
                hi = lo + np.abs(1.8 + 0.7 * rng.standard_normal(m))
                per = 6.4 + shift + 0.8 * quality + 1.0 * rng.standard_normal(m)
                for tag, v in (("min", lo), ("des", hi), ("per", per)):
                    cols[f"lq_{dim}{j}_{tag}"] = np.clip(np.round(v), 1, 9)
        # Less loyal members skip more items (missing not at random).
        miss_p = np.clip(eff["item_missing"] * np.exp(-0.4 * attitude[idx]), 0, 0.9)
        for key in cols:
            cols[key][rng.random(m) < miss_p] = np.nan
        referrals = rng.poisson(np.exp(-0.7 + 0.7 * fac["referral"][idx])).astype(np.int64)
        frames.append(pd.DataFrame({
            "member_id": member_id[idx], "wave": np.int64(wave),
            "date": pd.Timestamp(_days(start_day, np.array([t_w]))[0]), **cols,
            "referrals": referrals}))
    if not frames:
        return pd.DataFrame(columns=["member_id", "wave", "date"])
    return pd.concat(frames, ignore_index=True)


# --- the shipped data set ----------------------------------------------------------------

def write(lib: LibraryData, folder: str | Path) -> None:
    """Write a simulated library as compressed CSV (deterministic bytes) plus its truth."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    comp = {"method": "gzip", "mtime": 0, "compresslevel": 9}
    for name, df in lib.to_frames().items():
        df.to_csv(folder / f"{name}.csv.gz", index=False, compression=comp,
                  date_format="%Y-%m-%d", float_format="%.10g")
    lib.truth.members.to_csv(folder / "truth_members.csv.gz", index=False, compression=comp,
                             float_format="%.10g")
    eff = {k: v for k, v in lib.truth.effects.items()}
    meta = {"arguments": SHIPPED, "as_of": str(lib.as_of.date()), "effects": eff,
            "hazard_ratios": lib.truth.hazard_ratios.to_dict(),
            "baseline": lib.truth.baseline, "loadings": lib.truth.loadings.to_dict("records"),
            "factor_correlation": lib.truth.factor_correlation.to_dict("split")}
    (folder / "truth.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


# complaints as a recurrent process with known handling effects (its own module: issue #28)
from loyaltylab._simulate_complaints import PROCESS_EFFECTS, complaint_process  # noqa: E402
from loyaltylab._simulate_encounters import (  # noqa: E402
    ENCOUNTER_EFFECTS,
    service_encounters,
)
from loyaltylab._simulate_feedback import FEEDBACK_EFFECTS, asking_and_acting  # noqa: E402
from loyaltylab._simulate_unprompted import (  # noqa: E402
    UNPROMPTED_EFFECTS,
    unprompted_feedback,
)

"""Service encounters with known truth: waits and staff courtesy at each visit, the staff
survey behind them, lapse that depends on both, and survey waves whose expectations rise
(issue #28). A world of its own, so that the shipped library data stay as they are."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab.schema import DAYS_PER_YEAR

#: The truth of :func:`service_encounters`.
ENCOUNTER_EFFECTS: dict[str, float] = {
    # visits per member-year; share of visits whose wait is timed, share rated for courtesy
    "visit_rate": 20.0,
    "timed_share": 0.8,
    "rated_share": 0.3,
    # the typical wait (minutes) across the library, and its spread (log scale) between
    # branches, between members of a branch (when they come) and between visits
    "median_wait_minutes": 5.0,
    "wait_sd_branch": 0.4,
    "wait_sd_member": 0.4,
    "wait_sd_visit": 0.3,
    # courtesy (1-5): a branch's level rises with its share of trained staff (per 100%)
    # and its staff's job satisfaction (per point); members' experience varies around it
    "courtesy_mean": 3.8,
    "courtesy_per_trained": 0.8,
    "courtesy_per_job_satisfaction": 0.3,
    "courtesy_sd_member": 0.5,
    "courtesy_sd_rating": 0.4,
    # lapse: per 10 minutes of a member's typical wait, per point of the courtesy they meet
    "hr_per_10min_wait": 1.3,
    "hr_per_courtesy_point": 0.75,
    "median_tenure_years": 5.0,
    # LibQUAL-style levels (1-9): change from the first survey wave to the second
    "drift_minimum": 0.4,
    "drift_desired": 0.3,
    "drift_perceived": 0.0,
    "response_rate": 0.5,
}

DIMENSIONS = {"affect of service": ["lq_as1", "lq_as2"], "library as place": ["lq_lp1", "lq_lp2"]}


@dataclass(frozen=True)
class SimulatedEncounters:
    """``members``, ``visits`` (``wait_minutes``, ``courtesy``), ``staff`` (one row per
    staff member: ``branch``, ``trained``, ``job_satisfaction``), ``survey`` (two waves of
    LibQUAL-style items), ``as_of`` and ``truth`` (effects, each member's typical wait and
    courtesy, each branch's courtesy level)."""

    members: pd.DataFrame
    visits: pd.DataFrame
    staff: pd.DataFrame
    survey: pd.DataFrame
    as_of: pd.Timestamp
    truth: dict


def service_encounters(*, n_members: int = 3000, years: int = 4, branches: int = 12,
                       seed: int = 0, start: str = "2021-01-01",
                       **effects: float) -> SimulatedEncounters:
    """Members, their visits with waits and courtesy ratings, the branches' staff, and two
    survey waves, with known effects.

    Each member has a typical wait (the branch's level times their own factor: when they
    come) and meets a typical courtesy (the branch's level, set by its share of trained
    staff and their job satisfaction, plus their own experience). Their lapse hazard is
    multiplied by ``hr_per_10min_wait`` per 10 minutes of typical wait and by
    ``hr_per_courtesy_point`` per courtesy point. Each visit's wait varies around the
    member's typical one; a share of visits is timed and a share rated. Members present at
    the two survey waves (2.5 and 0.5 years before the end) answer LibQUAL-style minimum,
    desired and perceived levels; between the waves these move by ``drift_minimum``,
    ``drift_desired`` and ``drift_perceived`` (each member keeps their own baseline).

    Parameters
    ----------
    n_members : int
    years : int
        At least 3 (the first wave is 2.5 years before the end).
    branches : int
    seed : int
    start : str
    **effects : float
        Override :data:`ENCOUNTER_EFFECTS`.

    Returns
    -------
    SimulatedEncounters

    Examples
    --------
    >>> sim = service_encounters(n_members=300, seed=1)
    >>> sorted(sim.visits.columns)
    ['courtesy', 'date', 'member_id', 'wait_minutes']
    """
    n = _validate.positive_int(n_members, "n_members")
    years = _validate.positive_int(years, "years", minimum=3)
    n_b = _validate.positive_int(branches, "branches", minimum=2)
    eff = _validate.effects(effects, ENCOUNTER_EFFECTS)
    for k, v in eff.items():
        if v < 0 and not k.startswith(("drift_", "courtesy_per")):
            raise ValueError(f"effect {k!r} must be a finite, non-negative number, got {v}")
    for k in ("timed_share", "rated_share", "response_rate"):
        _validate.probability(eff[k], f"effect {k!r}", open_interval=False)
    r_b, r_m, r_v, r_s = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
    start_day = np.datetime64(pd.Timestamp(start).date(), "D")
    names = np.array([f"B{i + 1:02d}" for i in range(n_b)])

    # --- branches and their staff ----------------------------------------------------------
    trained_share = r_b.uniform(0.2, 0.9, n_b)
    sat_level = r_b.normal(3.5, 0.4, n_b)
    n_staff = r_b.integers(8, 15, n_b)
    s_branch = np.repeat(np.arange(n_b), n_staff)
    trained = r_b.random(s_branch.size) < trained_share[s_branch]
    job_sat = np.clip(np.round(sat_level[s_branch] + r_b.normal(0, 0.8, s_branch.size)), 1, 5)
    staff = pd.DataFrame({"staff_id": np.arange(1, s_branch.size + 1), "branch": names[s_branch],
                          "trained": trained, "job_satisfaction": job_sat.astype(np.int64)})
    # the branch's courtesy follows what its staff are (their actual shares and means)
    obs_trained = np.bincount(s_branch, trained) / n_staff
    obs_sat = np.bincount(s_branch, job_sat) / n_staff
    courtesy_b = (eff["courtesy_mean"] + eff["courtesy_per_trained"] * (obs_trained - 0.55)
                  + eff["courtesy_per_job_satisfaction"] * (obs_sat - 3.5)
                  + r_b.normal(0, 0.1, n_b))
    wait_b = np.log(eff["median_wait_minutes"]) + r_b.normal(0, eff["wait_sd_branch"], n_b)

    # --- members and lapse -----------------------------------------------------------------
    branch = r_m.integers(0, n_b, n)
    join = r_m.random(n) * years
    typical_wait = np.exp(wait_b[branch] + r_m.normal(0, eff["wait_sd_member"], n))
    courtesy = courtesy_b[branch] + r_m.normal(0, eff["courtesy_sd_member"], n)
    lp = (np.log(eff["hr_per_10min_wait"]) * (typical_wait - eff["median_wait_minutes"]) / 10
          + np.log(eff["hr_per_courtesy_point"]) * (courtesy - eff["courtesy_mean"]))
    rate = np.log(2) / eff["median_tenure_years"] * np.exp(lp)
    tenure = r_m.exponential(size=n) / rate
    window = years - join
    lapsed = tenure < window
    obs = np.minimum(tenure, window)
    ids = np.arange(1, n + 1, dtype=np.int64)
    join_day = np.floor(join * DAYS_PER_YEAR).astype(np.int64)
    end_day = np.maximum(np.floor((join + obs) * DAYS_PER_YEAR).astype(np.int64), join_day + 1)
    as_of = pd.Timestamp(start_day + np.timedelta64(int(np.floor(years * DAYS_PER_YEAR)), "D"))
    members = pd.DataFrame({
        "member_id": ids,
        "joined": (start_day + join_day.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "lapsed": pd.Series((start_day + end_day.astype("timedelta64[D]"))
                            .astype("datetime64[ns]")).where(lapsed),
        "branch": names[branch]})

    # --- visits ----------------------------------------------------------------------------
    k = r_v.poisson(eff["visit_rate"] * obs)
    who = np.repeat(np.arange(n), k)
    t = join[who] + r_v.random(who.size) * obs[who]
    day = np.floor(t * DAYS_PER_YEAR).astype(np.int64)
    wait = np.round(typical_wait[who] * np.exp(r_v.normal(0, eff["wait_sd_visit"], who.size))
                    * 2) / 2
    wait[r_v.random(who.size) >= eff["timed_share"]] = np.nan
    rating = np.clip(np.round(courtesy[who] + r_v.normal(0, eff["courtesy_sd_rating"],
                                                         who.size)), 1, 5)
    rating[r_v.random(who.size) >= eff["rated_share"]] = np.nan
    order = np.lexsort((day, who))
    visits = pd.DataFrame({
        "member_id": ids[who[order]],
        "date": (start_day + day[order].astype("timedelta64[D]")).astype("datetime64[ns]"),
        "wait_minutes": wait[order], "courtesy": rating[order]})

    # --- two survey waves ------------------------------------------------------------------
    base = {"minimum": r_s.normal(5.2, 0.9, n), "gap": np.abs(r_s.normal(1.8, 0.5, n)),
            "perceived": r_s.normal(6.4, 0.9, n)}
    frames = []
    for w, t_w in enumerate((years - 2.5, years - 0.5), start=1):
        here = (join <= t_w) & (join + obs > t_w) & (r_s.random(n) < eff["response_rate"])
        idx = np.flatnonzero(here)
        step = w - 1
        cols = {}
        for stems in DIMENSIONS.values():
            for stem in stems:
                lo = base["minimum"][idx] + eff["drift_minimum"] * step
                hi = (base["minimum"][idx] + base["gap"][idx] + eff["drift_desired"] * step)
                pe = base["perceived"][idx] + eff["drift_perceived"] * step
                for tag, v in (("min", lo), ("des", hi), ("per", pe)):
                    cols[f"{stem}_{tag}"] = np.clip(np.round(
                        v + r_s.normal(0, 0.6, idx.size)), 1, 9)
        frames.append(pd.DataFrame({
            "member_id": ids[idx], "wave": np.int64(w),
            "date": pd.Timestamp(start_day + np.timedelta64(int(t_w * DAYS_PER_YEAR), "D")),
            **cols}))
    survey = pd.concat(frames, ignore_index=True)
    truth = {"effects": eff,
             "members": pd.DataFrame({"typical_wait": typical_wait, "courtesy": courtesy},
                                     index=pd.Index(ids, name="member_id")),
             "branch_courtesy": pd.Series(courtesy_b, index=names, name="courtesy"),
             "dimensions": DIMENSIONS}
    return SimulatedEncounters(members=members, visits=visits, staff=staff, survey=survey,
                               as_of=as_of, truth=truth)

"""The five-factor loyalty profile per member, a composite loyalty index and the Dick & Basu
segments (true, latent, spurious, no loyalty) with a sensitivity table.

Loyalty is attitude *and* behaviour (Dick & Basu 1994): members who use the library a lot
without a positive attitude (often out of convenience) are only spuriously loyal, and those
who like it but rarely come are latently loyal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._results import TableResult
from loyaltylab.metrics.repeat_use import usage_summary
from loyaltylab.scales import STANDARD_SCALES, Scale, score
from loyaltylab.schema import ATTITUDINAL, DATE, FACTORS, JOINED, LAPSED, MEMBER, SEGMENTS

#: Attitudinal factors measured by the survey, with their standard scales.
ATTITUDE_SCALES = ATTITUDINAL
#: Default weights of the composite index (equal: no factor is privileged a priori).
DEFAULT_WEIGHTS = {f: 0.2 for f in FACTORS}


@dataclass(frozen=True, repr=False)
class LoyaltyProfile(TableResult):
    """The loyalty factors per surveyed member (see :func:`loyalty_profile`).

    ``n_used`` counts respondents (latest response per member; responses without a member
    id and a member's earlier responses are counted in ``excluded``: survey rows in =
    ``n_used`` + excluded);
    ``n_complete`` have every factor measured and the use rate, ``n_incomplete`` miss one
    or more (kept, with NaN);
    ``events_excluded`` counts use events left out as in :func:`check_events`;
    ``factors`` names the factors the survey measured.
    """

    n_complete: int = 0
    n_incomplete: int = 0
    events_excluded: Mapping[str, int] = field(default_factory=dict)
    factors: tuple[str, ...] = ()

    def _extra(self) -> str:
        return f"{self.n_complete:,} complete, {self.n_incomplete:,} incomplete"


def _repeat_use_scale(survey: pd.DataFrame, scales: Mapping[str, Scale]) -> Scale | None:
    if "repeat_use" in scales:
        return scales["repeat_use"]
    std = STANDARD_SCALES["repeat_intention"]
    return std if all(i in survey for i in std.items) else None


def loyalty_profile(
    members: pd.DataFrame,
    events: pd.DataFrame,
    survey: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    joined: str = JOINED,
    lapsed: str = LAPSED,
    wave: str | None = "wave",
    *,
    scales: Mapping[str, Scale] | None = None,
    window_days: int = 365,
) -> LoyaltyProfile:
    """One row per surveyed member with the five loyalty factors and the use rate.

    The five factors are those of the library training material, each as the material
    defines it: overall **satisfaction**, the **desire for a relationship**, **repeat use**
    (the *desire* to use the library again: an intention, scored from its scale),
    **referral** and **resistance to switching**, all scale scores from the member's latest
    survey response. What members actually do is measured apart, as behaviour: the
    **use rate**, log(1 + use events per year) over the last ``window_days`` of membership.
    Keeping the two apart is the point: a member who comes often out of convenience, with
    no wish to, is only spuriously loyal. Each column also comes as a z score (``*_z``).

    Parameters
    ----------
    members : DataFrame
        One row per member with join and lapse dates.
    events : DataFrame
        Use events with member ids and dates.
    survey : DataFrame
        Survey responses with the items of each scale.
    as_of : date
        The date the data end.
    member, date, joined, lapsed : str
        Column names.
    wave : str or None
        Survey-wave column: the latest response of each member is used. None (or absent)
        requires one response per member.
    scales : mapping, optional
        A :class:`~loyaltylab.scales.Scale` for each of satisfaction, relationship, referral
        and switching (the standard scales by default), and optionally ``repeat_use`` (by
        default the standard ``repeat_intention`` scale when its items are in the survey;
        without it the profile has no ``repeat_use`` column, and says so in ``factors``).
    window_days : int
        Days of membership over which the use rate is measured.

    Returns
    -------
    LoyaltyProfile
        ``.data`` indexed by member: the factor scores, ``use_rate``, their z scores,
        ``attitude_z`` (mean of the four attitudinal z scores satisfaction, relationship,
        referral and switching, re-standardized: Dick & Basu's relative attitude) and the
        usage measures (``frequency``, ``rate_per_year``, ``recency_days``,
        ``active_share``).

    Examples
    --------
    >>> from loyaltylab import datasets
    >>> lib = datasets.load_library()
    >>> p = loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of)
    >>> p.factors
    ('satisfaction', 'relationship', 'repeat_use', 'referral', 'switching')
    """
    scales = dict(scales or {k: STANDARD_SCALES[k] for k in ATTITUDE_SCALES})
    missing = set(ATTITUDE_SCALES) - set(scales)
    if missing:
        raise ValueError(f"scales must define {sorted(missing)}")
    survey = _validate.frame(survey, "survey")
    _validate.columns(survey, [member], "a loyalty profile", "survey")
    members = _validate.frame(members, "members")
    _validate.columns(members, [member], "a loyalty profile", "members")
    anonymous = survey[member].isna()  # cannot be joined to a member: counted, not used
    s = _validate.matched_ids(survey[~anonymous], member, members[member])
    earlier = 0
    if wave is not None and wave in s:
        _validate.orderable(s, wave, "a loyalty profile (the latest wave)")
        # (stable: a member's later row within a wave wins; pandas reads kind in any case)
        latest = s.sort_values(wave, kind="stable")  # pragma: no mutate
        latest = latest.drop_duplicates(member, keep="last")
        earlier, s = len(s) - len(latest), latest
    else:
        _validate.unique(s, member, "member")
    intention = _repeat_use_scale(s, scales)
    measured = {name: scales[name] for name in ATTITUDE_SCALES}
    if intention is not None:
        measured["repeat_use"] = intention
    factors = tuple(f for f in FACTORS if f in measured)
    att = pd.DataFrame({name: score(s, measured[name]).to_numpy() for name in factors},
                       index=s[member].to_numpy())
    att.index.name = member
    use = usage_summary(members, events, as_of, member, date, joined, lapsed,
                        window_days=window_days)
    # (a left join, DataFrame.join's default: a respondent who is not a member shows as NaN)
    prof = att.join(use.data[["frequency", "rate_per_year", "recency_days", "active_share"]])
    unknown = prof["frequency"].isna()
    if unknown.any():
        raise ValueError(f"survey has {int(unknown.sum())} member id(s) not in members "
                         f"(e.g. "
                         f"{_validate.shown(prof.index[unknown][0])}); "
                         f"drop them or add the members")
    prof["use_rate"] = np.log1p(prof["rate_per_year"])
    complete = prof[[*factors, "use_rate"]].notna().all(axis=1)
    for f in [*factors, "use_rate"]:
        col = prof[f]
        prof[f"{f}_z"] = (col - col[complete].mean()) / col[complete].std(ddof=1)
    # the mean of scores that each average 0 over the complete members averages 0 there too:
    # rescaled, it is a z score
    a = prof[[f"{f}_z" for f in ATTITUDE_SCALES]].mean(axis=1, skipna=False)
    prof["attitude_z"] = a / a[complete].std(ddof=1)
    return LoyaltyProfile(data=prof, n_used=len(prof),
                          excluded={"responses without a member id": int(anonymous.sum()),
                                    "earlier responses of a member (the latest is used)":
                                    earlier},
                          n_complete=int(complete.sum()), n_incomplete=int((~complete).sum()),
                          events_excluded=dict(use.excluded), factors=factors)


def loyalty_index(profile: pd.DataFrame, *, weights: Mapping[str, float] | None = None
                  ) -> pd.Series:
    """Composite loyalty index: the weighted mean of the factor z scores (the five factors,
    or those the survey measured), rescaled to mean 50 and SD 10 among complete members.

    Parameters
    ----------
    profile : DataFrame or LoyaltyProfile
        From :func:`loyalty_profile` (needs the ``*_z`` columns).
    weights : mapping, optional
        Weight per factor (normalised to sum 1); equal weights over the factors the profile
        measured by default (:data:`DEFAULT_WEIGHTS`).
        Data-driven alternatives are the relative weights of :mod:`loyaltylab.drivers` for an
        outcome such as renewal.

    Returns
    -------
    Series
        ``loyalty_index`` per member.
    """
    profile = _validate.frame(profile, "profile")
    present = [f for f in FACTORS if f"{f}_z" in profile]
    if not present:  # names every column a profile would have
        _validate.columns(profile, [f"{f}_z" for f in FACTORS], "a loyalty index", "profile")
    w = pd.Series(dict(weights) if weights else {f: DEFAULT_WEIGHTS[f] for f in present},
                  dtype=float)
    unknown = set(w.index) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown factor(s) in weights: {sorted(unknown)}; use "
                         f"{sorted(DEFAULT_WEIGHTS)}")
    absent = [f for f in w.index if f not in present]
    if absent:
        raise ValueError(f"weights name factor(s) {absent} the profile does not measure (no "
                         f"'{absent[0]}_z' column); measure them, or weight only {present}")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    # (no need to scale the weights to sum 1: the index is standardized below)
    z = np.column_stack([_validate.numeric(profile, f"{f}_z", purpose="a loyalty index")
                         for f in w.index])
    raw = pd.Series(z @ w.to_numpy(), index=profile.index)
    return (50 + 10 * (raw - raw.mean()) / raw.std(ddof=1)).rename("loyalty_index")


def loyalty_segments(profile: pd.DataFrame, attitude: str = "attitude_z",
                     usage: str = "use_rate_z", *, attitude_quantile: float = 0.5,
                     usage_quantile: float = 0.5) -> pd.Series:
    """Dick & Basu (1994) segments from relative attitude x repeat patronage (the use rate).

    A member is high on a dimension when above the given quantile of it (median splits by
    default): true loyalty (high, high), latent (high attitude, low use), spurious (low
    attitude, high use), no loyalty (low, low). Members missing either score get NaN.

    Parameters
    ----------
    profile : DataFrame or LoyaltyProfile
        One row per member with an attitude and a usage score.
    attitude, usage : str
        The two score columns.
    attitude_quantile, usage_quantile : float
        Where each dimension is split (0.5: at the median).

    Returns
    -------
    Series
        Categorical ``segment`` per member.

    References
    ----------
    Dick, A. S. & Basu, K. (1994). Customer loyalty: toward an integrated conceptual
    framework. *Journal of the Academy of Marketing Science* 22(2), 99-113.
    """
    profile = _validate.frame(profile, "profile")
    _validate.columns(profile, [attitude, usage], "loyalty segments", "profile")
    for q, name in ((attitude_quantile, "attitude_quantile"), (usage_quantile,
                                                                "usage_quantile")):
        _validate.probability(q, name)
    a, u = (_validate.numeric(profile, c, purpose="loyalty segments (a score)")
            for c in (attitude, usage))
    hi_a = a > a.quantile(attitude_quantile)
    hi_u = u > u.quantile(usage_quantile)
    seg = np.select([hi_a & hi_u, hi_a & ~hi_u, ~hi_a & hi_u], ["true", "latent", "spurious"],
                    "no loyalty")
    out = pd.Series(pd.Categorical(seg, categories=list(SEGMENTS)), index=profile.index,
                    name="segment")
    return out.where(a.notna() & u.notna())


def segment_sensitivity(profile: pd.DataFrame, attitude: str = "attitude_z",
                        usage: str = "use_rate_z", *,
                        quantiles: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7)
                        ) -> pd.DataFrame:
    """How segment shares move with the thresholds.

    Parameters
    ----------
    profile : DataFrame or LoyaltyProfile
        One row per member with an attitude and a usage score.
    attitude, usage : str
        The two score columns.
    quantiles : sequence of float
        Split points tried on each dimension.

    Returns
    -------
    DataFrame
        One row per (attitude, usage) quantile pair, one column per segment (shares of the
        ``n`` members with both scores) and ``n_missing``, the members without one.
    """
    rows = []
    for qa in quantiles:
        for qu in quantiles:
            seg = loyalty_segments(profile, attitude, usage, attitude_quantile=qa,
                                   usage_quantile=qu)
            # (a categorical of the four segments: every one is counted, 0 when empty)
            shares = seg.value_counts(normalize=True, sort=False)
            n = int(seg.notna().sum())
            rows.append({"attitude_quantile": qa, "usage_quantile": qu, **shares.to_dict(),
                         "n": n, "n_missing": len(seg) - n})
    return pd.DataFrame(rows)

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
    """The five loyalty factors per surveyed member (see :func:`loyalty_profile`).

    ``n_used`` counts respondents (latest response per member); ``n_complete`` have all
    five factors and ``n_incomplete`` miss one or more (kept, with NaN); ``events_excluded``
    counts use events left out as in :func:`check_events`.
    """

    n_complete: int = 0
    n_incomplete: int = 0
    events_excluded: Mapping[str, int] = field(default_factory=dict)

    def _extra(self) -> str:
        return f"{self.n_complete:,} complete, {self.n_incomplete:,} incomplete"


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
    """One row per surveyed member with the five loyalty factors.

    Attitudinal factors (satisfaction, relationship, referral, switching) are scale scores
    from the member's latest survey response; repeat use is behavioural: log(1 + use events
    per year) over the last ``window_days`` of membership. Each factor also comes as a z
    score (``*_z``) so they can be combined and compared.

    Parameters
    ----------
    members : DataFrame
        One row per member with join and lapse dates.
    events : DataFrame
        Use events with member ids and dates.
    survey : DataFrame
        Survey responses with the items of each attitudinal scale.
    as_of : date
        The date the data end.
    member, date, joined, lapsed : str
        Column names.
    wave : str or None
        Survey-wave column: the latest response of each member is used. None (or absent)
        requires one response per member.
    scales : mapping, optional
        A :class:`~loyaltylab.scales.Scale` for each attitudinal factor (the standard
        scales by default).
    window_days : int
        Days of membership over which repeat use is measured.

    Returns
    -------
    LoyaltyProfile
        ``.data`` indexed by member: raw factor scores, z scores, ``attitude_z`` (mean of
        the four attitudinal z scores, re-standardized: the relative attitude) and the usage
        measures.
    """
    scales = dict(scales or {k: STANDARD_SCALES[k] for k in ATTITUDE_SCALES})
    missing = set(ATTITUDE_SCALES) - set(scales)
    if missing:
        raise ValueError(f"scales must define {sorted(missing)}")
    survey = _validate.frame(survey, "survey")
    _validate.columns(survey, [member], "a loyalty profile", "survey")
    s = survey
    if wave is not None and wave in s:
        s = s.sort_values(wave, kind="stable").drop_duplicates(member, keep="last")
    else:
        _validate.unique(s, member, "member")
    att = pd.DataFrame({name: score(s, scales[name]).to_numpy()
                        for name in ATTITUDE_SCALES}, index=s[member].to_numpy())
    att.index.name = member
    use = usage_summary(members, events, as_of, member, date, joined, lapsed,
                        window_days=window_days)
    prof = att.join(use.data[["frequency", "rate_per_year", "recency_days", "active_share"]],
                    how="left")
    unknown = prof["frequency"].isna()
    if unknown.any():
        raise ValueError(f"survey has {int(unknown.sum())} member id(s) not in members "
                         f"(e.g. {prof.index[unknown][0]!r}); drop them or add the members")
    prof["repeat_use"] = np.log1p(prof["rate_per_year"])
    complete = prof[[*ATTITUDE_SCALES, "repeat_use"]].notna().all(axis=1)
    for f in [*ATTITUDE_SCALES, "repeat_use"]:
        col = prof[f]
        prof[f"{f}_z"] = (col - col[complete].mean()) / col[complete].std(ddof=1)
    a = prof[[f"{f}_z" for f in ATTITUDE_SCALES]].mean(axis=1, skipna=False)
    prof["attitude_z"] = (a - a[complete].mean()) / a[complete].std(ddof=1)
    return LoyaltyProfile(data=prof, n_used=len(prof), excluded={},
                          n_complete=int(complete.sum()), n_incomplete=int((~complete).sum()),
                          events_excluded=dict(use.excluded))


def loyalty_index(profile: pd.DataFrame, *, weights: Mapping[str, float] | None = None
                  ) -> pd.Series:
    """Composite loyalty index: the weighted mean of the five factor z scores, rescaled to
    mean 50 and SD 10 among complete members.

    Parameters
    ----------
    profile : DataFrame or LoyaltyProfile
        From :func:`loyalty_profile` (needs the ``*_z`` columns).
    weights : mapping, optional
        Weight per factor (normalised to sum 1); :data:`DEFAULT_WEIGHTS` (equal) by default.
        Data-driven alternatives are the relative weights of :mod:`loyaltylab.drivers` for an
        outcome such as renewal.

    Returns
    -------
    Series
        ``loyalty_index`` per member.
    """
    profile = _validate.frame(profile, "profile")
    w = pd.Series(dict(weights or DEFAULT_WEIGHTS), dtype=float)
    unknown = set(w.index) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown factor(s) in weights: {sorted(unknown)}; use "
                         f"{sorted(DEFAULT_WEIGHTS)}")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    w = w / w.sum()
    z = profile[[f"{f}_z" for f in w.index]].to_numpy()
    raw = pd.Series(z @ w.to_numpy(), index=profile.index)
    return (50 + 10 * (raw - raw.mean()) / raw.std(ddof=1)).rename("loyalty_index")


def loyalty_segments(profile: pd.DataFrame, attitude: str = "attitude_z",
                     usage: str = "repeat_use_z", *, attitude_quantile: float = 0.5,
                     usage_quantile: float = 0.5) -> pd.Series:
    """Dick & Basu (1994) segments from relative attitude x repeat use.

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
    a, u = profile[attitude], profile[usage]
    hi_a = a > a.quantile(attitude_quantile)
    hi_u = u > u.quantile(usage_quantile)
    seg = np.select([hi_a & hi_u, hi_a & ~hi_u, ~hi_a & hi_u], ["true", "latent", "spurious"],
                    "no loyalty")
    out = pd.Series(pd.Categorical(seg, categories=list(SEGMENTS)), index=profile.index,
                    name="segment")
    return out.where(a.notna() & u.notna())


def segment_sensitivity(profile: pd.DataFrame, attitude: str = "attitude_z",
                        usage: str = "repeat_use_z", *,
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
        One row per (attitude, usage) quantile pair, one column per segment.
    """
    rows = []
    for qa in quantiles:
        for qu in quantiles:
            seg = loyalty_segments(profile, attitude, usage, attitude_quantile=qa,
                                   usage_quantile=qu)
            shares = seg.value_counts(normalize=True).reindex(list(SEGMENTS), fill_value=0)
            rows.append({"attitude_quantile": qa, "usage_quantile": qu, **shares.to_dict()})
    return pd.DataFrame(rows)

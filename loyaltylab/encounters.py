"""The service encounter: waiting at the point of service, staff courtesy, the staff behind
them, and expectations that rise over time.

The source material returns to the desk again and again: answer within minutes (the airport
case of the Persian document: "within 5 minutes"), speed (the Russian quotes), courteous,
trained and satisfied staff (all five documents), and expectations that keep rising (the
Romanian slides 3 and 9). This module measures each on a library's own data:

- :func:`served_within`: the share of visits served within a wait, with intervals;
- :func:`encounter_profile`: each member's typical wait and courtesy, as lapse covariates;
- :func:`staff_climate`: a branch-level staff survey joined to the branch's members;
- :func:`expectation_drift`: LibQUAL-style minimum, desired and perceived levels compared
  across survey waves, paired where the same members answered both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _stats, _validate
from loyaltylab._results import Result, TableResult
from loyaltylab.schema import DATE, MEMBER

__all__ = ["ExpectationDrift", "ServedWithin", "courtesy_scores", "encounter_profile",
           "expectation_drift", "served_within", "staff_climate"]

WAIT = "wait_minutes"
COURTESY = "courtesy"


def _waits(visits: pd.DataFrame, wait: str, purpose: str) -> tuple[pd.Series, int]:
    """Wait times in minutes (negative: an error) and how many visits have none."""
    w = _validate.numeric(visits, wait, lo=0, allow_bool=False,
                          purpose=f"{purpose} (minutes from arrival to being served)")
    return w, int(w.isna().sum())


@dataclass(frozen=True, repr=False)
class ServedWithin(Result):
    """Shares of visits served within each wait (see :func:`served_within`).

    Attributes
    ----------
    table : DataFrame
        One row per group (``group``; "all" without ``by``): ``n`` visits with a timed wait,
        ``median_minutes``, and per threshold ``within_<t>min`` with ``_ci_low`` and
        ``_ci_high`` (Wilson).
    thresholds : tuple of float
    n_used : int
        Visits with a timed wait.
    excluded : dict
        Visits without a wait time (self-service, not timed) and, with ``by``, without a
        group.
    """

    table: pd.DataFrame
    thresholds: tuple
    n_used: int
    excluded: dict
    ci: float

    def __repr__(self) -> str:
        t = self.thresholds[0]
        share = self.table[f"within_{t:g}min"].iloc[-1]
        return (f"ServedWithin({share:.1%} of {self.n_used:,} timed visits served within "
                f"{t:g} min; {self.n_excluded:,} not timed)")

    @property
    def n_excluded(self) -> int:
        return int(sum(self.excluded.values()))

    def to_frame(self) -> pd.DataFrame:
        return self.table


def served_within(visits: pd.DataFrame, *, wait: str = WAIT,
                  thresholds: Sequence[float] = (5, 15), by: str | None = None,
                  ci: float = 0.95) -> ServedWithin:
    """The share of visits served within each wait, overall or by group, with intervals.

    Parameters
    ----------
    visits : DataFrame
        One row per visit (service encounter) with the wait in minutes.
    wait : str
        Minutes from arrival to being served; missing for visits that were not timed
        (counted, not used).
    thresholds : sequence of float
        Waits (minutes) to report, e.g. the 5 minutes of a service promise.
    by : str, optional
        A grouping column (branch, desk, hour of the day); a final "all" row is added.
    ci : float
        Confidence level of the Wilson intervals (visits taken as independent; one member's
        visits are not, so with many repeat visitors the intervals are too narrow).

    Returns
    -------
    ServedWithin

    Examples
    --------
    >>> v = pd.DataFrame({"wait_minutes": [1, 3, 4, 8, 20, None]})
    >>> served_within(v).table["within_5min"].item()
    0.6
    """
    visits = _validate.frame(visits, "visits")
    ci = _validate.probability(ci, "ci")
    thresholds = tuple(float(t) for t in _validate.times(thresholds, "thresholds"))
    _validate.columns(visits, [wait] + ([by] if by else []), "service waits", "visits")
    w, n_missing = _waits(visits, wait, "service waits")
    excluded = {"visits without a wait time": n_missing}
    keep = w.notna()
    if by is not None:
        no_group = keep & visits[by].isna()
        excluded[f"visits without {by}"] = int(no_group.sum())
        keep &= ~no_group
    if not keep.any():
        raise ValueError(f"column {wait!r} has no wait time in {len(visits)} visit(s); time "
                         f"some visits (minutes from arrival to being served)")
    w = w[keep]
    groups = [] if by is None else list(visits.loc[keep].groupby(by, observed=True,
                                                                 sort=True).groups.items())
    rows = []
    for name, idx in [*groups, ("all", w.index)]:
        x = w.loc[idx]
        row = {"group": name, "n": len(x), "median_minutes": float(x.median())}
        for t in thresholds:
            k = int((x <= t).sum())
            lo, hi = _stats.wilson(k, len(x), ci)
            row[f"within_{t:g}min"] = k / len(x)
            row[f"within_{t:g}min_ci_low"], row[f"within_{t:g}min_ci_high"] = lo, hi
        rows.append(row)
    return ServedWithin(table=pd.DataFrame(rows), thresholds=thresholds, n_used=int(keep.sum()),
                        excluded=excluded, ci=ci)


def courtesy_scores(visits: pd.DataFrame, *, courtesy: str = COURTESY, by: str | None = None,
                    scale: tuple[float, float] = (1, 5), top: int = 2,
                    ci: float = 0.95) -> TableResult:
    """Courtesy ratings of the staff per group: mean with a t interval and the top-box share.

    Parameters
    ----------
    visits : DataFrame
        One row per visit with a courtesy rating (missing where the visit was not rated:
        counted, not used).
    courtesy : str
        The rating column.
    by : str, optional
        A grouping column (branch, desk); a final "all" row is added.
    scale : (float, float)
        The rating scale.
    top : int
        Highest categories counted as the top box (2 on 1-5: "4 or 5").
    ci : float

    Returns
    -------
    TableResult
        ``.data``: ``group``, ``n``, ``mean``, ``ci_low``, ``ci_high`` (t interval), ``top_box``
        with its Wilson ``top_box_ci_low`` and ``top_box_ci_high``; ``excluded`` counts
        the unrated visits (and, with ``by``, rated visits without a group).

    Examples
    --------
    >>> v = pd.DataFrame({"courtesy": [5, 4, 2, None]})
    >>> courtesy_scores(v).data[["n", "mean", "top_box"]].round(3).values.tolist()
    [[3.0, 3.667, 0.667]]
    """
    visits = _validate.frame(visits, "visits")
    ci = _validate.probability(ci, "ci")
    _validate.columns(visits, [courtesy] + ([by] if by else []), "courtesy scores", "visits")
    lo, hi = scale
    c = _validate.numeric(visits, courtesy, lo=lo, hi=hi, allow_bool=False,
                          purpose="courtesy scores")
    keep = c.notna()
    excluded = {"visits without a courtesy rating": int((~keep).sum())}
    if by is not None:
        no_group = keep & visits[by].isna()
        excluded[f"rated visits without {by}"] = int(no_group.sum())
        keep &= ~no_group
    if not keep.any():
        raise ValueError(f"column {courtesy!r} has no rating in {len(visits)} visit(s)")
    c = c[keep]
    groups = [] if by is None else list(visits.loc[keep].groupby(by, observed=True,
                                                                 sort=True).groups.items())
    rows = []
    for name, idx in [*groups, ("all", c.index)]:
        x = c.loc[idx]
        mean, m_lo, m_hi, n = _stats.mean_interval(x, ci)
        k = int((x > hi - top).sum())
        t_lo, t_hi = _stats.wilson(k, n, ci)
        rows.append({"group": name, "n": n, "mean": mean, "ci_low": m_lo, "ci_high": m_hi,
                     "top_box": k / n, "top_box_ci_low": t_lo, "top_box_ci_high": t_hi})
    return TableResult(data=pd.DataFrame(rows), n_used=int(keep.sum()), excluded=excluded)


def encounter_profile(visits: pd.DataFrame, *, member: str = MEMBER, wait: str = WAIT,
                      courtesy: str | None = COURTESY, threshold: float = 5.0,
                      courtesy_range: tuple[float, float] = (1, 5),
                      until: pd.Series | None = None, date: str = DATE) -> TableResult:
    """Each member's service encounters in a few numbers, to join to a tenure table.

    Parameters
    ----------
    visits : DataFrame
        One row per visit: member, wait (minutes, missing if not timed) and optionally a
        courtesy rating of the staff (e.g. a 1-5 answer after the visit, missing if none).
    member, wait, courtesy : str
        Column names (``courtesy=None``: no courtesy ratings).
    threshold : float
        A wait longer than this counts as a long wait.
    courtesy_range : (float, float)
        The rating scale of ``courtesy``.
    until : Series, optional
        Member id -> the last date whose visits count (e.g. a year after joining, for a
        landmark analysis of lapse after that date: the profile must not use visits from
        the time the model follows, nor favour members who stayed long enough to make
        many). Visits after it, and of members not in it, are left out and counted.
    date : str
        The visit date column (with ``until``).

    Returns
    -------
    TableResult
        ``.data`` indexed by member: ``timed_visits``, ``median_wait`` (minutes),
        ``share_long_wait`` (waits over ``threshold``), ``rated_visits`` and
        ``mean_courtesy``; members with no timed (rated) visit have missing values there,
        which a lapse model counts as excluded. Untimed and unrated visits are used for
        what they carry; ``excluded`` counts the visits left out by ``until``.

    Examples
    --------
    >>> v = pd.DataFrame({"member_id": [1, 1, 2], "wait_minutes": [2, 10, None],
    ...                   "courtesy": [5, 4, 3]})
    >>> encounter_profile(v).data["median_wait"].tolist()
    [6.0, nan]
    """
    visits = _validate.frame(visits, "visits")
    cols = [member, wait] + ([courtesy] if courtesy else [])
    _validate.columns(visits, cols, "encounter profiles", "visits")
    if visits[member].isna().any():
        raise ValueError(f"column {member!r} has {int(visits[member].isna().sum())} missing "
                         f"member id(s); drop anonymous visits first")
    excluded = {}
    if until is not None:
        _validate.columns(visits, [date], "encounter profiles with until=", "visits")
        when = _validate.dates(visits, date, allow_missing=False,
                               purpose="encounter profiles with until=")
        last = pd.to_datetime(visits[member].map(until))
        excluded["visits of members not in until"] = int(last.isna().sum())
        late = last.notna() & (when > last)
        excluded["visits after the member's until date"] = int(late.sum())
        visits = visits[(last.notna() & ~late).to_numpy()]
    w, _ = _waits(visits, wait, "encounter profiles")  # untimed: counted in timed_visits
    d = pd.DataFrame({"m": visits[member].to_numpy(), "w": w.to_numpy()})
    d["long"] = (d["w"] > threshold).astype(float).where(d["w"].notna())
    g = d.groupby("m", sort=True)
    out = pd.DataFrame({"timed_visits": g["w"].count(), "median_wait": g["w"].median(),
                        "share_long_wait": g["long"].mean()})
    if courtesy:
        lo, hi = courtesy_range
        c = _validate.numeric(visits, courtesy, lo=lo, hi=hi, allow_bool=False,
                              purpose="encounter profiles (the courtesy rating)")
        d["c"] = c.to_numpy()
        g = d.groupby("m", sort=True)
        out["rated_visits"] = g["c"].count()
        out["mean_courtesy"] = g["c"].mean()
    out.index.name = member
    # visits used = visits in minus those left out by until (untimed and unrated visits
    # are used for what they have)
    return TableResult(data=out, n_used=len(visits), excluded=excluded)


def staff_climate(members: pd.DataFrame, staff: pd.DataFrame, items: Sequence[str], *,
                  branch: str = "branch", member: str = MEMBER) -> TableResult:
    """A branch-level staff survey (training, job satisfaction, ...) joined to the members.

    Staff answers are averaged per branch (``n_staff`` per branch beside them) and attached
    to each member of that branch: the branch climate as a lapse covariate. With few
    branches the effect rests on few distinct values; fit the lapse model with
    ``cluster=branch``.

    Parameters
    ----------
    members : DataFrame
        One row per member with their branch.
    staff : DataFrame
        One row per staff member with their branch and the survey items (numeric; a
        True/False item such as "trained in service recovery" averages to a share).
    items : sequence of str
        Staff survey items to average.
    branch, member : str
        Column names.

    Returns
    -------
    TableResult
        ``.data`` indexed by member: the branch, ``n_staff`` and the branch mean of each item.
        Members of a branch with no staff answers keep missing values (counted in
        ``excluded``).
    """
    members = _validate.frame(members, "members")
    staff = _validate.frame(staff, "staff")
    items = _validate.names(items, "items")
    _validate.columns(members, [member, branch], "the staff climate", "members")
    _validate.columns(staff, [branch, *items], "the staff climate", "staff")
    _validate.member_ids(members, member)
    vals = pd.DataFrame(index=staff.index)
    for k in items:  # a True/False item averages to a share
        frame = staff[[k]].astype(float) if pd.api.types.is_bool_dtype(staff[k]) else staff
        vals[k] = _validate.numeric(frame, k, purpose="the staff climate")
    vals[branch] = staff[branch].to_numpy()
    means = vals.groupby(branch, observed=True).mean()
    means.insert(0, "n_staff", vals.groupby(branch, observed=True).size())
    out = members[[member, branch]].join(means, on=branch).set_index(member)
    no_staff = out["n_staff"].isna()
    out["n_staff"] = out["n_staff"].fillna(0).astype(int)
    return TableResult(data=out, n_used=len(members),
                       excluded={"members of a branch without staff answers":
                                 int(no_staff.sum()),
                                 "staff answers without a branch (not used)":
                                 int(staff[branch].isna().sum())})


@dataclass(frozen=True, repr=False)
class ExpectationDrift(Result):
    """Service levels compared between two survey waves (see :func:`expectation_drift`).

    Attributes
    ----------
    table : DataFrame
        One row per dimension and measure (``minimum``, ``desired``, ``perceived``,
        ``adequacy`` = perceived - minimum, ``superiority`` = perceived - desired):
        ``mean_first``, ``mean_second`` (all respondents of each wave); the paired change
        among members who answered both (``n_paired``, ``change``, ``ci_low``,
        ``ci_high``, ``p_value``: paired t-test) and the unpaired change of all respondents
        (``n_first``, ``n_second``, ``change_all``, ``ci_low_all``, ``ci_high_all``,
        ``p_value_all``: Welch's t-test).
    waves : tuple
        The two waves compared.
    n_used : int
        Responses of the two waves with every item of at least one dimension.
    excluded : dict
        Responses of other waves, and answers missing a whole dimension.
    """

    table: pd.DataFrame
    waves: tuple
    n_used: int
    n_paired: int
    excluded: dict
    ci: float

    def __repr__(self) -> str:
        return (f"ExpectationDrift(wave {self.waves[0]} -> {self.waves[1]}, "
                f"{self.n_paired:,} members in both, {self.n_used:,} responses)")

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> pd.DataFrame:
        """The paired changes with their intervals."""
        return self.table[["dimension", "measure", "mean_first", "mean_second", "n_paired",
                           "change", "ci_low", "ci_high", "p_value"]]


MEASURES = ("minimum", "desired", "perceived", "adequacy", "superiority")


def expectation_drift(survey: pd.DataFrame, dimensions: Mapping[str, Sequence[str]], *,
                      wave: str = "wave", member: str = MEMBER,
                      waves: tuple[object, object] | None = None,
                      minimum: str = "{item}_min", desired: str = "{item}_des",
                      perceived: str = "{item}_per", low: float = 1, high: float = 9,
                      ci: float = 0.95) -> ExpectationDrift:
    """Have expectations risen? Minimum, desired and perceived service compared across waves.

    Each respondent's dimension score is the mean of its items (as
    :func:`loyaltylab.metrics.service_gaps`). The change from the first to the second wave
    is estimated twice: paired, among members who answered both waves (each is their own
    control: the sharper test of a drift), and unpaired, over all respondents of each wave
    (who answers changes too). Rising minimum and desired levels with a flat perceived level
    shrink the adequacy gap: the same service satisfies less.

    Parameters
    ----------
    survey : DataFrame
        One row per response, with the wave and the member.
    dimensions : mapping
        Dimension -> item stems, e.g. ``{"affect of service": ["lq_as1", "lq_as2"]}``.
    wave, member : str
        Column names.
    waves : (first, second), optional
        The waves to compare (default: the first and last in the data).
    minimum, desired, perceived : str
        Column patterns, ``{item}`` replaced by the stem.
    low, high : float
        Response range.
    ci : float

    Returns
    -------
    ExpectationDrift
    """
    survey = _validate.frame(survey, "survey")
    ci = _validate.probability(ci, "ci")
    _validate.columns(survey, [wave, member], "expectation drift", "survey")
    _validate.orderable(survey, wave, "expectation drift")
    present = sorted(survey[wave].dropna().unique())
    if waves is None:
        if len(present) < 2:
            raise ValueError(f"column {wave!r} has {len(present)} wave(s); expectation drift "
                             f"compares two waves")
        waves = (present[0], present[-1])
    missing = [w for w in waves if w not in present]
    if len(waves) != 2 or missing or waves[0] == waves[1]:
        raise ValueError(f"waves must be two different waves present in column {wave!r} "
                         f"(present: {present}), got {waves}")
    in_two = survey[wave].isin(waves)
    s = survey[in_two]
    dup = s.duplicated([member, wave])
    if dup.any():
        raise ValueError(f"{int(dup.sum())} member(s) answered the same wave twice (e.g. "
                         f"{_validate.shown(s.loc[dup, member].iloc[0])}); "
                         f"keep one response per member and "
                         f"wave")
    first = s[wave] == waves[0]
    rows, used = [], pd.Series(False, index=s.index)
    n_paired_any = 0
    for dim, stems in dimensions.items():
        parts = {}
        for key, pattern in (("minimum", minimum), ("desired", desired),
                             ("perceived", perceived)):
            cols = [pattern.format(item=stem)
                    for stem in _validate.names(stems, f"dimensions[{dim!r}]")]
            _validate.columns(s, cols, "expectation drift", "survey")
            vals = pd.concat([_validate.numeric(s, c, lo=low, hi=high, allow_bool=False,
                                                purpose="expectation drift") for c in cols],
                             axis=1)
            parts[key] = vals.mean(axis=1)
        parts["adequacy"] = parts["perceived"] - parts["minimum"]
        parts["superiority"] = parts["perceived"] - parts["desired"]
        ok = pd.concat([parts[k] for k in ("minimum", "desired", "perceived")],
                       axis=1).notna().all(axis=1)
        used |= ok
        for measure in MEASURES:
            v = parts[measure].where(ok)
            a = pd.Series(v[first].to_numpy(), index=s.loc[first, member]).dropna()
            b = pd.Series(v[~first].to_numpy(), index=s.loc[~first, member]).dropna()
            both = a.index.intersection(b.index)
            n_paired_any = max(n_paired_any, len(both))
            row = {"dimension": dim, "measure": measure, "mean_first": float(a.mean()),
                   "mean_second": float(b.mean()), "n_paired": len(both)}
            if len(both) >= 2:
                diff = b.loc[both] - a.loc[both]
                mean, lo, hi, _ = _stats.mean_interval(diff, ci)
                t = stats.ttest_1samp(diff, 0.0)
                row.update(change=mean, ci_low=lo, ci_high=hi, p_value=float(t.pvalue))
            else:
                row.update(change=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan)
            welch = stats.ttest_ind(b, a, equal_var=False)
            band = welch.confidence_interval(ci)
            row.update(n_first=len(a), n_second=len(b), change_all=float(b.mean() - a.mean()),
                       ci_low_all=float(band.low), ci_high_all=float(band.high),
                       p_value_all=float(welch.pvalue))
            rows.append(row)
    excluded = {"responses of other waves": int((~in_two).sum()),
                "responses missing every dimension": int((~used).sum())}
    return ExpectationDrift(table=pd.DataFrame(rows), waves=tuple(waves),
                            n_used=int(used.sum()), n_paired=n_paired_any, excluded=excluded,
                            ci=ci)

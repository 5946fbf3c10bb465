"""Complaints and the rejection factors (value, systems, people): mapping a library's own
codes, checking a complaints table against the members, complaint rates per member-year,
response times, and whether a slow answer lowers later satisfaction.

Complaints are a gift: each one names a rejection factor while the member can still be
recovered. How complaints change lapse is in :mod:`loyaltylab.recovery`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.schema import (
    CATEGORIES,
    COMPENSATION,
    DATE,
    DAYS_PER_YEAR,
    JOINED,
    LAPSED,
    MEMBER,
    membership_end,
)

__all__ = ["CATEGORIES", "COMPENSATION", "DelayEffect", "RepeatComplaints", "check_complaints",
           "complaint_rates", "delay_and_satisfaction", "map_categories", "repeat_complaints",
           "response_times"]


def map_categories(complaints: pd.DataFrame, mapping: Mapping[str, str],
                   column: str = "code") -> pd.DataFrame:
    """Map a library's own complaint codes onto the three rejection factors.

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint.
    mapping : mapping
        Own code -> "value", "systems" or "people", e.g. ``{"fines": "value",
        "catalogue down": "systems", "rude staff": "people"}``.
    column : str
        The column with the library's own codes.

    Returns
    -------
    DataFrame
        A copy with a ``category`` column. Codes without a mapping raise an error that lists
        them with their counts, so nothing is dropped silently.

    Examples
    --------
    >>> own = pd.DataFrame({"code": ["late fee", "rude staff"]})
    >>> map_categories(own, {"late fee": "value", "rude staff": "people"})["category"].tolist()
    ['value', 'people']
    """
    complaints = _validate.frame(complaints, "complaints")
    _validate.columns(complaints, [column], "mapping complaint codes", "complaints")
    bad_targets = sorted({v for v in mapping.values() if v not in CATEGORIES})
    if bad_targets:
        raise ValueError(f"mapping targets {bad_targets} are not rejection factors; use "
                         f"{list(CATEGORIES)}")
    codes = complaints[column]
    missing = codes.isna() & ~codes.isin(list(mapping))
    if missing.any():
        raise ValueError(f"column {column!r} has {int(missing.sum())} complaint(s) without a "
                         f"code; fill them (with a code the mapping has) or drop those "
                         f"complaints")
    unmapped = codes[~codes.isin(list(mapping))]
    if len(unmapped):
        counts = unmapped.astype(str).value_counts().head(8).to_dict()
        raise ValueError(f"column {column!r} has {len(unmapped)} complaint(s) with codes not in "
                         f"the mapping: {counts}; add them to the mapping")
    out = complaints.copy()
    out["category"] = pd.Categorical(codes.map(mapping), categories=list(CATEGORIES))
    return out


def check_complaints(
    members: pd.DataFrame,
    complaints: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    category: str = "category",
    joined: str = JOINED,
    lapsed: str = LAPSED,
    hours: str = "response_hours",
    *,
    resolved: str = "resolved",
    contacts: str = "contacts",
    compensation: str = "compensation",
) -> pd.DataFrame:
    """Validate a complaints table against the members.

    Raises on unknown categories, negative or missing response times, unknown members and
    complaints dated before joining or after the membership ended (the package's
    membership-end rule: lapse on or before ``as_of``, otherwise ``as_of``), naming how many
    rows and an example. The handling columns are checked when present: ``resolved``
    (True/False, or the date the problem was solved, missing while open), ``contacts``
    (how many times the member had to get in touch, a whole number from 1) and
    ``compensation`` ("none", "symbolic" or "material").

    Parameters
    ----------
    members : DataFrame
        One row per member with join and lapse dates.
    complaints : DataFrame
        One row per complaint.
    as_of : date
        The date the data end.
    member, date, category : str
        Member-id, complaint-date and rejection-factor columns.
    joined, lapsed : str
        Join-date and lapse-date columns of ``members``.
    hours : str
        Response-time column (hours until the answer), checked when present.
    resolved, contacts, compensation : str
        Handling columns, checked when present.

    Returns
    -------
    DataFrame
        The complaints with ``date`` parsed, ``category`` as an ordered categorical and the
        member's ``joined`` and ``end`` attached. A ``resolved`` column of dates becomes
        True/False (solved by ``as_of``) with ``resolution_days`` (days from the complaint
        to the solution; missing while open) beside it; a solution dated after ``as_of``
        is not yet known and counts as open. ``compensation`` becomes an ordered
        categorical.
    """
    complaints = _validate.frame(complaints, "complaints")
    members = _validate.frame(members, "members")
    _validate.columns(complaints, [member, date, category], "complaint analysis", "complaints")
    span = membership_end(members, as_of, member, joined, lapsed)
    raw_ids = complaints[member]
    complaints = _validate.matched_ids(complaints, member, members[member])
    cat = complaints[category].astype(object)
    unknown = cat[~cat.isin(CATEGORIES)]
    if len(unknown):
        raise ValueError(f"column {category!r} has {len(unknown)} value(s) that are not "
                         f"rejection factors "
                         f"(e.g. {_validate.shown(unknown.iloc[0])}); map your codes with "
                         f"map_categories() onto {list(CATEGORIES)}")
    h = None
    if hours in complaints:
        h = _validate.numeric(complaints, hours, lo=0, allow_missing=False,
                              purpose="response-time analysis (hours until the answer)")
    d = _validate.dates(complaints, date, allow_missing=False, purpose="complaint analysis")
    span.index = members[member].to_numpy()
    known = complaints[member].isin(span.index)
    if not known.all():
        raise ValueError(f"column {member!r} of complaints has {int((~known).sum())} id(s) "
                         f"that are not among the members' (e.g. "
                         f"{_validate.shown(raw_ids[~known].iloc[0])}); add those members "
                         f"or drop their complaints")
    j = span["joined"].reindex(complaints[member]).to_numpy()
    e = span["end"].reindex(complaints[member]).to_numpy()
    before = d.to_numpy() < j
    if before.any():
        raise ValueError(f"{int(before.sum())} complaint(s) are dated before the member joined "
                         f"(e.g. complaint row {int(np.flatnonzero(before)[0])}); fix the dates "
                         f"or the member ids")
    after = d.to_numpy() > e
    if after.any():
        raise ValueError(f"{int(after.sum())} complaint(s) are dated after the member left or "
                         f"after as_of; fix the dates or use a later as_of")
    out = complaints.assign(**{date: d}, joined=j, end=e)
    out[category] = pd.Categorical(cat, categories=list(CATEGORIES))
    if h is not None:
        out[hours] = h
    if resolved in complaints:
        out[resolved], days = _resolution(complaints, resolved, d, _validate.as_of(as_of))
        if days is not None:
            out["resolution_days"] = days
    if contacts in complaints:
        out[contacts] = _validate.numeric(
            complaints, contacts, lo=1, integer=True, allow_missing=False, allow_bool=False,
            purpose="complaint handling (how many times the member got in touch; 1 if once)")
    if compensation in complaints:
        comp = complaints[compensation].astype(object)
        bad = comp[~comp.isin(COMPENSATION)]
        if len(bad):
            raise ValueError(
                f"column {compensation!r} has {len(bad)} value(s) that are not compensation "
                f"levels (e.g. "
                f"{_validate.shown(bad.iloc[0])}); use {list(COMPENSATION)} ('none' where "
                f"nothing was given)")
        out[compensation] = pd.Categorical(comp, categories=list(COMPENSATION), ordered=True)
    return out


def _resolution(complaints: pd.DataFrame, column: str, posted: pd.Series,
                as_of: pd.Timestamp) -> tuple[pd.Series, pd.Series | None]:
    """A ``resolved`` column as True/False, and days to the solution when it holds dates."""
    s = complaints[column]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(bool), None
    values = s.dropna()
    if s.dtype == object and len(values) and values.map(type).isin([bool, np.bool_]).all():
        if s.isna().any():
            raise ValueError(
                f"column {column!r} has {int(s.isna().sum())} missing value(s) among "
                f"True/False; say False for a complaint not (yet) resolved")
        return s.astype(bool), None
    if pd.api.types.is_numeric_dtype(s.dtype) and values.isin([0, 1]).all():
        if s.isna().any():
            raise ValueError(
                f"column {column!r} has {int(s.isna().sum())} missing value(s) among 0/1; "
                f"say 0 for a complaint not (yet) resolved")
        return s.astype(bool), None
    try:
        when = _validate.dates(complaints, column, purpose="complaint handling (resolved: "
                               "True/False or the date the problem was solved)")
    except TypeError as exc:
        raise TypeError(f"{exc}; True/False (or 0/1) also works") from None
    days = (when - posted).dt.total_seconds() / 86400.0
    early = days < 0
    if early.any():
        raise ValueError(
            f"column {column!r} has {int(early.sum())} resolution date(s) before the "
            f"complaint (e.g. complaint row {int(np.flatnonzero(early.to_numpy())[0])}); fix "
            f"the dates")
    known = when.notna() & (when.dt.normalize() <= as_of.normalize())
    return pd.Series(known.to_numpy(), index=s.index), days.where(known)


def complaint_rates(
    members: pd.DataFrame,
    complaints: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    category: str = "category",
    joined: str = JOINED,
    lapsed: str = LAPSED,
    by: str | None = None,
    *,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Complaints per member-year by rejection factor (and group), with exact Poisson
    intervals.

    Exposure is each member's time from joining to the end of membership (lapse on or
    before ``as_of``, otherwise ``as_of``).

    Parameters
    ----------
    members, complaints : DataFrame
        Members (join and lapse dates) and complaints.
    as_of : date
        The date the data end.
    member, date, category, joined, lapsed : str
        Column names.
    by : str, optional
        Group column of ``members`` (e.g. ``"member_type"``).
    ci : float
        Confidence level of the exact (Garwood) intervals.

    Returns
    -------
    DataFrame
        ``group``, ``category``, ``members`` (how many gave the exposure), ``complaints``,
        ``member_years``, ``rate``, ``ci_low``, ``ci_high``. Every member and every complaint
        is in one group: ``members`` of a category's rows add up to the members' rows and
        ``complaints`` of all rows to the complaints' rows.
    """
    ci = _validate.probability(ci, "ci")
    c = check_complaints(members, complaints, as_of, member, date, category, joined, lapsed)
    members = _validate.frame(members, "members")
    span = membership_end(members, as_of, member, joined, lapsed)
    m = pd.DataFrame({member: members[member].to_numpy(),
                      "_years": (span["days"] / DAYS_PER_YEAR).to_numpy()})
    groups = [by] if by else []
    if by:
        _validate.columns(members, [by], "complaint rates by group", "members")
        m[by] = _validate.groups(members, by, "members").to_numpy()
        c = c.merge(m[[member, by]], on=member, how="left")
    exposure = (m.groupby(groups, observed=True)["_years"].agg(["size", "sum"]) if by else
                pd.DataFrame({"size": [len(m)], "sum": [m["_years"].sum()]},
                             index=["all members"]))
    rows = []
    for cat in CATEGORIES:
        sub = c[c[category] == cat]
        counts = sub.groupby(groups, observed=True).size() if by else pd.Series(
            {"all members": len(sub)})
        for g, (size, years) in zip(exposure.index, exposure.to_numpy(), strict=True):
            k = int(counts.get(g, 0))
            lo, hi = _stats.poisson_interval(k, ci)
            rows.append({"group": g, "category": cat, "members": int(size),
                         "complaints": k, "member_years": years, "rate": k / years,
                         "ci_low": lo / years, "ci_high": hi / years})
    return pd.DataFrame(rows)


def response_times(
    complaints: pd.DataFrame,
    by: str = "channel",
    hours: str = "response_hours",
    *,
    thresholds: Sequence[float] = (1, 24),
    ci: float = 0.95,
) -> pd.DataFrame:
    """Response times by group: median and quartiles (hours) and the share answered within
    each threshold (default 1 hour and 1 day) with Wilson intervals.

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint.
    by : str
        Group column (e.g. the channel).
    hours : str
        Hours until the answer.
    thresholds : sequence of float
        Hours; one share per threshold.
    ci : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    DataFrame
        ``group``, ``n``, ``median_hours``, ``q1_hours``, ``q3_hours`` and per threshold
        ``within_<t>h`` with ``_ci_low`` and ``_ci_high``.
    """
    ci = _validate.probability(ci, "ci")
    complaints = _validate.frame(complaints, "complaints")
    _validate.columns(complaints, [by, hours], "response times", "complaints")
    h = _validate.numeric(complaints, hours, lo=0, allow_missing=False,
                          purpose="response times (hours until the answer)")
    rows = []
    _validate.groups(complaints, by, "complaints")
    for g, idx in complaints.groupby(by, observed=True).groups.items():
        x = h.loc[idx]
        row = {"group": g, "n": len(x), "median_hours": x.median(), "q1_hours": x.quantile(0.25),
               "q3_hours": x.quantile(0.75)}
        for t in thresholds:
            k = int((x <= t).sum())
            lo, hi = _stats.wilson(k, len(x), ci)
            row[f"within_{t:g}h"] = k / len(x)
            row[f"within_{t:g}h_ci_low"], row[f"within_{t:g}h_ci_high"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True, repr=False)
class DelayEffect(Result):
    """Effect of the response delay and resolution of a member's last complaint on a later
    satisfaction score (OLS with HC3 intervals).

    Attributes
    ----------
    table : DataFrame
        One row per term: ``term``, ``coef``, ``ci_low``, ``ci_high``, ``p_value``.
    n_used : int
        Survey responses used.
    n_without_earlier_complaint, n_without_score : int
        Responses left out: no complaint before them, or no score.
    ci : float
        Confidence level of the intervals.
    results : statsmodels RegressionResults
        The fitted regression.
    excluded : dict
        Responses that cannot be placed after a complaint (no date or no member id), by
        reason.
    """

    table: pd.DataFrame
    n_used: int
    n_without_earlier_complaint: int
    n_without_score: int
    ci: float
    results: object
    excluded: Mapping[str, int] = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = ", ".join(f"{r.term} {r.coef:+.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]"
                          for r in self.table.itertuples())
        return (f"DelayEffect({parts}; n={self.n_used}, without earlier complaint="
                f"{self.n_without_earlier_complaint}, without score={self.n_without_score})")

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table."""
        return self.table


def delay_and_satisfaction(
    survey: pd.DataFrame,
    complaints: pd.DataFrame,
    score: pd.Series,
    member: str = MEMBER,
    date: str = DATE,
    hours: str = "response_hours",
    resolved: str = "resolved",
    *,
    ci: float = 0.95,
) -> DelayEffect:
    """Does a slow answer lower later satisfaction? For each survey response that follows a
    complaint, the satisfaction ``score`` is regressed on the log10 response time and the
    resolution of the member's most recent earlier complaint (OLS with HC3 intervals).

    Parameters
    ----------
    survey : DataFrame
        Survey responses with member ids and dates.
    complaints : DataFrame
        Complaints with member ids, dates, response hours and resolution.
    score : Series
        One satisfaction score per survey row (e.g. ``scales.score(survey, ...)``), aligned
        with ``survey``.
    member, date : str
        Member-id and date columns (both tables).
    hours, resolved : str
        Response-time and resolution columns of ``complaints``.
    ci : float
        Confidence level.

    Returns
    -------
    DelayEffect
        Terms ``log10_response_hours`` and ``resolved`` on the score's scale, with the
        responses used and left out.
    """
    import statsmodels.api as sm

    ci = _validate.probability(ci, "ci")
    complaints = _validate.frame(complaints, "complaints")
    survey = _validate.frame(survey, "survey")
    _validate.columns(complaints, [member, date, hours, resolved], "delay and satisfaction",
                      "complaints")
    _validate.columns(survey, [member, date], "delay and satisfaction", "survey")
    h = _validate.numeric(complaints, hours, lo=0, allow_missing=False,
                          purpose="delay and satisfaction")
    solved = _validate.numeric(complaints, resolved, lo=0, hi=1, integer=True,
                               allow_missing=False, purpose="delay and satisfaction "
                               "(resolved: True/False or 0/1)")
    # the one id rule, both ways: integer-like text on either side matches the integers
    complaints = _validate.matched_ids(complaints, member, survey[member])
    survey = _validate.matched_ids(survey, member, complaints[member])
    c = pd.DataFrame({member: complaints[member].to_numpy(),
                      "c_date": _validate.dates(complaints, date, allow_missing=False,
                                                purpose="delay and satisfaction").to_numpy(),
                      "log10_response_hours": np.log10(h.clip(lower=0.01)).to_numpy(),
                      "resolved": solved.to_numpy()})
    # one integer code per member for both tables: merge_asof needs one key type, and a
    # number and its float (5, 5.0) are one member
    n_c = len(c)
    codes = pd.factorize(pd.concat([c[member].astype(object),
                                    survey[member].astype(object)], ignore_index=True))[0]
    c[member] = codes[:n_c]
    c = c[c[member].to_numpy() >= 0]  # no member: no response can follow it
    s = pd.DataFrame({member: codes[n_c:],
                      "s_date": _validate.dates(survey, date,
                                                purpose="delay and satisfaction").to_numpy(),
                      "score": np.asarray(score, dtype=float), "row": np.arange(len(survey))})
    # a response without a date or a member cannot follow a complaint: left out, counted
    placed = s["s_date"].notna().to_numpy() & (s[member].to_numpy() >= 0)
    n_unplaced = int((~placed).sum())
    s = s[placed]
    merged = pd.merge_asof(s.sort_values("s_date", kind="stable"),
                           c.sort_values("c_date", kind="stable"),
                           left_on="s_date", right_on="c_date", by=member,
                           allow_exact_matches=False)
    has = merged["c_date"].notna()
    ok = has & merged["score"].notna()
    d = merged[ok]
    if len(d) < 10:
        raise ValueError(f"only {len(d)} survey responses follow a complaint; too few to "
                         f"estimate the effect of response delay")
    x = sm.add_constant(d[["log10_response_hours", "resolved"]])
    res = sm.OLS(d["score"], x).fit(cov_type="HC3")
    conf = res.conf_int(alpha=1 - ci)
    terms = ["log10_response_hours", "resolved"]
    table = pd.DataFrame({"term": terms, "coef": res.params[terms].to_numpy(),
                          "ci_low": conf.loc[terms, 0].to_numpy(),
                          "ci_high": conf.loc[terms, 1].to_numpy(),
                          "p_value": res.pvalues[terms].to_numpy()})
    return DelayEffect(table=table, n_used=int(ok.sum()),
                       n_without_earlier_complaint=int((~has).sum()),
                       n_without_score=int((has & ~ok).sum()), ci=ci, results=res,
                       excluded={"responses without a date or a member id": n_unplaced})


@dataclass(frozen=True, repr=False)
class RepeatComplaints(Result):
    """Who complains again, and what comes before a repeat (see :func:`repeat_complaints`).

    Attributes
    ----------
    concentration : DataFrame
        Members by their number of complaints (1, 2, ..., ``chronic`` or more):
        ``complaints_each``, ``members``, ``share_of_complainers``, ``complaints``,
        ``share_of_complaints``.
    chronic : int
        The threshold: members with at least this many complaints are "chronic".
    n_chronic : int
        Chronic members.
    chronic_share_of_complainers, chronic_share_of_complaints : float
    members : DataFrame
        One row per member who complained: ``complaints``, ``years`` at risk and ``rate``
        (complaints per member-year).
    precedes : DataFrame or None
        Hazard ratios of the next complaint after a complaint, by how that complaint was
        handled (the ``last_*`` columns of :func:`loyaltylab.recovery.recurrent_complaints`),
        from a Cox model of the gaps with a shared gamma frailty per member; None without
        handling columns or with too few repeats.
    frailty : Series or None
        How much members differ in their proneness to complain beyond how they were treated:
        the frailty variance ``theta`` and its likelihood-ratio test.
    model : LapseModel or None
        The fitted model of the gaps (for ``combine()`` and the like).
    n_members, n_complaints : int
        Members who complained and their complaints.
    excluded : dict
        Complaints not counted as separate events (same day as another, joining day) and
        members with no time at risk.
    """

    concentration: pd.DataFrame
    chronic: int
    n_chronic: int
    chronic_share_of_complainers: float
    chronic_share_of_complaints: float
    members: pd.DataFrame
    precedes: pd.DataFrame | None
    frailty: pd.Series | None
    model: object
    n_members: int
    n_complaints: int
    excluded: dict

    def __repr__(self) -> str:
        return (f"RepeatComplaints({self.n_chronic:,} chronic members ({self.chronic}+ "
                f"complaints) = {self.chronic_share_of_complainers:.0%} of "
                f"{self.n_members:,} complainers, {self.chronic_share_of_complaints:.0%} of "
                f"{self.n_complaints:,} complaints)")

    def to_frame(self) -> pd.DataFrame:
        """The concentration table."""
        return self.concentration

    def summary(self) -> pd.DataFrame:
        """What precedes a repeat (or the concentration table without handling columns)."""
        if self.precedes is None:
            return self.concentration
        return self.precedes


def repeat_complaints(
    members: pd.DataFrame,
    complaints: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str = MEMBER,
    date: str = DATE,
    category: str = "category",
    joined: str = JOINED,
    lapsed: str = LAPSED,
    *,
    chronic: int = 3,
    resolved: str = "resolved",
    hours: str = "response_hours",
    contacts: str = "contacts",
    compensation: str = "compensation",
    min_repeats: int = 20,
) -> RepeatComplaints:
    """Chronic complainers and what comes before a repeat complaint.

    The training material's advice: disarm chronic complainers, do not make a member get in
    touch three times, and a symbolic gesture helps. This measures how concentrated the
    complaints are (the members with ``chronic`` or more complaints, their share of the
    complainers and of all complaints, each member's rate per year at risk) and, after each
    complaint, what shortens the time to the next one: the complaint left unresolved, a slow
    answer, extra contacts, compensation. The gaps are modelled by Cox regression on the
    (start, stop] rows of :func:`loyaltylab.recovery.recurrent_complaints` that follow a
    complaint, with a gamma frailty per member (some members complain more whatever is done;
    without the frailty their repeats would be credited to how they were treated).

    Parameters
    ----------
    members, complaints : DataFrame
        As for :func:`check_complaints`.
    as_of : date
    member, date, category, joined, lapsed : str
        Column names.
    chronic : int
        Complaints that make a member "chronic".
    resolved, hours, contacts, compensation : str
        Handling columns (optional in ``complaints``).
    min_repeats : int
        Repeat complaints needed to fit the model of the gaps (fewer: ``precedes`` is None).

    Returns
    -------
    RepeatComplaints

    Examples
    --------
    >>> from loyaltylab import simulate
    >>> sim = simulate.complaint_process(n_members=400, years=4, seed=2)
    >>> r = repeat_complaints(sim.members, sim.complaints, sim.as_of)
    >>> int(r.concentration["complaints"].sum()) == r.n_complaints
    True
    """
    from loyaltylab import lapse
    from loyaltylab.recovery import recurrent_complaints

    chronic = _validate.positive_int(chronic, "chronic", minimum=2)
    rc = recurrent_complaints(members, complaints, as_of, member, date, category, joined,
                              lapsed, resolved, hours, contacts=contacts,
                              compensation=compensation)
    d = rc.data
    # every complaint counts here, several on one day too (the model's events are days);
    # the ids read as the members' own (the one id rule: "5" is member 5)
    years = d.groupby(member, sort=True)["stop"].max()
    counts = _validate.as_ids_of(complaints[member], members[member]).value_counts()
    per = pd.DataFrame({"complaints": counts.reindex(years.index, fill_value=0),
                        "years": years})
    per = per[per["complaints"] > 0]
    per["rate"] = per["complaints"] / per["years"]
    n_members, n_complaints = len(per), int(per["complaints"].sum())
    if n_members == 0:
        raise ValueError("no member complained (after the checks); nothing to measure")
    each = per["complaints"].clip(upper=chronic)
    rows = []
    for k in range(1, chronic + 1):
        sel = each == k
        rows.append({"complaints_each": f"{k}+" if k == chronic else str(k),
                     "members": int(sel.sum()),
                     "share_of_complainers": float(sel.mean()),
                     "complaints": int(per.loc[sel, "complaints"].sum()),
                     "share_of_complaints": float(per.loc[sel, "complaints"].sum()
                                                  / n_complaints)})
    conc = pd.DataFrame(rows)
    is_chronic = per["complaints"] >= chronic
    handling = [c for c in ("last_unresolved", "last_log10_hours", "last_extra_contacts",
                            "last_symbolic", "last_material") if c in d]
    after = d[d["prior"] > 0]
    handling = [c for c in handling if after[c].nunique() > 1]
    precedes = frailty = model = None
    if handling and int(after["complaint"].sum()) >= min_repeats:
        model = lapse.fit_lapse_model(after, "stop", "complaint", handling, entry="start",
                                      frailty=member, standardize=False)
        precedes = model.summary()
        frailty = model.frailty
    per = per.reset_index()
    return RepeatComplaints(
        concentration=conc, chronic=chronic, n_chronic=int(is_chronic.sum()),
        chronic_share_of_complainers=float(is_chronic.mean()),
        chronic_share_of_complaints=float(per.loc[is_chronic.to_numpy(), "complaints"].sum()
                                          / n_complaints),
        members=per, precedes=precedes, frailty=frailty, model=model, n_members=n_members,
        n_complaints=n_complaints, excluded=dict(rc.excluded))

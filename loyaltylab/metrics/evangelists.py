"""Customer evangelists as the library CRM guidance defines them.

The guidance (N. Nagy on CRM in libraries, Tudományos és Műszaki Tájékoztatás 54; digest in
``../shared/seeds``) describes customer evangelists as members who are *not only regular
users* but *feel compelled to tell others*, *take up the services as if they were a gift*,
*praise without being asked and suggest improvements*. Each part is observable in a library's
records:

- **regular use**: use events in the year before the survey answer, at least
  ``regular_per_year``;
- **telling others**: referrals the member reports making (the survey's "how many people did
  you recommend the library to last year"), at least one;
- **praise without being asked**: an unprompted compliment in the library's feedback records
  (comment cards, e-mails, web form: not a survey answer) in that year;
- **suggesting improvements**: an unprompted suggestion in the same records and year.

An evangelist meets all four. This is narrower and more behavioural than a promoter (a 9 or
10 on the recommendation question), which is an intention: :func:`evangelists` shows how the
two overlap. :func:`loyaltylab.metrics.referring_promoters` keeps the simpler measure
(promoters who made a referral) under its own name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.metrics.referral import _NPS_SEGMENTS, _segments
from loyaltylab.schema import DATE, MEMBER

#: The kinds of unprompted feedback a feedback table may hold; complaints are kept and
#: counted but play no part here (see :mod:`loyaltylab.complaints`).
FEEDBACK_KINDS = ("praise", "suggestion", "complaint")
CRITERIA = ("regular use", "tells others", "praises unprompted", "suggests improvements")


@dataclass(frozen=True, repr=False)
class Evangelists(Result):
    """Who meets each part of the evangelist definition (see :func:`evangelists`).

    Attributes
    ----------
    table : DataFrame
        One row per criterion and one for all four together: ``criterion``, ``members``
        meeting it, ``share`` of respondents with a Wilson interval.
    data : DataFrame
        One row per respondent (indexed by member): ``uses``, ``referrals``, ``praise``,
        ``suggestions`` in the year before the answer, one boolean per criterion and
        ``evangelist``.
    by_segment : DataFrame or None
        With ``recommend``: evangelists within each NPS segment (detractor, passive,
        promoter), with Wilson intervals; ``n_no_recommend`` respondents who left the
        question blank are in no segment.
    share, ci_low, ci_high : float
        The share of respondents who are evangelists, with its interval.
    n_used : int
        Respondents classified.
    n_events_used, n_feedback_used : int
        Use events and feedback rows (praise and suggestions) inside the respondents' years.
    excluded : dict
        Survey answers, use events and feedback rows left out, by reason: for each table,
        rows in = rows used + the rows left out.
    regular_per_year : float
    window_days : int
    ci : float
    """

    table: pd.DataFrame
    data: pd.DataFrame
    by_segment: pd.DataFrame | None
    share: float
    ci_low: float
    ci_high: float
    n_used: int
    n_events_used: int = 0
    n_feedback_used: int = 0
    n_no_recommend: int = 0
    excluded: Mapping[str, int] = field(default_factory=dict)
    regular_per_year: float = 12.0
    window_days: int = 365
    ci: float = 0.95

    def __repr__(self) -> str:
        return (f"Evangelists({self.share:.1%} of {self.n_used:,} respondents, "
                f"{self.ci:.0%} CI [{self.ci_low:.1%}, {self.ci_high:.1%}]; regular use = "
                f"{self.regular_per_year:g}+ uses a year)")

    def to_frame(self) -> pd.DataFrame:
        """The criteria table."""
        return self.table


def _in_window(rows: pd.DataFrame, answered: pd.Series, date: str, member: str,
               window_days: int) -> pd.Series:
    """Per member: rows dated in the ``window_days`` before the member's answer."""
    start = answered.reindex(rows[member].to_numpy()).to_numpy()
    d = rows[date].to_numpy()
    inside = (d < start) & (d >= start - np.timedelta64(window_days, "D"))
    return pd.Series(inside, index=rows.index)


def evangelists(
    events: pd.DataFrame,
    survey: pd.DataFrame,
    feedback: pd.DataFrame,
    member: str = MEMBER,
    date: str = DATE,
    *,
    referrals: str = "referrals",
    kind: str = "kind",
    recommend: str | None = None,
    wave: str | None = "wave",
    regular_per_year: float = 12.0,
    window_days: int = 365,
    ci: float = 0.95,
) -> Evangelists:
    """Customer evangelists: regular users who tell others, praise without being asked and
    suggest improvements (the definition of the library CRM guidance).

    Everything is measured over the ``window_days`` before each member's survey answer (the
    year the referral question asks about), so nothing after the answer is used.

    Parameters
    ----------
    events : DataFrame
        Use events (``member``, ``date``).
    survey : DataFrame
        Survey answers (``member``, ``date``, ``referrals``); the latest answer of each member
        is used when ``wave`` is a column.
    feedback : DataFrame
        Unprompted feedback (``member``, ``date``, ``kind`` in :data:`FEEDBACK_KINDS`): what
        members wrote to the library without being asked.
    member, date : str
        Column names shared by the three tables.
    referrals : str
        The survey's count of people the member recommended the library to.
    kind : str
        The feedback column with the kind of each message.
    recommend : str, optional
        The 0-10 likelihood to recommend: adds :attr:`Evangelists.by_segment`.
    wave : str or None
        Survey-wave column (latest answer per member); None requires one answer per member.
    regular_per_year : float
        Use events in the window that make a regular user (12: about once a month).
    window_days : int
        Days before the answer over which use and feedback count.
    ci : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    Evangelists

    Examples
    --------
    >>> import pandas as pd
    >>> ev = evangelists(
    ...     pd.DataFrame({"member_id": [1] * 13 + [2], "date": pd.Timestamp("2024-03-01")}),
    ...     pd.DataFrame({"member_id": [1, 2], "date": pd.Timestamp("2024-06-01"),
    ...                   "referrals": [2, 0]}),
    ...     pd.DataFrame({"member_id": [1, 1], "date": pd.Timestamp("2024-04-01"),
    ...                   "kind": ["praise", "suggestion"]}), wave=None)
    >>> ev.data["evangelist"].tolist()
    [True, False]
    """
    events = _validate.frame(events, "events")
    survey = _validate.frame(survey, "survey")
    feedback = _validate.frame(feedback, "feedback")
    ci = _validate.probability(ci, "ci")
    window_days = _validate.positive_int(window_days, "window_days")
    if not (isinstance(regular_per_year, (int, float)) and not isinstance(regular_per_year, bool)
            and regular_per_year > 0):
        raise ValueError(f"regular_per_year must be a positive number of uses, got "
                         f"{regular_per_year!r}")
    _validate.columns(survey, [member, date, referrals] + ([recommend] if recommend else []),
                      "evangelists", "survey")
    _validate.columns(events, [member, date], "evangelists", "events")
    _validate.columns(feedback, [member, date, kind], "evangelists", "feedback")
    excluded: dict[str, int] = {}
    s = survey
    if wave is not None and wave in s:
        _validate.orderable(s, wave, "evangelists (the latest wave)")
        # (pandas sorts on two columns stably whatever kind says)
        s = s.sort_values([wave, date]).drop_duplicates(member, keep="last")
        excluded["earlier answers of the same member"] = len(survey) - len(s)
    else:
        _validate.unique(s, member, "member")
    answered = pd.Series(_validate.dates(s, date, purpose="the survey (the answer date)")
                         .to_numpy(), index=s[member].to_numpy())
    ref = _validate.numeric(s, referrals, lo=0, integer=True,
                            purpose="evangelists (the number of people referred)")
    ok = answered.notna().to_numpy() & ref.notna().to_numpy()
    excluded["answers without a date or a referral count"] = int((~ok).sum())
    if not ok.any():
        raise ValueError(f"survey has no answer with both a date and a referral count (of "
                         f"{len(ok)}); fill column {referrals!r} (0 for no one referred) and "
                         f"{date!r}")
    answered, ref = answered[ok], pd.Series(ref.to_numpy()[ok], index=answered.index[ok])
    s = s[ok]
    kinds = feedback[kind].astype("string").str.strip().str.lower()
    bad = kinds.notna() & ~kinds.isin(FEEDBACK_KINDS)
    if bad.any():
        raise ValueError(f"feedback column {kind!r} has {int(bad.sum())} row(s) of an unknown "
                         f"kind (e.g. "
                         f"{_validate.shown(feedback.loc[bad, kind].iloc[0])}); use one of "
                         f"{list(FEEDBACK_KINDS)}")
    fb = _validate.matched_ids(feedback.assign(**{kind: kinds}), member, s[member])
    fb[date] = _validate.dates(fb, date, purpose="the feedback table")
    gone = fb[kind].isna() | fb[date].isna()
    excluded["feedback rows without a kind or a date"] = int(gone.sum())
    fb = fb[~gone]
    known = fb[member].isin(answered.index)
    excluded["feedback rows of members who did not answer the survey"] = int((~known).sum())
    fb = fb[known]
    inside = _in_window(fb, answered, date, member, window_days)
    excluded["feedback rows outside the year before the answer"] = int((~inside).sum())
    fb = fb[inside]
    excluded["complaints (not part of the definition)"] = int((fb[kind] == "complaint").sum())
    ev = _validate.matched_ids(events[[member, date]], member, s[member]).assign(
        **{date: _validate.dates(events, date, purpose="the use events")})
    mine = ev[member].isin(answered.index) & ev[date].notna()
    excluded["use events without a date"] = int(ev[date].isna().sum())
    excluded["use events of members who did not answer the survey"] = int(
        (ev[date].notna() & ~ev[member].isin(answered.index)).sum())
    ev = ev[mine]
    near = _in_window(ev, answered, date, member, window_days)
    excluded["use events outside the year before the answer"] = int((~near).sum())
    ev = ev[near]
    idx = pd.Index(answered.index, name=member)
    data = pd.DataFrame({
        "uses": ev.groupby(member).size().reindex(idx, fill_value=0).astype(np.int64),
        "referrals": ref.astype(np.int64),
        "praise": fb[fb[kind] == "praise"].groupby(member).size().reindex(idx, fill_value=0),
        "suggestions": fb[fb[kind] == "suggestion"].groupby(member).size()
        .reindex(idx, fill_value=0)}, index=idx)
    per_year = data["uses"] * 365.25 / window_days
    data["regular use"] = per_year >= regular_per_year
    data["tells others"] = data["referrals"] >= 1
    data["praises unprompted"] = data["praise"] >= 1
    data["suggests improvements"] = data["suggestions"] >= 1
    data["evangelist"] = data[list(CRITERIA)].all(axis=1)
    n = len(data)
    rows = []
    for c in [*CRITERIA, "evangelist"]:
        k = int(data[c].sum())
        lo, hi = _stats.wilson(k, n, ci)
        rows.append({"criterion": "all four (evangelist)" if c == "evangelist" else c,
                     "members": k, "share": k / n, "ci_low": lo,
                     "ci_high": hi})
    table = pd.DataFrame(rows)
    by_segment, no_answer = None, 0
    if recommend:
        x = _validate.numeric(s, recommend, lo=0, hi=10, integer=True,
                              purpose="evangelists (the 0-10 likelihood to recommend)",
                              allow_bool=False,  # pragma: no mutate (None is False here)
        )
        seg = _segments(x)
        no_answer = int(pd.isna(seg).sum())
        out = []
        for level in _NPS_SEGMENTS:
            m = seg == level
            k, nn = int(data["evangelist"].to_numpy()[m].sum()), int(m.sum())
            lo, hi = _stats.wilson(k, nn, ci)
            out.append({"segment": level, "n": nn, "evangelists": k,
                        "share": k / nn if nn else np.nan, "ci_low": lo, "ci_high": hi})
        by_segment = pd.DataFrame(out)
    all4 = table.iloc[-1]
    return Evangelists(table=table, data=data, by_segment=by_segment, share=float(all4["share"]),
                       ci_low=float(all4["ci_low"]), ci_high=float(all4["ci_high"]), n_used=n,
                       n_events_used=len(ev), n_feedback_used=int((fb[kind] != "complaint").sum()),
                       n_no_recommend=no_answer,
                       excluded={k: v for k, v in excluded.items() if v},
                       regular_per_year=float(regular_per_year), window_days=window_days, ci=ci)

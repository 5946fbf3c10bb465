"""Replies to online reviews: how many are answered, how fast, how fast the problem is solved,
and how many replies are carbon copies.

The guide in the source material (the Mongolian review-handling document, digest in the
design notes): answer every review the same day, the positive ones too; never with a template;
show how a hard case was resolved, since the speed of *answering* is not the speed of
*solving*.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.reviews._door import (
    BRANCH,
    POSTED,
    RATING,
    RESOLVED,
    RESPONDED,
    RESPONSE,
    REVIEW_ID,
    checked,
    data_date,
)

__all__ = ["ReplyCoverage", "ResponseTimes", "TemplateReplies", "reply_coverage",
           "response_times", "template_replies"]


def _groups(d: pd.DataFrame, by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return ["band"]
    return [by] if isinstance(by, str) else list(by)


@dataclass(frozen=True, repr=False)
class ReplyCoverage(Result):
    """Share of reviews answered, per group, with Wilson intervals.

    Attributes
    ----------
    table : DataFrame
        One row per group (and an ``all reviews`` row): ``reviews``, ``answered``, ``share``,
        ``ci_low``, ``ci_high``.
    test : dict
        Pearson's chi-square test of equal shares across the groups: ``statistic``, ``df``,
        ``p_value`` (NaN with a single group).
    by : tuple of str
        The grouping columns ("band" is the rating band).
    n_used, n_excluded : int
        Reviews used, and left out (``excluded`` says why: no rating, no posting date,
        removed by the library).
    ci : float
    """

    table: pd.DataFrame
    test: dict
    by: tuple[str, ...]
    n_used: int
    n_excluded: int
    excluded: dict
    ci: float

    def __repr__(self) -> str:
        overall = self.table.iloc[-1]
        return (f"ReplyCoverage({overall['share']:.1%} of {self.n_used:,} reviews answered; "
                f"by {', '.join(self.by)}: chi2={self.test['statistic']:.2f}, "
                f"p={self.test['p_value']:.3g})")

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.table


def reply_coverage(
    reviews: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    ci: float = 0.95,
    review_id: str = REVIEW_ID,
    posted: str = POSTED,
    rating: str = RATING,
    responded: str = RESPONDED,
    removed: str | None = None,
) -> ReplyCoverage:
    """Share of reviews the library answered, by rating band (default), branch or platform.

    Parameters
    ----------
    reviews : DataFrame
        One row per review (see :mod:`loyaltylab.reviews`).
    by : str or sequence of str, optional
        Grouping columns; ``"band"`` is the rating band (1-2, 3, 4-5). Default: the band, so
        that an unanswered positive majority shows (the guide: thank positive reviewers too).
    ci : float
        Confidence level of the Wilson intervals.
    review_id, posted, rating, responded : str
        Column names (``responded``: when the library replied; missing = no reply).
    removed : str, optional
        True for reviews the library removed: left out and counted.

    Returns
    -------
    ReplyCoverage

    Examples
    --------
    >>> d = pd.DataFrame({"review_id": [1, 2, 3, 4], "rating": [1, 5, 5, 2],
    ...                   "posted": pd.to_datetime(["2024-01-01"] * 4),
    ...                   "responded": pd.to_datetime(["2024-01-01", None, None, "2024-01-03"])})
    >>> reply_coverage(d).table[["group", "reviews", "answered", "share"]]
                group  reviews  answered  share
    0  negative (1-2)        2         2    1.0
    1  positive (4-5)        2         0    0.0
    2     all reviews        4         2    0.5
    """
    ci = _validate.probability(ci, "ci")
    keys = _groups(reviews, by)
    extra = {k: k for k in keys if k != "band"}
    c = checked(reviews, "reply coverage", review_id=review_id, posted=posted, rating=rating,
                responded=responded, removed=removed, extra=extra)
    d = c.data.assign(answered=c.data[RESPONDED].notna())
    missing = {k: int(d[k].isna().sum()) for k in keys if d[k].isna().any()}
    if missing:
        k, n = next(iter(missing.items()))
        raise ValueError(f"column {k!r} has {n} missing value(s); fill them (e.g. 'unknown') "
                         f"so that every review has a group")
    g = d.groupby(keys, observed=True, sort=True)["answered"].agg(["size", "sum"])
    rows = []
    for key, (n, k) in g.iterrows():
        lo, hi = _stats.wilson(int(k), int(n), ci)
        label = " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
        rows.append({"group": label, "reviews": int(n), "answered": int(k),
                     "share": k / n, "ci_low": lo, "ci_high": hi})
    n, k = len(d), int(d["answered"].sum())
    lo, hi = _stats.wilson(k, n, ci)
    rows.append({"group": "all reviews", "reviews": n, "answered": k, "share": k / n,
                 "ci_low": lo, "ci_high": hi})
    if len(g) > 1:
        counts = np.column_stack([g["sum"], g["size"] - g["sum"]])
        keep = counts.sum(axis=0) > 0
        if keep.all():
            stat, p, df, _ = stats.chi2_contingency(counts, correction=False)
        else:  # everyone (or no one) answered: no difference to test
            stat, p, df = 0.0, 1.0, len(g) - 1
        test = {"statistic": float(stat), "df": int(df), "p_value": float(p)}
    else:
        test = {"statistic": np.nan, "df": 0, "p_value": np.nan}
    excluded = c.excluded
    return ReplyCoverage(table=pd.DataFrame(rows), test=test, by=tuple(keys), n_used=n,
                         n_excluded=int(sum(excluded.values())), excluded=excluded, ci=ci)


@dataclass(frozen=True, repr=False)
class ResponseTimes(Result):
    """How fast reviews are answered, and how fast problems are solved.

    Attributes
    ----------
    within : DataFrame
        Per threshold: ``threshold``, ``reviews`` (posted at least that long before the data
        date), ``answered_within``, ``share`` with Wilson ``ci_low``/``ci_high``. Unanswered
        reviews count as not answered within.
    medians : DataFrame
        Per clock ("time to answer" for every review; with a resolution column also the
        time to answer and the time to resolution of the negative reviews, side by side):
        ``reviews``, ``events``, ``median_hours`` with its interval (Kaplan-Meier, reviews
        still open censored at the data date), and the share closed within 24 hours and 7
        days.
    curves : dict
        The :class:`~loyaltylab.lapse.RetentionCurves` of each clock (the "retention" is the
        share still waiting).
    as_of : Timestamp
        The data date.
    n_used, n_excluded : int
    """

    within: pd.DataFrame
    medians: pd.DataFrame
    curves: dict
    as_of: pd.Timestamp
    n_used: int
    n_excluded: int
    excluded: dict
    ci: float

    def __repr__(self) -> str:
        m = self.medians.set_index("clock")["median_hours"]
        parts = ", ".join(f"{k}: median {v:.3g} h" for k, v in m.items())
        return f"ResponseTimes({self.n_used:,} reviews; {parts})"

    def to_frame(self) -> pd.DataFrame:
        """Shares answered within each threshold."""
        return self.within

    def summary(self) -> pd.DataFrame:
        """The medians of each clock."""
        return self.medians


def _hours(delta: pd.Series) -> np.ndarray:
    return (delta.dt.total_seconds() / 3600).to_numpy(float)


def response_times(
    reviews: pd.DataFrame,
    *,
    thresholds: Sequence[str] = ("1h", "24h"),
    as_of: str | pd.Timestamp | None = None,
    ci: float = 0.95,
    review_id: str = REVIEW_ID,
    posted: str = POSTED,
    rating: str = RATING,
    responded: str = RESPONDED,
    resolved: str | None = None,
    removed: str | None = None,
) -> ResponseTimes:
    """Share answered within each threshold, and the median time to answer and to solve.

    Parameters
    ----------
    reviews : DataFrame
        One row per review.
    thresholds : sequence of str
        Time limits as pandas offsets ("1h", "24h", "7D"). A review counts in a threshold's
        denominator only if it was posted at least that long before the data date (a review
        posted ten minutes ago cannot yet have missed the hour).
    as_of : date, optional
        When the data were exported (default: the latest date in the table). Reviews still
        unanswered (or unsolved) are censored there.
    ci : float
    review_id, posted, rating, responded : str
        Column names.
    resolved : str, optional
        When the problem a review raised was solved: adds the time to resolution of negative
        reviews (1-2 stars), the clock the guide warns is not the clock of answering.
    removed : str, optional
        Reviews the library removed: left out and counted.

    Returns
    -------
    ResponseTimes
    """
    from loyaltylab.lapse import retention_curves

    ci = _validate.probability(ci, "ci")
    limits = []
    for th in _validate.names(thresholds, "thresholds", "time spans"):
        try:
            limits.append((str(th), pd.Timedelta(th)))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"threshold {th!r} is not a time span; write e.g. '1h', '24h' or "
                             f"'7D'") from exc
    c = checked(reviews, "response times", review_id=review_id, posted=posted, rating=rating,
                responded=responded, resolved=resolved, removed=removed)
    d = c.data
    as_of = data_date(d, as_of)
    rows = []
    for label, lim in limits:
        old = d[POSTED] <= as_of - lim
        n = int(old.sum())
        k = int((old & (d[RESPONDED] - d[POSTED] <= lim)).sum())
        lo, hi = _stats.wilson(k, n, ci)
        rows.append({"threshold": label, "reviews": n, "answered_within": k,
                     "share": k / n if n else np.nan, "ci_low": lo, "ci_high": hi})
    clocks = {"time to answer": (d, RESPONDED)}
    if resolved is not None:  # the two clocks of the same (negative) reviews, side by side
        negative = d[d[RATING] <= 2]
        clocks["time to answer (negative reviews)"] = (negative, RESPONDED)
        clocks["time to resolution (negative reviews)"] = (negative, RESOLVED)
    meds, curves = [], {}
    for name, (part, col) in clocks.items():
        if part.empty:
            continue
        done = part[col].notna()
        hours = _hours(part[col].fillna(as_of) - part[POSTED])
        t = pd.DataFrame({"hours": hours, "closed": done.to_numpy()})
        rc = retention_curves(t, "hours", "closed", ci=ci, horizons=(24, 24 * 7))
        curves[name] = rc
        m = rc.medians.iloc[0]
        h = rc.at_horizons.set_index("horizon")["retention"]
        meds.append({"clock": name, "reviews": len(part), "events": int(done.sum()),
                     "median_hours": m["median"], "ci_low": m["median_ci_low"],
                     "ci_high": m["median_ci_high"], "closed_within_24h": 1 - h.get(24),
                     "closed_within_7d": 1 - h.get(24 * 7)})
    excluded = c.excluded
    return ResponseTimes(within=pd.DataFrame(rows), medians=pd.DataFrame(meds), curves=curves,
                         as_of=as_of, n_used=len(d), n_excluded=int(sum(excluded.values())),
                         excluded=excluded, ci=ci)


def _normalise(text: str) -> str:
    # case, accents, digits (dates, order numbers) and punctuation do not make a reply personal
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z]+", " ", text.lower())
    return " ".join(text.split())


def _shingles(texts: Sequence[str], k: int) -> sparse.csr_matrix:
    """Binary reply x character-k-gram matrix."""
    vocab: dict[str, int] = {}
    indptr, indices = [0], []
    for t in texts:
        grams = {t[i:i + k] for i in range(max(len(t) - k + 1, 1))}
        indices.extend(vocab.setdefault(g, len(vocab)) for g in grams)
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), max(len(vocab), 1)))


@dataclass(frozen=True, repr=False)
class TemplateReplies(Result):
    """Replies that are near-copies of other replies.

    Attributes
    ----------
    replies : DataFrame
        One row per reply: ``review_id``, ``branch`` (if given), ``template`` (True when at
        least one other reply is at least ``threshold`` similar), ``group`` (template group,
        -1 for personal replies), ``max_similarity``.
    groups : DataFrame
        Template groups, largest first: ``group``, ``replies``, ``branches``, ``example``.
    by_branch : DataFrame
        Share of replies that are templates per branch with Wilson intervals (one row when
        there is no branch column).
    threshold : float
        Jaccard similarity of character shingles above which two replies are copies.
    n_used, n_excluded : int
        Replies compared, and reviews left out (no reply text, removed, no rating ...).
    """

    replies: pd.DataFrame
    groups: pd.DataFrame
    by_branch: pd.DataFrame
    threshold: float
    n_used: int
    n_excluded: int
    excluded: dict

    def __repr__(self) -> str:
        share = self.replies["template"].mean()
        return (f"TemplateReplies({share:.1%} of {self.n_used:,} replies are templates, in "
                f"{len(self.groups)} group(s); threshold {self.threshold})")

    def to_frame(self) -> pd.DataFrame:
        """The per-branch shares."""
        return self.by_branch


def template_replies(
    reviews: pd.DataFrame,
    *,
    threshold: float = 0.5,
    shingle: int = 5,
    ci: float = 0.95,
    review_id: str = REVIEW_ID,
    posted: str = POSTED,
    rating: str = RATING,
    response: str = RESPONSE,
    branch: str | None = BRANCH,
    removed: str | None = None,
    chunk: int = 2000,
) -> TemplateReplies:
    """Find carbon-copy replies: near-identical texts, whatever name or date was filled in.

    Replies are compared by the Jaccard similarity of their character shingles after
    normalising case, accents, digits and punctuation, so "Dear Anna, thank you for your
    review of 3 May!" and "Dear Tom, thank you for your review of 12 June!" are copies while
    two personal answers are not. Copies are grouped (connected components of the pairs above
    ``threshold``).

    Parameters
    ----------
    reviews : DataFrame
        One row per review; reviews without a reply text are left out and counted.
    threshold : float
        Similarity (0-1) above which two replies count as copies.
    shingle : int
        Length of the character shingles.
    ci : float
        Confidence level of the per-branch shares.
    review_id, posted, rating, response, branch : str
        Column names (``branch`` None: one group).
    removed : str, optional
        Reviews the library removed: left out and counted.
    chunk : int
        Replies compared at once (memory: ``chunk`` x replies).

    Returns
    -------
    TemplateReplies
    """
    threshold = _validate.probability(threshold, "threshold")
    shingle = _validate.positive_int(shingle, "shingle", minimum=2)
    ci = _validate.probability(ci, "ci")
    extra = {RESPONSE: response} | ({BRANCH: branch} if branch is not None else {})
    c = checked(reviews, "template replies", review_id=review_id, posted=posted,
                rating=rating, responded=None, removed=removed, extra=extra)
    d = c.data
    has = d[RESPONSE].notna() & (d[RESPONSE].astype(str).str.strip() != "")
    excluded = {**c.excluded, "no reply text": int((~has).sum())}
    d = d[has.to_numpy()]
    if len(d) < 2:
        raise ValueError(f"template replies need at least two reply texts; {len(d)} found in "
                         f"column {response!r}")
    texts = [_normalise(t) for t in d[RESPONSE]]
    x = _shingles(texts, shingle)
    size = np.asarray(x.sum(axis=1)).ravel()
    n = len(texts)
    best = np.zeros(n)
    pairs_i, pairs_j = [], []
    xt = x.T.tocsc()
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        inter = (x[start:stop] @ xt).toarray()  # shared shingles
        union = size[start:stop, None] + size[None, :] - inter
        sim = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        sim[np.arange(stop - start), np.arange(start, stop)] = 0.0  # not with itself
        best[start:stop] = sim.max(axis=1)
        i, j = np.nonzero(sim >= threshold)
        pairs_i.append(i + start)
        pairs_j.append(j)
    i, j = np.concatenate(pairs_i), np.concatenate(pairs_j)
    graph = sparse.coo_matrix((np.ones(i.size), (i, j)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    template = best >= threshold
    # number the template groups by size (largest first), personal replies -1
    sizes = pd.Series(label[template]).value_counts()
    sizes = sizes.sort_values(ascending=False, kind="stable")
    renumber = {old: new for new, old in enumerate(sizes.index)}
    group = np.array([renumber.get(lab, -1) if t else -1 for lab, t in
                      zip(label, template, strict=True)])
    replies = pd.DataFrame({REVIEW_ID: d[REVIEW_ID].to_numpy(), "template": template,
                            "group": group, "max_similarity": best})
    if branch is not None:
        replies.insert(1, BRANCH, d[BRANCH].to_numpy())
    groups = []
    raw = d[RESPONSE].to_numpy()
    for gid in range(len(sizes)):
        members = np.flatnonzero(group == gid)
        groups.append({"group": gid, "replies": members.size,
                       "branches": (int(replies.loc[members, BRANCH].nunique())
                                    if branch is not None else 1),
                       "example": str(raw[members[0]])})
    groups = pd.DataFrame(groups, columns=["group", "replies", "branches", "example"])
    keys = replies[BRANCH] if branch is not None else pd.Series("all", index=replies.index)
    rows = []
    for key, part in replies.groupby(keys.to_numpy(), sort=True):
        k, m = int(part["template"].sum()), len(part)
        lo, hi = _stats.wilson(k, m, ci)
        rows.append({"branch": key, "replies": m, "templates": k, "share": k / m,
                     "ci_low": lo, "ci_high": hi})
    return TemplateReplies(replies=replies, groups=groups, by_branch=pd.DataFrame(rows),
                           threshold=threshold, n_used=n,
                           n_excluded=int(sum(excluded.values())), excluded=excluded)

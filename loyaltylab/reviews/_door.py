"""The one door of every reviews function: the reviews table checked once, in canonical names.

Refused with a clear error: a missing column, a duplicated review id, a rating outside 1-5 or
not a whole star, a posting date that is not a date, a reply or a resolution dated before the
review. Left out and counted: reviews without a rating or a posting date, and reviews the
library removed (deleting reviews is what the guide warns against; how many were removed is
itself a finding, so it is reported, not hidden).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _validate

#: Canonical columns of a reviews table (the defaults of every column-name parameter).
REVIEW_ID = "review_id"
BRANCH = "branch"
PLATFORM = "platform"
POSTED = "posted"
RATING = "rating"
TEXT = "text"
RESPONDED = "responded"
RESPONSE = "response"
RESOLVED = "resolved"
REMOVED = "removed"

#: Rating bands: what the guide's advice distinguishes (answer the positive ones too).
BANDS = ("negative (1-2)", "neutral (3)", "positive (4-5)")


def band(rating: pd.Series) -> pd.Categorical:
    """The rating band of each review (1-2 negative, 3 neutral, 4-5 positive)."""
    codes = np.select([rating <= 2, rating == 3], [0, 1], 2)
    return pd.Categorical.from_codes(codes, categories=list(BANDS), ordered=True)


@dataclass(frozen=True)
class Checked:
    """The reviews a function uses, in canonical column names, and what it left out."""

    data: pd.DataFrame
    excluded: dict[str, int]
    n_in: int


def checked(reviews: pd.DataFrame, purpose: str, *, review_id: str = REVIEW_ID,
            posted: str = POSTED, rating: str = RATING, responded: str | None = RESPONDED,
            resolved: str | None = None, removed: str | None = REMOVED,
            extra: dict[str, str] | None = None) -> Checked:
    """Validate a reviews table and return the rows used with canonical names.

    ``responded``, ``resolved`` and ``removed`` may be None (not used); a named column that
    is missing is an error. ``extra`` maps canonical names to the caller's columns, copied as
    they are (``branch``, ``platform``, ``response``, ``author``).
    """
    reviews = _validate.frame(reviews, "reviews")
    extra = dict(extra or {})
    named = {REVIEW_ID: review_id, POSTED: posted, RATING: rating, **extra}
    for canon, col in ((RESPONDED, responded), (RESOLVED, resolved), (REMOVED, removed)):
        if col is not None:
            named[canon] = col
    _validate.columns(reviews, list(named.values()), purpose, "reviews")
    _validate.unique(reviews, review_id, "review")
    n_in = len(reviews)
    stars = _validate.numeric(reviews, rating, lo=1, hi=5, integer=True, allow_bool=False,
                              purpose=f"{purpose} (ratings are 1-5 stars)")
    when = _validate.dates(reviews, posted, purpose=purpose)
    out = pd.DataFrame({REVIEW_ID: reviews[review_id].to_numpy(), POSTED: when.to_numpy(),
                        RATING: stars.to_numpy()}, index=reviews.index)
    for canon, col in ((RESPONDED, responded), (RESOLVED, resolved)):
        if col is None:
            continue
        t = _validate.dates(reviews, col, purpose=purpose)
        early = t.notna() & when.notna() & (t < when)
        if early.any():
            ex = _validate._example(reviews.loc[early, review_id])
            raise ValueError(
                f"column {col!r} has {int(early.sum())} date(s) before the review was posted "
                f"(e.g. review {ex}); a {canon} date must be at or after {posted!r}: check "
                f"the time zones of the two columns or fix those rows")
        out[canon] = t.to_numpy()
    for canon, col in extra.items():
        out[canon] = reviews[col].to_numpy()
    excluded = {"no rating": int(out[RATING].isna().sum()),
                "no posting date": int((out[RATING].notna() & out[POSTED].isna()).sum())}
    keep = out[RATING].notna() & out[POSTED].notna()
    if removed is not None:
        gone = reviews[removed]
        bad = gone.notna() & ~gone.isin([True, False, 0, 1])
        if bad.any():
            raise TypeError(f"column {removed!r} has {int(bad.sum())} value(s) that are not "
                            f"True/False (e.g. "
                            f"{_validate.shown(gone[bad].iloc[0])}); mark removed reviews "
                            f"True, others False")
        gone = gone.fillna(False).astype(bool).to_numpy()
        excluded["removed by the library"] = int((keep & gone).sum())
        keep = keep & ~gone
    out = out[keep.to_numpy()]
    if out.empty:
        raise ValueError(f"no review is left for {purpose} ({n_in} rows in; left out: "
                         f"{ {k: v for k, v in excluded.items() if v} })")
    out[RATING] = out[RATING].astype(int)
    out["band"] = band(out[RATING])
    return Checked(data=out, excluded=excluded, n_in=n_in)


def end_of(as_of: object) -> pd.Timestamp:
    """``as_of`` as an instant: a date without a time of day is the end of that day (the
    export taken that evening holds that day's reviews)."""
    as_of = _validate.as_of(as_of)
    if as_of == as_of.normalize():
        return as_of + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    return as_of


def data_date(d: pd.DataFrame, as_of: object | None) -> pd.Timestamp:
    """When the data end: ``as_of`` (a date without a time means the end of that day), or
    the latest date in the table. Refuses an ``as_of`` before a review, reply or
    resolution."""
    cols = [c for c in (POSTED, RESPONDED, RESOLVED) if c in d]
    latest = max(d[c].max() for c in cols)
    if as_of is None:
        return latest
    as_of = end_of(as_of)
    if as_of < latest:
        raise ValueError(f"as_of ({as_of}) is before the latest date in the reviews "
                         f"({latest}); give the date the export was taken")
    return as_of

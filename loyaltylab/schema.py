"""The package's vocabulary: canonical tables and column names, the five loyalty factors, the
rejection-factor categories, the loyalty segments, time constants, and the one rule for when
a membership ends (:func:`membership_end`).

Every function that reads a column takes its name as a parameter whose default is the
canonical name below, so a library whose export says ``borrowernumber`` instead of
``member_id`` passes ``member="borrowernumber"`` and renames nothing.

The membership-end rule, used by every module that needs tenure or exposure
----------------------------------------------------------------------------
- A membership runs from ``joined`` to its end: the lapse date when the member lapsed on or
  before ``as_of``, otherwise ``as_of`` (right-censored: still a member when the data end).
- A lapse dated after ``as_of`` is not yet known on ``as_of``: the member is censored at
  ``as_of`` and counted (``lapse_after_as_of``), never given exposure beyond ``as_of``.
- A join date after ``as_of``, a lapse on or before the join date and a missing join date
  are errors that name the column, the number of rows and an example.
- Zero tenure (joined on ``as_of``) is kept: the member is counted (``at_risk`` is False).
  Estimators that sum time at risk or follow members through time (Kaplan-Meier, Cox,
  exposure, retention rates) keep such rows, where they contribute nothing, as in R's
  ``survival``; those that need positive time at risk (person-period tables, complaint
  episodes, parametric models) leave them out and report how many.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyaltylab import _validate

__all__ = ["ATTITUDINAL", "CATEGORIES", "COMPENSATION", "DATE", "DAYS_PER_MONTH", "DAYS_PER_YEAR",
           "END", "EVENT", "FACTORS", "JOINED", "LAPSED", "MEMBER", "SEGMENTS", "TABLES",
           "TENURE", "TIME_UNITS", "membership_end", "unit_days", "years_between"]

#: Days in a year of tenure (the Julian year, as survival analyses of dates commonly use).
DAYS_PER_YEAR = 365.25
#: Days in an average month (a twelfth of :data:`DAYS_PER_YEAR`).
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
#: Length of each time unit in days.
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": DAYS_PER_MONTH, "years": DAYS_PER_YEAR}

#: The five loyalty factors of the training material, in the package's order.
FACTORS = ("satisfaction", "relationship", "repeat_use", "referral", "switching")
#: The attitudinal factors (measured by the survey); repeat use is measured from behaviour.
ATTITUDINAL = ("satisfaction", "relationship", "referral", "switching")
#: The three kinds of rejection factors through which members are lost.
CATEGORIES = ("value", "systems", "people")
#: What a complaint earned the member: nothing, a symbolic gesture (an apology card, a waived
#: fine) or material compensation (a refund, a free year).
COMPENSATION = ("none", "symbolic", "material")
#: Dick & Basu (1994) loyalty segments, from relative attitude x repeat use.
SEGMENTS = ("true", "latent", "spurious", "no loyalty")

#: Canonical column names (the defaults of every column-name parameter).
MEMBER = "member_id"
JOINED = "joined"
LAPSED = "lapsed"
DATE = "date"
#: Columns a tenure table adds: the end of observation, the tenure and the lapse indicator.
END = "end"
TENURE = "tenure"
EVENT = "has_lapsed"

#: The canonical tables and their columns (required first; the rest are optional).
TABLES = {
    "members": {"required": (MEMBER, JOINED, LAPSED),
                "optional": ("member_type", "branch", "joined_via_offer", "renewals")},
    "visits": {"required": (MEMBER, DATE), "optional": ("kind",)},
    "survey": {"required": (MEMBER,), "optional": ("wave", DATE, "recommend", "referrals")},
    "complaints": {"required": (MEMBER, DATE, "category"),
                   "optional": ("channel", "response_hours", "resolved", "contacts",
                                "compensation")},
    # online reviews of the library's pages (loyaltylab.reviews)
    "reviews": {"required": ("review_id", "posted", "rating"),
                "optional": ("branch", "platform", "text", "responded", "response", "resolved",
                             "removed", "author")},
}


def unit_days(unit: str) -> float:
    """Length of ``unit`` ("days", "weeks", "months" or "years") in days.

    Parameters
    ----------
    unit : str
        A key of :data:`TIME_UNITS`.

    Returns
    -------
    float

    Examples
    --------
    >>> unit_days("years")
    365.25
    """
    return TIME_UNITS[_validate.one_of(unit, "unit", list(TIME_UNITS))]


def membership_end(
    members: pd.DataFrame,
    as_of: str | pd.Timestamp,
    member: str | None = MEMBER,
    joined: str = JOINED,
    lapsed: str = LAPSED,
) -> pd.DataFrame:
    """When each membership ends, by the package's one rule (see the module docstring).

    Parameters
    ----------
    members : DataFrame
        One row per member with a join date and a lapse date (missing while a member).
    as_of : date
        The date the data end.
    member : str or None
        Member-id column, checked for duplicates; None when the table has no ids.
    joined, lapsed : str
        Join-date and lapse-date columns.

    Returns
    -------
    DataFrame
        Aligned with ``members`` (same index): ``joined``, ``end`` (lapse date or
        ``as_of``), ``has_lapsed`` (lapsed on or before ``as_of``), ``lapse_after_as_of``,
        ``days`` (``end - joined`` in days) and ``at_risk`` (``days > 0``).

    Examples
    --------
    >>> m = pd.DataFrame({"member_id": [1, 2, 3], "joined": ["2020-01-01"] * 3,
    ...                   "lapsed": ["2020-07-01", "2022-01-01", None]})
    >>> membership_end(m, "2021-01-01")[["end", "has_lapsed", "lapse_after_as_of", "days"]]
             end  has_lapsed  lapse_after_as_of   days
    0 2020-07-01        True              False  182.0
    1 2021-01-01       False               True  366.0
    2 2021-01-01       False              False  366.0
    """
    _validate.frame(members, "members")
    cols = [joined, lapsed] + ([member] if member is not None else [])
    _validate.columns(members, cols, "the end of each membership", "members")
    if member is not None:
        _validate.member_ids(members, member)
    as_of = _validate.as_of(as_of)
    # (a missing join date is refused: test_words holds the message; None would read as
    # False here, the one mutant no test can tell apart)
    start = _validate.dates(members, joined, allow_missing=False,  # pragma: no mutate
                            purpose="tenure")
    stop = _validate.dates(members, lapsed, purpose="tenure")
    late = start > as_of
    if late.any():
        raise ValueError(
            f"column {joined!r} has {int(late.sum())} join date(s) after as_of {as_of.date()} "
            f"(e.g. {start[late].iloc[0].date()}); drop those members or use a later as_of")
    before = stop.notna() & (stop <= start)
    if before.any():
        ex = (f"member {members.loc[before, member].iloc[0]}" if member is not None
              else f"{stop[before].iloc[0].date()}")
        raise ValueError(
            f"column {lapsed!r} has {int(before.sum())} lapse date(s) on or before the join "
            f"date (e.g. {ex}); fix the dates or drop those rows")
    after = stop.notna() & (stop > as_of)
    event = stop.notna() & ~after
    end = stop.where(event, as_of)
    days = (end - start).dt.total_seconds() / 86400
    # (on the members' index, which start, end and days carry)
    return pd.DataFrame({"joined": start, "end": end, "has_lapsed": event.to_numpy(),
                         "lapse_after_as_of": after.to_numpy(), "days": days,
                         "at_risk": (days > 0).to_numpy()})


def years_between(start: pd.Series | np.ndarray, end: pd.Series | np.ndarray) -> np.ndarray:
    """Years (of :data:`DAYS_PER_YEAR` days) from ``start`` to ``end``, element-wise.

    Parameters
    ----------
    start, end : Series or array of datetime64

    Returns
    -------
    ndarray of float
    """
    delta = np.asarray(end, dtype="datetime64[ns]") - np.asarray(start, dtype="datetime64[ns]")
    return delta / np.timedelta64(1, "D") / DAYS_PER_YEAR

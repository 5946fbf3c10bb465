"""Checks at the door: one clear error per problem, naming the column, the number of
offending rows, an example value and how to fix it. Every public function calls these first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd


def _example(values: pd.Series) -> str:
    return repr(values.iloc[0]) if len(values) else "?"


def frame(data: object, name: str = "data", *, allow_empty: bool = False) -> pd.DataFrame:
    """Return ``data`` if it is a non-empty DataFrame (or the table of a table result, such
    as a tenure table), else raise a clear error."""
    from loyaltylab._results import TableResult

    if isinstance(data, TableResult):
        data = data.data
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame (one row per observation), "
            f"got {type(data).__name__}; build one with pd.DataFrame(...)"
        )
    if not allow_empty and len(data) == 0:
        raise ValueError(f"{name} is empty (0 rows); pass a table with at least one row")
    return data


def columns(data: pd.DataFrame, names: Iterable[str], purpose: str, name: str = "data") -> None:
    """Raise if any of ``names`` is not a column of ``data``."""
    names = list(names)
    missing = [c for c in names if c not in data.columns]
    if missing:
        have = ", ".join(map(repr, list(data.columns)[:12]))
        raise ValueError(
            f"{name} has no column {', '.join(map(repr, missing))}, needed for {purpose}; "
            f"columns present: {have}. Rename your column or pass its name."
        )


def numeric(
    data: pd.DataFrame,
    column: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    integer: bool = False,
    allow_missing: bool = True,
    purpose: str = "this analysis",
) -> pd.Series:
    """Return ``data[column]`` as float, raising on text, out-of-range or non-integer values.

    Missing values are kept as NaN (callers count and report them) unless
    ``allow_missing`` is False.
    """
    s = data[column]
    if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == bool:
        s = s.astype(object)
    if not pd.api.types.is_numeric_dtype(s):
        converted = pd.to_numeric(s, errors="coerce")
        bad = s[converted.isna() & s.notna()]
        if len(bad):
            raise TypeError(
                f"column {column!r} has {len(bad)} non-numeric value(s) (e.g. {_example(bad)}); "
                f"{purpose} needs numbers: clean or convert the column with pd.to_numeric"
            )
        s = converted
    s = s.astype(float)
    if not allow_missing and s.isna().any():
        n = int(s.isna().sum())
        raise ValueError(
            f"column {column!r} has {n} missing value(s); {purpose} needs every row: "
            f"drop or impute them first"
        )
    if np.isinf(s).any():
        n = int(np.isinf(s).sum())
        raise ValueError(f"column {column!r} has {n} infinite value(s); replace them with NaN")
    if lo is not None or hi is not None:
        lo_ = -np.inf if lo is None else lo
        hi_ = np.inf if hi is None else hi
        out = s[(s < lo_) | (s > hi_)]
        if len(out):
            rng = f"{lo}-{hi}" if lo is not None and hi is not None else (
                f">= {lo}" if lo is not None else f"<= {hi}")
            raise ValueError(
                f"column {column!r} has {len(out)} value(s) outside {rng} "
                f"(e.g. {_example(out)}); {purpose} needs values in {rng}"
            )
    if integer:
        frac = s[s.notna() & (s != np.round(s))]
        if len(frac):
            raise ValueError(
                f"column {column!r} has {len(frac)} non-integer value(s) (e.g. {_example(frac)}); "
                f"{purpose} needs whole-number ratings"
            )
    return s


def dates(data: pd.DataFrame, column: str, *, allow_missing: bool = True,
          purpose: str = "this analysis") -> pd.Series:
    """Return ``data[column]`` as datetime64, raising on unparseable entries."""
    s = data[column]
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
    else:
        out = pd.to_datetime(s, errors="coerce", format="ISO8601")
        bad = s[out.isna() & s.notna()]
        if len(bad):
            raise TypeError(
                f"column {column!r} has {len(bad)} value(s) that are not dates "
                f"(e.g. {_example(bad)}); {purpose} needs dates: use ISO form YYYY-MM-DD"
            )
    if not allow_missing and out.isna().any():
        raise ValueError(
            f"column {column!r} has {int(out.isna().sum())} missing date(s); "
            f"{purpose} needs a date in every row"
        )
    return out


def unique(data: pd.DataFrame, column: str, what: str = "id") -> None:
    """Raise if ``column`` has duplicated values."""
    dup = data[column][data[column].duplicated(keep=False)]
    if len(dup):
        raise ValueError(
            f"column {column!r} has {len(dup)} rows with a duplicated {what} "
            f"(e.g. {_example(dup)}); keep one row per {what} (e.g. drop_duplicates)"
        )


def positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    """Raise unless ``value`` is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def probability(value: float, name: str, *, open_interval: bool = True) -> float:
    """Raise unless ``value`` lies in (0, 1) (or [0, 1] when ``open_interval`` is False)."""
    value = float(value)
    ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        bounds = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def one_of(value: str, name: str, choices: Sequence[str]) -> str:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value

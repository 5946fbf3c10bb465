"""Checks at the door: one clear error per problem, naming the column, the number of
offending rows, an example value and how to fix it. Every public function calls these first."""

from __future__ import annotations

import datetime as _dt
import re
import reprlib
import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

#: Date layouts recognised in error messages (the package itself reads only ISO dates
#: unless told the format, because 01/06/2024 is 1 June in Europe and 6 January in the US).
_DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y/%m/%d",
                 "%d/%m/%y", "%m/%d/%y", "%Y%m%d")
_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                  r"(Z|[+-]\d{2}:?\d{2})?\s*$")
#: Codes survey software commonly writes for "no answer" / "don't know".
_MISSING_CODES = (99, 98, 97, 999, 998, 9999, -9, -99, -999, -1, 88, 888)


def is_text(s: pd.Series) -> bool:
    """Text (or mixed) values: object dtype, or pandas' string dtype, the default for text
    from pandas 3 on (a check for ``object`` alone misses every text column there)."""
    return s.dtype == object or isinstance(s.dtype, pd.StringDtype)


def integer_ids(s: pd.Series) -> pd.Series:
    """The one id rule's reading of a column: integer-like values ("925", " 925 ", "925.0")
    as integers (Int64), anything else (text, a fraction, NaN, inf) missing."""
    num = pd.to_numeric(s.astype("string").str.strip(), errors="coerce")
    whole = num.notna() & np.isfinite(num) & (num.abs() < 2 ** 62) & (num == np.round(num))
    return num.where(whole).astype("Int64")


def as_ids_of(ids: pd.Series, like: pd.Series) -> pd.Series:
    """Ids in the type of the ids they must match (the one id rule: an integer-like id is
    that integer, whichever table writes it as text):

    - the members' ids are integers and these are text: integer-like text becomes the
      integer (:func:`integer_ids`) and any other text matches nothing;
    - the members' ids are text and these are numbers: each number becomes the member id
      that reads as it (5 is member "5", or "005" or " 5"); a number no member id reads as,
      or one that two member ids read as, matches nothing;
    - otherwise the ids are used as they are.
    """
    if pd.api.types.is_integer_dtype(like.dtype) and is_text(ids):
        return integer_ids(ids)
    if pd.api.types.is_numeric_dtype(ids.dtype) and not pd.api.types.is_bool_dtype(ids.dtype) \
            and is_text(like) and pd.api.types.infer_dtype(like, skipna=True) == "string":
        # (the members' ids all text: an object column of numbers is matched as it is)
        reading = pd.Series(like.to_numpy(), index=integer_ids(like).to_numpy()).dropna()
        reading = reading[~reading.index.isna()]
        reading = reading[~reading.index.duplicated(keep=False)]
        if pd.api.types.is_integer_dtype(ids.dtype):  # (no text round trip for big logs)
            key = ids.astype("Int64")
        else:
            v = ids.to_numpy(float)
            whole = np.isfinite(v) & (np.abs(v) < 2 ** 62) & (v == np.round(v))
            key = ids.where(whole).astype("Int64")
        found = pd.Series(key.map(reading).to_numpy(), index=ids.index, dtype=object)
        # (a number that reads as no member keeps its own text: it is still counted as an
        # unknown member, by its value)
        own = pd.Series(key.astype("string").to_numpy(object), index=ids.index)
        own = own.where(key.notna().to_numpy(), ids.astype(str))
        return found.where(found.notna(), own.where(ids.notna()))
    return ids


def shown(value: object) -> str:
    """A value from the data as a message shows it: Python's repr, numpy scalars (also inside
    a tuple of key values) as the plain number (``1``, not ``np.int64(1)``)."""
    if isinstance(value, tuple):
        inner = ", ".join(shown(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value.item() if isinstance(value, np.generic) else value)


def matched_ids(data: pd.DataFrame, column: str, like: pd.Series) -> pd.DataFrame:
    """``data`` with its ids in ``column`` read as the ids they are matched to
    (:func:`as_ids_of`): the one id rule at every join of a table onto its members."""
    ids = as_ids_of(data[column], like)
    return data if ids is data[column] else data.assign(**{column: ids})


def _minority(text: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, str] | None:
    """In a column of both text and numbers, the rarer kind (the ones to name), else None."""
    if not (text.any() and numbers.any()):
        return None
    return (text, "text") if text.sum() <= numbers.sum() else (numbers, "numbers")


def orderable(data: pd.DataFrame, column: str, purpose: str) -> None:
    """Raise if ``column`` mixes numbers and text (waves, periods): such values have no order
    (a sort raises deep inside pandas) and one odd value would put its row in a wave of its
    own."""
    s = data[column]
    if s.dtype != object:
        return
    text = s.map(lambda v: isinstance(v, str)).to_numpy(bool)
    num = s.map(lambda v: isinstance(v, int | float | np.number) and not pd.isna(v)
                ).to_numpy(bool)
    mixed = _minority(text, num)
    if mixed:
        odd, kind = mixed
        raise ValueError(
            f"column {column!r} mixes numbers and text: {int(odd.sum())} row(s) are "
            f"{kind} (e.g. {_example(s[odd])}); {purpose} "
            f"needs one type: correct those values, or make them all text with .astype(str)")


def _example(values: pd.Series) -> str:
    return shown(values.iloc[0]) if len(values) else "?"


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
    if not data.index.is_unique:
        # Label-based alignment on a repeated index multiplies rows silently: refuse.
        rep = data.index[data.index.duplicated(keep=False)]
        raise ValueError(
            f"{name} has a repeated index: {len(rep)} rows share a label with another row "
            f"(e.g. {shown(rep[0])}); give each row its own label with "
            f"{name}.reset_index(drop=True) (or set a unique id as the index)")
    return data


def names(value: object, name: str, what: str = "column names") -> list:
    """A list of column names (or other labels, ``what``) given as ``name``; a lone string is
    refused, since a list of its letters would otherwise be looked up ('sat1' -> 's', 'a',
    't', '1')."""
    if isinstance(value, str):
        raise TypeError(f"{name} must be a list of {what}, got the string {value!r}; "
                        f"write [{value!r}] for one")
    try:
        return list(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{name} must be a list of {what}, got "
                        f"{type(value).__name__}") from None


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
    allow_bool: bool = True,
    purpose: str = "this analysis",
) -> pd.Series:
    """Return ``data[column]`` as float, raising on text, out-of-range or non-integer values.

    Missing values are kept as NaN (callers count and report them) unless
    ``allow_missing`` is False. A True/False column is refused when ``allow_bool`` is False
    (where a rating is expected, True would silently count as 1).
    """
    s = data[column]
    # infer_dtype runs in C: no per-row Python on event logs with millions of rows
    if not allow_bool and (pd.api.types.is_bool_dtype(s.dtype) or (
            s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in (
                "string", "integer", "floating", "mixed-integer-float", "empty")
            and s.dropna().map(type).isin([bool, np.bool_]).any())):
        flags = (s.notna() if pd.api.types.is_bool_dtype(s.dtype)
                 else s.map(type).isin([bool, np.bool_]))
        raise TypeError(
            f"column {column!r} holds True/False values, not ratings ({int(flags.sum())} of "
            f"{len(s)} rows); {purpose} needs the numeric answers: pass the rating column, "
            f"not a yes/no one (or correct those rows)")
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
            if lo is not None and hi is not None:
                where, want = f"outside {lo}-{hi}", f"values in {lo}-{hi}"
            elif lo is not None:
                where, want = f"below {lo}", f"values of at least {lo}"
            else:
                where, want = f"above {hi}", f"values of at most {hi}"
            raise ValueError(
                f"column {column!r} has {len(out)} value(s) {where} "
                f"(e.g. {_example(out)}); {purpose} needs {want}: correct or drop those rows"
            )
    if integer:
        frac = s[s.notna() & (s != np.round(s))]
        if len(frac):
            raise ValueError(
                f"column {column!r} has {len(frac)} non-integer value(s) (e.g. {_example(frac)}); "
                f"{purpose} needs whole numbers: correct or drop those rows"
            )
    return s


def _guess_format(values: pd.Series) -> list[str]:
    """The layouts in :data:`_DATE_FORMATS` that read every value (for error messages)."""
    sample = values.dropna().astype(str).iloc[:2000]
    ok = []
    for fmt in _DATE_FORMATS:
        if pd.to_datetime(sample, format=fmt, errors="coerce").notna().all():
            ok.append(fmt)
    return ok


def _wall_clock(v: object) -> object:
    return v.replace(tzinfo=None) if isinstance(v, _dt.datetime) else v


def naive(s: pd.Series) -> pd.Series:
    """Drop a timezone, keeping each timestamp's local wall-clock time.

    Library events are dated in the library's own time: a loan at 23:30 in Paris belongs to
    that Paris day, so the local time is kept rather than converted to UTC.
    """
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_localize(None)
    return s


def dates(data: pd.DataFrame, column: str, *, allow_missing: bool = True,
          purpose: str = "this analysis", date_format: str | None = None) -> pd.Series:
    """Return ``data[column]`` as timezone-naive datetime64, raising on unparseable entries.

    Text is read as ISO 8601 (``YYYY-MM-DD``) unless ``date_format`` is given; any other
    layout is an error that names the layout the values appear to have (day/month order is
    never guessed). Timezone-aware values keep their local wall-clock time (:func:`naive`).
    """
    s = data[column]
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
    else:
        fmt = "ISO8601" if date_format is None else date_format
        if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in (
                "datetime", "datetime64", "mixed"):
            # Python datetimes, possibly with mixed timezones: keep each one's wall time.
            out = pd.to_datetime(s.map(_wall_clock), errors="coerce", format="mixed")
        else:
            out = pd.to_datetime(s, errors="coerce", format=fmt, utc=False)
        bad = s[out.isna() & s.notna()]
        if len(bad):
            if date_format is not None:
                how = f"they do not match date_format {date_format!r}"
            else:
                fits = _guess_format(s)
                dm = {"%d/%m/%Y", "%m/%d/%Y"} <= set(fits) or {"%d/%m/%y", "%m/%d/%y"} <= set(
                    fits)
                if dm:
                    how = ("day and month order is ambiguous (every value reads both as "
                           "day/month and as month/day); say which with date_format "
                           "(e.g. '%d/%m/%Y' or '%m/%d/%Y') in loyaltylab.intake, or convert "
                           "with pd.to_datetime(..., format=...)")
                elif fits:
                    how = (f"they look like {fits[0]!r}: convert with pd.to_datetime(data["
                           f"{column!r}], format={fits[0]!r}) or read the file with "
                           f"loyaltylab.intake (date_format={fits[0]!r})")
                else:
                    how = "use ISO form YYYY-MM-DD or convert with pd.to_datetime(..., format=...)"
            raise TypeError(
                f"column {column!r} has {len(bad)} value(s) that are not dates "
                f"(e.g. {_example(bad)}); {purpose} needs dates: {how}"
            )
        if out.dtype == object:  # text with mixed UTC offsets: each one's wall time
            out = pd.to_datetime(out.map(_wall_clock))
    out = naive(out)
    if not allow_missing and out.isna().any():
        raise ValueError(
            f"column {column!r} has {int(out.isna().sum())} missing date(s); "
            f"{purpose} needs a date in every row"
        )
    return out


def as_of(value: object, name: str = "as_of") -> pd.Timestamp:
    """Parse a cut-off date as strictly as date columns: a Timestamp, datetime, date or an
    ISO string (``"2024-06-01"``). ``"01/06/2024"`` is refused (1 June or 6 January?)."""
    if isinstance(value, str):
        if not _ISO.match(value):
            raise ValueError(
                f"{name}={value!r} is not an ISO date (YYYY-MM-DD); its day/month order would "
                f"be a guess: write it as 'YYYY-MM-DD' (e.g. '2024-06-01')")
        ts = pd.Timestamp(value)
    elif isinstance(value, pd.Timestamp | _dt.date | np.datetime64):
        ts = pd.Timestamp(value)
    else:
        raise TypeError(f"{name} must be a date (e.g. '2024-06-01' or a pd.Timestamp), "
                        f"got {type(value).__name__}")
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} is missing (NaT); give the date the data end")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def item_codes(x: pd.DataFrame, purpose: str) -> None:
    """Warn when an item holds a value that looks like a "no answer" code (99, -9, ...) far
    outside its other values: with no response range given, nothing else would catch it."""
    for c in x.columns:
        v = x[c].dropna()
        for code in _MISSING_CODES:
            hit = v == code
            if hit.any() and not hit.all():
                rest = v[~hit]
                far = rest.max() < code / 4 if code > 0 else rest.min() >= 0
                if far:
                    warnings.warn(
                        f"column {c!r} has {int(hit.sum())} value(s) {code} far outside its "
                        f"other values ({rest.min():g} to {rest.max():g}): probably a "
                        f"'no answer' code; {purpose} treats it as a rating. Pass low= and "
                        f"high= (or a Scale) to check the range, or declare the code missing "
                        f"with loyaltylab.intake.read_survey(missing_codes=...)",
                        UserWarning, stacklevel=4)
                    break


def unique(data: pd.DataFrame, column: str, what: str = "id") -> None:
    """Raise if ``column`` has duplicated values."""
    dup = data[column][data[column].duplicated(keep=False)]
    if len(dup):
        raise ValueError(
            f"column {column!r} has {len(dup)} rows with a duplicated {what} "
            f"(e.g. {_example(dup)}); keep one row per {what} (e.g. drop_duplicates)"
        )


def groups(data: pd.DataFrame, column: str, rows: str = "rows") -> pd.Series:
    """The group column, refused when a value is missing: a group-by would drop those rows
    without a word (pandas' ``dropna=True``), and no table would count them."""
    g = data[column]
    missing = g.isna()
    if missing.any():
        raise ValueError(f"column {column!r} has {int(missing.sum())} missing group(s); fill "
                         f"them (e.g. 'unknown') or drop those {rows} first")
    return g


def reasons(data: pd.DataFrame, column: str, censored: object) -> pd.Series:
    """The lapse-reason column, refused when a reason is missing or when no row carries the
    ``censored`` code: text labels, or a 0 stored as "0", would otherwise make every member
    a lapse without a word. ``censored=None`` says on purpose that every member lapsed."""
    why = data[column]
    missing = int(why.isna().sum())
    if missing:
        raise ValueError(f"column {column!r} has {missing} missing reason(s) of {len(why)} "
                         f"rows; code members still present as {censored!r}")
    if censored is not None and not (why == censored).to_numpy(bool).any():
        values = sorted({shown(v) for v in why.unique()})
        as_text = str(censored) in {str(v) for v in why.unique()}
        fix = (f"the codes are text: pass censored={str(censored)!r}" if as_text else
               "pass censored= the value that means still a member, or censored=None if "
               "every member lapsed")
        raise ValueError(f"no row of column {column!r} equals censored={censored!r} (still a "
                         f"member), so all {len(why)} rows would be lapses; its values are "
                         f"{', '.join(values[:10])}{', ...' if len(values) > 10 else ''}: {fix}")
    return why


def member_ids(data: pd.DataFrame, column: str, what: str = "member") -> None:
    """Raise if a table of members has a row without an id or an id twice: such a row can be
    neither matched to its events nor counted as a member (the one id rule, ``schema``)."""
    missing = data[column].isna()
    if missing.any():
        raise ValueError(
            f"column {column!r} has {int(missing.sum())} row(s) without a {what} id (e.g. row "
            f"{_example(pd.Series(data.index[missing]))}); every {what} needs one: fill the ids "
            "or drop those rows")
    ids = data[column]
    if ids.dtype == object:
        # ints and text in one column cannot be ordered or matched one way: refuse, naming
        # the odd ones (a text export reads every id as text, which is fine)
        text = ids.map(lambda v: isinstance(v, str)).to_numpy(bool)
        mixed = _minority(text, ~text)  # no id is missing here: the rest are numbers
        if mixed:
            odd, kind = mixed
            raise ValueError(
                f"column {column!r} mixes numbers and text: {int(odd.sum())} of {len(ids)} "
                f"{what} ids are {kind} (e.g. "
                f"{_example(ids[odd])}); give every id one type: correct those ids, or make "
                f"them all text with .astype(str)")
    elif pd.api.types.is_float_dtype(ids.dtype):
        v = ids.to_numpy(float)
        frac = ~np.isfinite(v) | (v != np.round(v))
        if frac.any():
            raise ValueError(
                f"column {column!r} has {int(frac.sum())} {what} id(s) that are not whole "
                f"numbers (e.g. {_example(ids[frac])}); member ids are whole numbers or text: "
                f"correct those ids")
    unique(data, column, what)


def independent(corr: np.ndarray, names: list, purpose: str, what: str = "items") -> None:
    """Refuse columns that are linear functions of one another (their correlation matrix
    is singular: a likelihood or a regression needs its inverse). Judged on the eigenvalues
    relative to the largest (scale-free), so that the decision never rests on an exact
    zero."""
    vals = np.linalg.eigvalsh(corr)
    if vals[0] > 1e-10 * vals[-1]:
        return
    pairs = [(names[i], names[j], corr[i, j]) for i in range(len(names))
             for j in range(i + 1, len(names)) if abs(corr[i, j]) > 1 - 1e-10]
    if pairs:
        a, b, r = pairs[0]
        raise ValueError(f"{what} {a!r} and {b!r} are perfectly correlated (r = {r:.3f}): one "
                         f"repeats the other; {purpose} needs distinct {what}: drop one")
    raise ValueError(f"the {what} {names} are linearly dependent (one is a weighted sum of "
                     f"others, e.g. a total or a mean of the rest); {purpose} needs distinct "
                     f"{what}: drop the derived one")


def positive_int(value: object, name: str, *, minimum: int = 1) -> int:
    """Raise unless ``value`` is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def numbers(values: object, name: str, *, minimum: float = 0, whole: str | None = None,
            kind: str = "numbers") -> np.ndarray:
    """The one door for numbers passed as arguments (times, horizons, periods, counts of a
    member's history): an array of the input's shape, or a clear error naming the argument.

    A formula returns a number for almost anything, so text, missing or infinite values,
    values below ``minimum`` and, when ``whole`` says why they must be whole (e.g. "it
    counts uses"), fractions are refused here; ``kind`` names what is expected ("times").
    """
    if isinstance(values, str):
        raise TypeError(f"{name} must be {kind}, got the string {values!r}")
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be {kind}; got {reprlib.repr(values)}") from None
    bad = ~np.isfinite(a) | (a < minimum)
    if bad.any():
        below = "negative" if minimum == 0 else f"below {minimum:g}"
        raise ValueError(f"{name} has {int(bad.sum())} value(s) that are {below}, missing or "
                         f"infinite (e.g. {a[bad].flat[0]:g}); give {kind} of at least "
                         f"{minimum:g}")
    if whole is not None:
        frac = a != np.round(a)
        if frac.any():
            raise ValueError(f"{name} has {int(frac.sum())} non-integer value(s) (e.g. "
                             f"{a[frac].flat[0]:g}); {whole}: give whole numbers")
    return a


def times(values: object, name: str = "times") -> list[float]:
    """A sequence of times (tenures, horizons), one value read as a list of one: finite and
    not negative (a negative time would be read off before the curve starts)."""
    return numbers(values, name, kind="times").ravel().tolist()


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


def effects(overrides: Mapping[str, object], defaults: Mapping[str, float]) -> dict[str, float]:
    """A simulator's effects: ``defaults`` updated with ``overrides``, refusing unknown names
    and non-finite values (each simulator then checks its own ranges)."""
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise ValueError(f"unknown effect name(s) {', '.join(map(repr, unknown))}; known "
                         f"effects: {', '.join(sorted(defaults))}")
    eff = {**defaults, **{k: float(v) for k, v in overrides.items()}}
    for k, v in eff.items():
        if not np.isfinite(v):
            raise ValueError(f"effect {k!r} must be a finite number, got {v}")
    return eff

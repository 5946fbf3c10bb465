"""From the files a library actually has to the package's tables, with one intake report.

- :func:`read_koha` reads the ``borrowers``, ``deletedborrowers`` and ``statistics`` tables of
  Koha (the most used open-source library system) as exported to CSV.
- :func:`read_survey` reads a survey export: declared "no answer" codes become missing, any
  other value outside an item's range is an error, and dates are read in a stated layout.
- :func:`read_spec` reads any other system's exports described by a small TOML spec (files,
  columns, date formats, missing codes, item ranges and scales).

Each returns its data with an :class:`IntakeReport`: rows read, used, and excluded or changed
per table and reason, with an example of each. Nothing is dropped without a line in it.
"""

from __future__ import annotations

import gzip
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltylab import _validate
from loyaltylab._library import LibraryData
from loyaltylab._results import Result, TableResult
from loyaltylab.scales import Scale
from loyaltylab.schema import DATE, JOINED, LAPSED, MEMBER, TABLES, membership_end

__all__ = ["KOHA_USE_TYPES", "IntakeReport", "SurveyData", "read_koha", "read_spec",
           "read_survey"]

#: Koha ``statistics.type`` values that count as use: borrowing (``issue``), renewing a loan
#: (``renew``, an active decision to keep using) and in-library use recorded by staff
#: (``localuse``). ``return`` is not counted: it closes a loan already counted at its issue
#: and is often made through a book drop without the member; payments, write-offs and other
#: transactions are not use of the library's services.
KOHA_USE_TYPES = ("issue", "renew", "localuse")

_KOHA_BORROWER_COLUMNS = ("borrowernumber", "dateenrolled", "dateexpiry")


@dataclass(frozen=True, repr=False)
class IntakeReport(Result):
    """What reading a library's files did: one row per table and step.

    Attributes
    ----------
    log : DataFrame
        ``table``, ``step`` ("read", "excluded", "changed" or "used"), ``reason``, ``rows``
        and ``example`` (one offending value, as text).
    source : str
        Where the data came from (system and files).
    as_of : pandas.Timestamp or None
        The date the data end.
    settings : DataFrame
        The settings that produced the log (``section``, ``setting``, ``value``): the data
        date, grace days, use types, missing codes, date layouts, roles. Empty when the
        tables were read without a spec.
    """

    log: pd.DataFrame
    source: str = ""
    as_of: pd.Timestamp | None = None
    settings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["section", "setting", "value"]))

    def to_frame(self) -> pd.DataFrame:
        """The log: one row per table, step and reason."""
        return self.log

    def summary(self) -> pd.DataFrame:
        """Rows read, used, excluded and changed per table."""
        out = (self.log.groupby(["table", "step"], sort=False)["rows"].sum()
               .unstack("step", fill_value=0))
        for col in ("read", "used", "excluded", "changed"):
            if col not in out:
                out[col] = 0
        return out[["read", "used", "excluded", "changed"]].astype(np.int64)

    def rows(self, table: str, step: str) -> int:
        """Rows of ``table`` at ``step`` (all reasons together).

        Parameters
        ----------
        table : str
            A table name, e.g. ``"members"``.
        step : {"read", "excluded", "changed", "used"}
            The step.

        Returns
        -------
        int
        """
        sel = (self.log["table"] == table) & (self.log["step"] == step)
        return int(self.log.loc[sel, "rows"].sum())

    def reasons(self, table: str) -> dict[str, int]:
        """Rows excluded or changed in ``table``, by reason.

        Parameters
        ----------
        table : str
            A table name.

        Returns
        -------
        dict
        """
        sel = (self.log["table"] == table) & self.log["step"].isin(["excluded", "changed"])
        return {f"{s}: {r}": int(n) for s, r, n in
                self.log.loc[sel, ["step", "reason", "rows"]].itertuples(index=False)}

    def __repr__(self) -> str:
        head = f"IntakeReport({self.source}" + (
            f"; as of {self.as_of.date()}" if self.as_of is not None else "") + ")"
        lines = [head]
        for table, part in self.log.groupby("table", sort=False):
            read, used = self.rows(table, "read"), self.rows(table, "used")
            lines.append(f"  {table}: {read:,} rows read, {used:,} used")
            for r in part[part["step"].isin(["excluded", "changed"])].itertuples():
                ex = f" (e.g. {r.example})" if r.example else ""
                lines.append(f"    {r.step} {r.rows:,}: {r.reason}{ex}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return (f"<div><pre style='margin:0'>{html.escape(repr(self))}</pre>"
                f"{self.log.to_html(index=False)}</div>")


class _Log:
    """Collects intake steps; rows counted where they happen, with one example each."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, table: str, step: str, reason: str, n: int, example: object = "") -> None:
        if step in ("excluded", "changed") and n == 0:
            return
        self.rows.append({"table": table, "step": step, "reason": reason, "rows": int(n),
                          "example": "" if example is None else str(example)})

    def drop(self, table: str, df: pd.DataFrame, mask: pd.Series | np.ndarray, reason: str,
             show: str | None = None) -> pd.DataFrame:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            col = show if show is not None and show in df else df.columns[0]
            self.add(table, "excluded", reason, int(mask.sum()),
                     f"{col}={_validate.shown(df.loc[mask, col].iloc[0])}")
        return df.loc[~mask]

    def report(self, source: str, as_of: pd.Timestamp | None,
               settings: Sequence[tuple[str, str, object]] = ()) -> IntakeReport:
        log = pd.DataFrame(self.rows, columns=["table", "step", "reason", "rows", "example"])
        table = pd.DataFrame([(sec, key, _setting_text(v)) for sec, key, v in settings],
                             columns=["section", "setting", "value"])
        return IntakeReport(log=log, source=source, as_of=as_of, settings=table)


def _setting_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {_setting_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_setting_text(v) for v in value) if value else "(none)"
    return str(value)


@dataclass(frozen=True, repr=False)
class SurveyData(TableResult):
    """A survey read by :func:`read_survey`: ``.data`` (one row per response, items as float
    with declared missing codes as NaN) and the ``.report`` of what reading did. Every
    function that takes a survey frame accepts it as it is."""

    report: IntakeReport | None = None
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def _extra(self) -> str:
        return f"{len(self.ranges)} items with a declared range"


_DELIMITERS = (",", ";", "\t", "|")


def _head(path: Path, encoding: str, name: str, key: str) -> str:
    """The first line of a (possibly gzip) text file, decoded: a file that is not in the
    stated encoding fails here with advice, not deep inside pandas."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding=encoding, newline="") as fh:
            return fh.readline()
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{name}: file {path.name!r} is not {encoding} text (byte {exc.object[exc.start]:#x} "
            f"at position {exc.start}); give its encoding, e.g. {key} = 'latin-1' "
            f"(Excel and older systems often write latin-1 or cp1252)") from None


def _nonempty(df: pd.DataFrame, name: str, what: str) -> pd.DataFrame:
    """A table that must have rows: an empty one is a failed export, not a library."""
    if len(df) == 0:
        raise ValueError(f"{name} is empty (no rows): {what} holds no data; export it again "
                         f"(or leave it out of the spec)")
    return df


def _read_table(source: str | Path | pd.DataFrame, name: str, *, delimiter: str | None = None,
                encoding: str | None = None) -> pd.DataFrame:
    """A CSV path (read as text, so that nothing is converted behind our back) or a frame.

    The delimiter is the one of ``,``, ``;``, tab and ``|`` that the header line uses most,
    unless given (Koha's CSV delimiter is a setting, and ``;`` is common in Europe).
    """
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True).copy()
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"{name}: no file {str(path)!r}; check the path")
        if path.stat().st_size == 0:
            raise ValueError(f"{name}: file {path.name!r} is empty (0 bytes); export the "
                             f"table again")
        enc = encoding or "utf-8"
        header = _head(path, enc, name, "encoding")
        if not header.strip():
            raise ValueError(f"{name}: file {path.name!r} has no header line; the first line "
                             f"must name the columns")
        sep = delimiter or max(_DELIMITERS, key=header.count)
        # MySQL (Koha's database) exports a missing value as NULL or \\N
        return pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding=enc,
                           na_values=["", "NULL", "\\N"])
    raise TypeError(f"{name} must be a CSV path or a pandas DataFrame, "
                    f"got {type(source).__name__}")


def _koha_dates(df: pd.DataFrame, column: str, table: str, log: _Log,
                date_format: str | None) -> pd.Series:
    """Koha (MySQL) writes an unknown date as 0000-00-00: that is a missing date, not an error."""
    s = df[column]
    if _validate.is_text(s):
        s = s.mask(s.astype(str).str.strip() == "")
        zero = s.astype(str).str.match(r"^0000-00-00")
        if zero.any():
            log.add(table, "changed", f"{column} 0000-00-00 read as missing", int(zero.sum()),
                    "0000-00-00")
            s = s.mask(zero)
    return _validate.dates(pd.DataFrame({column: s}), column, date_format=date_format,
                           purpose=f"the {table} table")


def _ids(s: pd.Series) -> pd.Series:
    """Member ids by the one rule of every table: integer-like text is an integer.

    The column is integer when most of its ids are integer-like (Koha's borrowernumber); a
    few odd values (``x``, ``anon``, a typo) then become missing, for the caller to exclude
    and count by themselves: one odd value never turns a column of numbers into text, which
    would make every id miss the members. Ids that are mostly text stay text.
    """
    text = s.astype("string").str.strip()
    num = _validate.integer_ids(text)
    if num.notna().sum() * 2 > text.notna().sum():
        return num
    return text


def _drop_odd_ids(log: _Log, table: str, df: pd.DataFrame, ids: pd.Series, raw: str
                  ) -> pd.DataFrame:
    """Exclude and count the rows whose id :func:`_ids` could not read as the others."""
    odd = ids.isna().to_numpy() & df[raw].notna().to_numpy()
    return log.drop(table, df, odd, f"{raw} is not a number like the other ids", raw)


def read_koha(
    borrowers: str | Path | pd.DataFrame,
    statistics: str | Path | pd.DataFrame | None = None,
    deletedborrowers: str | Path | pd.DataFrame | None = None,
    *,
    as_of: str | pd.Timestamp,
    grace_days: int = 0,
    date_format: str | None = None,
    use_types: Sequence[str] = KOHA_USE_TYPES,
    delimiter: str | None = None,
    encoding: str | None = None,
    member_type: str = "categorycode",
    branch: str = "branchcode",
) -> LibraryData:
    """Read a Koha export (``borrowers``, ``statistics``, ``deletedborrowers`` as CSV).

    Members come from both borrower tables, one row per ``borrowernumber``:

    - ``joined`` is ``dateenrolled``; ``member_type`` is ``categorycode`` and ``branch`` is
      ``branchcode`` (or the borrower columns named by ``member_type`` and ``branch``);
      ``sex`` is kept when present.
    - A current borrower lapsed at ``dateexpiry`` when ``dateexpiry + grace_days < as_of``
      (the membership was not renewed in time); otherwise the member is still a member.
    - A deleted borrower lapsed: at the deletion date Koha records in ``updated_on`` when the
      account was closed before the card expired, otherwise at ``dateexpiry``; at ``as_of``
      when neither date is usable. Each case is counted.
    - Visits are the ``statistics`` rows whose ``type`` is in ``use_types``
      (:data:`KOHA_USE_TYPES`) with ``date`` from ``datetime`` and ``kind`` from ``type``.

    Parameters
    ----------
    borrowers : path or DataFrame
        Koha's ``borrowers`` table (current patrons).
    statistics : path or DataFrame, optional
        Koha's ``statistics`` table (one row per circulation transaction).
    deletedborrowers : path or DataFrame, optional
        Koha's ``deletedborrowers`` table: patrons deleted from the catalogue, who lapsed.
    as_of : date
        The date of the export: later expiry dates are memberships still running.
    grace_days : int
        Days after expiry during which a member may still renew without counting as lapsed.
    date_format : str, optional
        Layout of the date columns when not ISO (Koha writes ``YYYY-MM-DD``).
    use_types : sequence of str
        Statistics types that count as use.
    delimiter : str, optional
        The CSV delimiter (Koha's export setting); default: the one of ``,``, ``;``, tab
        and ``|`` the header line uses.
    encoding : str, optional
        The files' text encoding (default UTF-8; e.g. ``"latin-1"``).
    member_type, branch : str
        The borrower columns that hold the member type and the branch (Koha's
        ``categorycode`` and ``branchcode``; a library that keeps them elsewhere, e.g. in
        ``sort1``, names that column).

    Returns
    -------
    LibraryData
        ``members``, ``visits`` (plus empty ``survey`` and ``complaints``) and
        ``.intake``, the :class:`IntakeReport`.

    Examples
    --------
    >>> from loyaltylab.datasets import data_path
    >>> folder = data_path("koha_example")
    >>> lib = read_koha(folder / "borrowers.csv", folder / "statistics.csv.gz",
    ...                 folder / "deletedborrowers.csv", as_of="2024-12-31", grace_days=30)
    >>> lib.members["member_id"].is_unique
    True
    """
    as_of = _validate.as_of(as_of)
    grace = _validate.positive_int(grace_days, "grace_days", minimum=0)
    use_types = _validate.names(use_types, "use_types", "statistics types")
    log = _Log()
    csv = {"delimiter": delimiter, "encoding": encoding}
    tables = [("borrowers", _nonempty(_read_table(borrowers, "borrowers", **csv), "borrowers",
                                      "the [koha] borrowers export"))]
    if deletedborrowers is not None:
        tables.append(("deletedborrowers", _read_table(deletedborrowers, "deletedborrowers",
                                                       **csv)))
    parts = []
    for name, df in tables:
        log.add(name, "read", "rows in the file", len(df))
        _validate.columns(df, _KOHA_BORROWER_COLUMNS, "Koha borrowers", name)
        df = log.drop(name, df, df["borrowernumber"].isna(), "no borrowernumber", "cardnumber")
        dup = df.duplicated()
        df = log.drop(name, df, dup, "identical row repeated (first kept)", "borrowernumber")
        df = df.assign(_deleted=name == "deletedborrowers",
                       _enrolled=_koha_dates(df, "dateenrolled", name, log, date_format),
                       _expiry=_koha_dates(df, "dateexpiry", name, log, date_format))
        if "updated_on" in df:
            df["_updated"] = _koha_dates(df, "updated_on", name, log, date_format).dt.normalize()
        parts.append((name, df))
    both = pd.concat([df for _, df in parts], ignore_index=True)
    both["_id"] = _ids(both["borrowernumber"])
    for name in ("borrowers", "deletedborrowers"):
        sel = both["_deleted"] == (name == "deletedborrowers")
        odd = both["_id"].isna() & both["borrowernumber"].notna() & sel
        both = log.drop(name, both, odd, "borrowernumber is not a number like the other ids",
                        "borrowernumber")
    # Koha moves a deleted patron's row to deletedborrowers and never reuses the number; a
    # number in both tables comes from exports taken at different times: the live row wins.
    in_both = both["_deleted"] & both["_id"].isin(both.loc[~both["_deleted"], "_id"])
    both = log.drop("deletedborrowers", both, in_both,
                    "also in borrowers (the current row is kept)", "borrowernumber")
    # the same number twice in one table with different values: keep the latest expiry
    both = both.sort_values(["_id", "_expiry"], na_position="first")
    again = both["_id"].duplicated(keep="last")
    for name in ("borrowers", "deletedborrowers"):
        sel = again & (both["_deleted"] == (name == "deletedborrowers"))
        if sel.any():
            log.add(name, "excluded", "borrowernumber repeated with different values "
                    "(the row with the latest dateexpiry is kept)", int(sel.sum()),
                    f"borrowernumber={_validate.shown(both.loc[sel, 'borrowernumber'].iloc[0])}")
    both = both[~again]
    both, left_out = _drop_members(both, log, as_of)
    lapsed = _koha_lapse(both, log, as_of, grace)
    members = pd.DataFrame({MEMBER: both["_id"].to_numpy(),
                            JOINED: both["_enrolled"].to_numpy(),
                            LAPSED: lapsed.to_numpy()})
    for src, dst, key in ((member_type, "member_type", "member_type"),
                          (branch, "branch", "branch"), ("sex", "sex", None)):
        if key is not None and src != ("categorycode" if key == "member_type"
                                       else "branchcode") and src not in both:
            raise ValueError(f"the {key} column {src!r} is not a borrowers column; name one "
                             f"of {sorted(c for c in both if not c.startswith('_'))} "
                             f"(spec key [koha] {key})")
        if src in both:
            members[dst] = pd.Categorical(both[src].to_numpy())
    members["deleted"] = both["_deleted"].to_numpy()
    members = members.sort_values(MEMBER, ignore_index=True, kind="stable")
    for name in ("borrowers", "deletedborrowers"):
        if any(n == name for n, _ in parts):
            log.add(name, "used", "members", int((members["deleted"] ==
                                                  (name == "deletedborrowers")).sum()))
    visits = _koha_visits(statistics, members, log, as_of, date_format, use_types, csv,
                          left_out)
    files = ", ".join(n for n, _ in parts) + (", statistics" if statistics is not None else "")
    return LibraryData(members=members, visits=visits,
                       survey=pd.DataFrame({MEMBER: pd.Series(dtype=members[MEMBER].dtype)}),
                       complaints=pd.DataFrame({MEMBER: pd.Series(dtype=members[MEMBER].dtype),
                                                DATE: pd.Series(dtype="datetime64[ns]"),
                                                "category": pd.Series(dtype=object)}),
                       as_of=as_of, name="koha", intake=log.report(f"Koha: {files}", as_of))


def _drop_members(both: pd.DataFrame, log: _Log, as_of: pd.Timestamp
                  ) -> tuple[pd.DataFrame, dict]:
    """Leave out borrowers whose dates make no membership; returns the rest and, for each
    id left out, why (so that their use events are reported under that reason, not as
    unknown borrowers)."""
    why: dict = {}
    for name in ("borrowers", "deletedborrowers"):
        for reason, test in (
                ("no dateenrolled", lambda b: b["_enrolled"].isna()),
                ("enrolled after as_of", lambda b: b["_enrolled"] > as_of),
                ("dateexpiry on or before dateenrolled",
                 lambda b: b["_expiry"].notna() & (b["_expiry"] <= b["_enrolled"]))):
            own = both["_deleted"] == (name == "deletedborrowers")
            bad = own & test(both)
            why.update(dict.fromkeys(both.loc[bad, "_id"].dropna(), reason))
            both = log.drop(name, both, bad, reason, "borrowernumber")
    return both, why


def _koha_lapse(both: pd.DataFrame, log: _Log, as_of: pd.Timestamp, grace: int) -> pd.Series:
    exp, deleted = both["_expiry"], both["_deleted"]
    live_lapse = exp.notna() & (exp + pd.Timedelta(days=grace) < as_of)
    lapsed = exp.where(~deleted & live_lapse)
    no_exp = ~deleted & exp.isna()
    log.add("borrowers", "changed", "no dateexpiry: still a member", int(no_exp.sum()),
            f"borrowernumber={_validate.shown(both.loc[no_exp, 'borrowernumber'].iloc[0])}"
            if no_exp.any() else "")
    in_grace = ~deleted & exp.notna() & (exp < as_of) & ~live_lapse
    log.add("borrowers", "changed", f"expired less than grace_days={grace} before as_of: "
            "still a member", int(in_grace.sum()))
    # deleted borrowers lapsed: at expiry, or at the deletion date if that came first
    upd = both["_updated"] if "_updated" in both else pd.Series(pd.NaT, index=both.index)
    usable = upd.notna() & (upd > both["_enrolled"]) & (upd <= as_of)
    early = deleted & usable & (exp.isna() | (upd < exp))
    lapsed = lapsed.where(~early, upd)
    log.add("deletedborrowers", "changed", "deleted before dateexpiry: lapsed at the deletion "
            "date (updated_on)", int(early.sum()))
    on_expiry = deleted & ~early & exp.notna() & (exp <= as_of)
    lapsed = lapsed.where(~on_expiry, exp)
    rest = deleted & ~early & ~on_expiry
    lapsed = lapsed.where(~rest, as_of)
    log.add("deletedborrowers", "changed", "deleted before dateexpiry with no usable "
            "deletion date: lapsed at as_of", int(rest.sum()))
    return lapsed


def _koha_visits(statistics, members: pd.DataFrame, log: _Log, as_of: pd.Timestamp,
                 date_format: str | None, use_types: Sequence[str], csv: dict,
                 left_out: dict) -> pd.DataFrame:
    empty = pd.DataFrame({MEMBER: pd.Series(dtype=members[MEMBER].dtype),
                          DATE: pd.Series(dtype="datetime64[ns]"),
                          "kind": pd.Categorical([], categories=list(use_types))})
    if statistics is None:
        return empty
    st = _read_table(statistics, "statistics", **csv)
    log.add("statistics", "read", "rows in the file", len(st))
    _validate.columns(st, ["datetime", "type", "borrowernumber"], "Koha statistics",
                      "statistics")
    kind = st["type"].astype(str).str.strip().str.lower()
    st = log.drop("statistics", st.assign(type=kind), ~kind.isin(list(use_types)),
                  f"type not counted as use (use types: {', '.join(use_types)})", "type")
    st = log.drop("statistics", st, st["borrowernumber"].isna(),
                  "no borrowernumber (anonymous use)", "type")
    st = st.assign(_date=_koha_dates(st, "datetime", "statistics", log, date_format),
                   _id=_ids(st["borrowernumber"]))
    st = _drop_odd_ids(log, "statistics", st, st["_id"], "borrowernumber")
    st = log.drop("statistics", st, st["_date"].isna(), "no datetime", "borrowernumber")
    # events of borrowers left out above are reported under that borrower's reason
    reason = st["_id"].map(left_out)
    for why in sorted(reason.dropna().unique()):
        st = log.drop("statistics", st, (reason == why).reindex(st.index).to_numpy(),
                      f"borrower left out above ({why})", "borrowernumber")
    st = log.drop("statistics", st, ~st["_id"].isin(members[MEMBER]),
                  "borrowernumber not among the members", "borrowernumber")
    # membership dates are days: compare each event's day with its member's span
    span = members.set_index(MEMBER)
    day = st["_date"].dt.normalize().to_numpy()
    before = day < span[JOINED].reindex(st["_id"]).to_numpy()
    after = day > span[LAPSED].reindex(st["_id"]).fillna(as_of).to_numpy()
    st = log.drop("statistics", st, before, "before the member enrolled", "borrowernumber")
    st = log.drop("statistics", st, after[~before],
                  "after the membership ended (lapse or as_of)", "borrowernumber")
    keep = [c for c in ("itemnumber", "branch") if c in st]
    visits = pd.DataFrame({MEMBER: st["_id"].to_numpy(), DATE: st["_date"].to_numpy(),
                           "kind": pd.Categorical(st["type"].to_numpy(),
                                                  categories=list(use_types))})
    for c in keep:
        visits[c] = st[c].to_numpy()
    visits = visits.sort_values([MEMBER, DATE], ignore_index=True, kind="stable")
    log.add("statistics", "used", "use events", len(visits))
    return visits


def read_survey(
    data: str | Path | pd.DataFrame,
    *,
    member: str,
    date: str | None = None,
    date_format: str | None = None,
    ranges: Mapping[str, tuple[float, float]],
    missing_codes: Sequence[float] | Mapping[str, Sequence[float]] = (),
    delimiter: str | None = None,
    encoding: str | None = None,
) -> SurveyData:
    """Read a survey export: ids, dates in a stated layout, items checked against their range.

    Declared missing codes (e.g. 99 "no answer") become missing and are counted; any other
    value outside an item's range is an error naming the column, the number of rows and an
    example. A day/month date column without ``date_format`` is an error, not a guess.

    Parameters
    ----------
    data : path or DataFrame
        The survey export (CSV), one row per response.
    member : str
        Column with the respondent's member id (renamed ``member_id``).
    date : str, optional
        Column with the response date (renamed ``date``).
    date_format : str, optional
        Layout of ``date`` when not ISO, e.g. ``"%d/%m/%Y"``.
    ranges : dict
        Item -> (low, high) of its response scale.
    missing_codes : sequence or dict
        Codes meaning "no answer", for every item or per item.
    delimiter, encoding : str, optional
        The CSV delimiter (default: the one the header line uses) and text encoding
        (default UTF-8).

    Returns
    -------
    SurveyData
        ``.data`` and the ``.report``.

    Examples
    --------
    >>> raw = pd.DataFrame({"card": ["7", "8"], "q1": ["4", "99"], "q2": ["5", "2"]})
    >>> s = read_survey(raw, member="card", ranges={"q1": (1, 5), "q2": (1, 5)},
    ...                 missing_codes=[99])
    >>> s.data["q1"].tolist(), s.report.rows("survey", "changed")
    ([4.0, nan], 1)
    """
    log = _Log()
    df = _nonempty(_read_table(data, "survey", delimiter=delimiter, encoding=encoding),
                   "survey", "the survey export")
    log.add("survey", "read", "rows in the file", len(df))
    if not isinstance(ranges, Mapping) or not ranges:
        raise ValueError("ranges must map each item to its (low, high), e.g. "
                         "{'sat1': (1, 10)}")
    _validate.columns(df, [member, *([date] if date else []), *ranges], "the survey", "survey")
    df = log.drop("survey", df, df[member].isna(), "no member id")
    dup = df.duplicated()
    df = log.drop("survey", df, dup, "identical response repeated (first kept)", member)
    ids = _ids(df[member])
    df = _drop_odd_ids(log, "survey", df, ids, member)
    out = pd.DataFrame({MEMBER: ids[ids.notna()].to_numpy()})
    if date:
        out[DATE] = _validate.dates(df, date, date_format=date_format,
                                    purpose="the survey").to_numpy()
    for item, rng in ranges.items():
        lo, hi = _range(item, rng)
        codes = missing_codes.get(item, ()) if isinstance(missing_codes, Mapping) \
            else missing_codes
        x = _validate.numeric(df, item, allow_bool=False, purpose="a survey item")
        coded = x.isin(list(codes))
        log.add("survey", "changed", f"{item}: missing code(s) "
                f"{', '.join(f'{c:g}' for c in sorted(set(x[coded])))} read as missing",
                int(coded.sum()), f"{x[coded].iloc[0]:g}" if coded.any() else "")
        x = x.mask(coded)
        out_of = x.notna() & ((x < lo) | (x > hi))
        if out_of.any():
            raise ValueError(
                f"column {item!r} has {int(out_of.sum())} value(s) outside its range "
                f"{lo:g}-{hi:g} (e.g. {x[out_of].iloc[0]:g} for member "
                f"{_validate._example(df[member][out_of.to_numpy()])}); declare it in "
                f"missing_codes if "
                f"it means 'no answer', or correct the range")
        out[item] = x.to_numpy()
    rest = [c for c in df.columns if c not in {member, date, *ranges}]
    for c in rest:
        out[c] = df[c].to_numpy()
    log.add("survey", "used", "responses", len(out))
    report = log.report("survey", None)
    return SurveyData(data=out, n_used=len(out), excluded=report.reasons("survey"),
                      report=report, ranges={k: _range(k, v) for k, v in ranges.items()})


def _range(item: str, rng: object) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in rng)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"range of {item!r} must be (low, high), got {rng!r}") from None
    if lo >= hi:
        raise ValueError(f"range of {item!r}: low ({lo:g}) must be below high ({hi:g})")
    return lo, hi


def _generic_table(spec: Mapping, name: str, root: Path, log: _Log, required: Sequence[str]
                   ) -> pd.DataFrame:
    """A table from a spec section: ``file``, ``columns`` (canonical = file column),
    ``date_format``."""
    if "file" not in spec:
        raise ValueError(f"spec section [{name}] needs file = '...'")
    df = _read_table(root / spec["file"], name, delimiter=spec.get("delimiter"),
                     encoding=spec.get("encoding"))
    log.add(name, "read", "rows in the file", len(df))
    cols = dict(spec.get("columns", {}))
    for c in required:
        cols.setdefault(c, c)
    _validate.columns(df, cols.values(), f"the {name} table (spec [{name}.columns])", name)
    out = pd.DataFrame({canon: df[src].to_numpy() for canon, src in cols.items()})
    if MEMBER in out:  # (the actions table has no member)
        out = log.drop(name, out, out[MEMBER].isna(), "no member id")
        if name == "members":
            # a member listed twice is an export fault; two visits (or complaints) of one
            # member on one day are two events, dated to the day
            out = log.drop(name, out, out.duplicated(), "identical row repeated (first kept)",
                           MEMBER)
        ids = _ids(out[MEMBER])
        out = _drop_odd_ids(log, name, out, ids, MEMBER)
        out[MEMBER] = ids[ids.notna()].to_numpy()
    for c in (JOINED, LAPSED, DATE):
        if c in out:
            out[c] = _validate.dates(out, c, date_format=spec.get("date_format"),
                                     purpose=f"the {name} table")
    if name == "complaints" and "resolved" in out:
        # resolved: yes/no, or the date the problem was solved (the spec's date_format)
        text = out["resolved"].dropna().astype(str).str.strip().str.lower()
        if len(text) and text.isin(_TRUE | _FALSE).all():
            out["resolved"] = out["resolved"].astype(str).str.strip().str.lower().map(
                lambda v: True if v in _TRUE else (False if v in _FALSE else None))
        elif len(text):
            out["resolved"] = _validate.dates(
                out, "resolved", date_format=spec.get("date_format"),
                purpose="the complaints table (resolved: yes/no or the date solved)")
    return out.reset_index(drop=True)


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


_REVIEW_DATES = ("posted", "responded", "resolved")
_YES = {"true", "yes", "y", "1", "removed", "hidden", "deleted"}
_NO = {"false", "no", "n", "0", ""}


def _reviews_table(spec: Mapping, root: Path, log: _Log, as_of: pd.Timestamp
                   ) -> pd.DataFrame:
    """The review pages of a spec's ``[reviews]`` section, in canonical columns
    (:mod:`loyaltylab.reviews`): ``file``, ``columns`` (canonical = file column),
    ``date_format``. Reviews posted after ``as_of`` are left out and replies or resolutions
    dated after it are not yet known (read as missing), both counted, as lapses after
    ``as_of`` are."""
    if "file" not in spec:
        raise ValueError("spec section [reviews] needs file = '...'")
    df = _read_table(root / spec["file"], "reviews", delimiter=spec.get("delimiter"),
                     encoding=spec.get("encoding"))
    log.add("reviews", "read", "rows in the file", len(df))
    cols = dict(spec.get("columns", {}))
    for c in ("review_id", "posted", "rating"):
        cols.setdefault(c, c)
    known = set(TABLES["reviews"]["required"]) | set(TABLES["reviews"]["optional"])
    unknown = set(cols) - known
    if unknown:
        raise ValueError(f"spec [reviews.columns] names unknown role(s) {sorted(unknown)}; "
                         f"known: {sorted(known)}")
    _validate.columns(df, cols.values(), "the reviews table (spec [reviews.columns])",
                      "reviews")
    out = pd.DataFrame({canon: df[src].to_numpy() for canon, src in cols.items()})
    for c in _REVIEW_DATES:
        if c in out:
            out[c] = _validate.dates(out, c, date_format=spec.get("date_format"),
                                     purpose="the reviews table")
    if "rating" in out:
        out["rating"] = _validate.numeric(out, "rating", purpose="the reviews table")
    if "removed" in out:
        flag = out["removed"].fillna("").astype(str).str.strip().str.lower()
        bad = ~flag.isin(_YES | _NO)
        if bad.any():
            raise ValueError(f"column {cols['removed']!r} of the reviews file has "
                             f"{int(bad.sum())} value(s) that are not yes/no or true/false "
                             f"(e.g. {_validate.shown(out['removed'][bad].iloc[0])})")
        out["removed"] = flag.isin(_YES).to_numpy()
    from loyaltylab.reviews._door import end_of

    end = end_of(as_of)  # reviews carry times: as_of is the end of that day
    out = log.drop("reviews", out, (out["posted"] > end).to_numpy(), "posted after as_of",
                   "review_id")
    for c in ("responded", "resolved"):
        if c in out:
            late = out[c] > end
            log.add("reviews", "changed", f"{c} after as_of: not yet known, read as missing",
                    int(late.sum()), out.loc[late, "review_id"].iloc[0] if late.any() else "")
            out[c] = out[c].mask(late)
    log.add("reviews", "used", "reviews", len(out))
    return out.reset_index(drop=True)


def _events_of_members(events: pd.DataFrame, table: str, members: pd.DataFrame,
                       log: _Log, as_of: pd.Timestamp) -> pd.DataFrame:
    """Keep the events (visits, complaints) of a generic spec that belong to a membership,
    excluding and counting the others, as the Koha path does: unknown member, before the
    member joined, after the membership ended (lapse or as_of)."""
    events = log.drop(table, events, ~events[MEMBER].isin(members[MEMBER]),
                      "member id not among the members", MEMBER)
    span = membership_end(members, as_of).set_index(members[MEMBER].to_numpy())
    day = events[DATE].dt.normalize().to_numpy()
    before = day < span["joined"].reindex(events[MEMBER]).to_numpy()
    events = log.drop(table, events, before, "before the member joined", MEMBER)
    day = events[DATE].dt.normalize().to_numpy()
    after = day > span["end"].reindex(events[MEMBER]).to_numpy()
    return log.drop(table, events, after, "after the membership ended (lapse or as_of)",
                    MEMBER).reset_index(drop=True)


def read_spec(path: str | Path) -> LibraryData:
    """Read a library's exports described by a TOML spec (see ``datasets/koha_example``).

    The spec has a ``[library]`` section (``name``, ``as_of``, ``system`` = "koha" or
    "generic", ``grace_days``), then either ``[koha]`` (``borrowers``, ``statistics``,
    ``deletedborrowers``, ``date_format``) or ``[members]``, ``[visits]``, ``[complaints]``
    (each with ``file``, ``columns`` mapping canonical names to the file's and
    ``date_format``), and optionally ``[survey]`` (``file``, ``member``, ``date``,
    ``date_format``, ``missing_codes``, ``[survey.ranges]``, ``[survey.scales.NAME]`` with
    ``items``, ``low``, ``high``, ``reverse`` and ``factor``, the loyalty factor the scale
    measures (default: a scale named after the factor); ``recommend`` naming the 0-10
    likelihood-to-recommend item (default: an item named ``recommend``); ``wave`` naming
    the survey-wave column and
    ``[survey.service_levels]`` mapping each LibQUAL-style dimension to item stems whose
    ``<stem>_min``, ``_des`` and ``_per`` columns are in the ranges), ``[reviews]``
    (``file``, ``columns`` mapping the reviews roles of :mod:`loyaltylab.reviews` to the
    file's columns, ``date_format``) for the library's online review pages, and
    ``[actions]`` (``file``, ``columns`` for ``branch``, ``wave``, ``topic`` and ``acted``,
    the date a branch acted on what a survey wave heard, empty when nothing was done; see
    :mod:`loyaltylab.feedback`). The generic complaints may carry ``resolved`` (yes/no or
    the date solved), ``contacts``, ``compensation`` and ``response_hours``, the visits
    ``wait_minutes`` and ``courtesy``. ``[koha]`` may name the borrower columns that hold
    the member type and the branch (``member_type``, ``branch``; default ``categorycode``
    and ``branchcode``); generic members map them in ``columns``. ``[labels.COLUMN]`` gives
    readable names to the codes of a members column (``[labels.member_type]`` with
    ``ST = "Students"``), used by the report; ``[value]`` what a member-year is worth
    (``margin``, ``currency``) and the yearly ``discount`` rate. Every file section also takes
    ``delimiter`` (default: the one the header line uses) and ``encoding`` (default UTF-8).
    Paths are relative to the spec
    file.

    Parameters
    ----------
    path : str or Path
        The spec file.

    Returns
    -------
    LibraryData
        The tables, ``.intake`` (the :class:`IntakeReport` of every table) and ``.scales``.

    Examples
    --------
    >>> from loyaltylab.datasets import data_path
    >>> lib = read_spec(data_path("koha_example", "spec.toml"))
    >>> sorted(lib.scales)
    ['referral', 'relationship', 'satisfaction', 'switching']
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no spec file {str(path)!r}")
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"spec {path.name} is not valid TOML: {err}") from None
    root = path.parent
    meta = spec.get("library")
    if not isinstance(meta, Mapping) or "as_of" not in meta:
        raise ValueError(f"spec {path.name} needs a [library] section with as_of = "
                         f"'YYYY-MM-DD' (the date the data end)")
    as_of = _validate.as_of(str(meta["as_of"]), "[library] as_of")
    system = _validate.one_of(meta.get("system", "koha"), "[library] system",
                              ["koha", "generic"])
    known = {"library", "koha", "members", "visits", "complaints", "survey", "reviews",
             "actions", "labels", "value"}
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"spec {path.name} has unknown section(s) {sorted(unknown)}; "
                         f"known: {sorted(known)}")
    log = _Log()
    settings: list[tuple[str, str, object]] = [("library", "as_of", as_of),
                                               ("library", "system", system)]
    if system == "koha":
        k = spec.get("koha")
        if not isinstance(k, Mapping) or "borrowers" not in k:
            raise ValueError(f"spec {path.name}: system 'koha' needs a [koha] section with "
                             f"borrowers = 'file.csv'")
        lib = read_koha(root / k["borrowers"],
                        root / k["statistics"] if "statistics" in k else None,
                        root / k["deletedborrowers"] if "deletedborrowers" in k else None,
                        as_of=as_of, grace_days=int(meta.get("grace_days", 0)),
                        date_format=k.get("date_format"),
                        use_types=tuple(k.get("use_types", KOHA_USE_TYPES)),
                        delimiter=k.get("delimiter"), encoding=k.get("encoding"),
                        member_type=k.get("member_type", "categorycode"),
                        branch=k.get("branch", "branchcode"))
        log.rows.extend(lib.intake.log.to_dict("records"))
        settings += [("library", "grace_days", int(meta.get("grace_days", 0))),
                     ("koha", "use_types", list(k.get("use_types", KOHA_USE_TYPES))),
                     ("koha", "date_format", k.get("date_format", _ISO)),
                     ("koha", "member_type", k.get("member_type", "categorycode")),
                     ("koha", "branch", k.get("branch", "branchcode"))]
        settings += _file_settings("koha", k)
        members, visits, complaints = lib.members, lib.visits, lib.complaints
    else:
        if "members" not in spec:
            raise ValueError(f"spec {path.name}: system 'generic' needs a [members] section")
        members = _generic_table(spec["members"], "members", root, log,
                                 [MEMBER, JOINED, LAPSED])
        membership_end(members, as_of)  # the one rule: errors on impossible dates
        log.add("members", "used", "members", len(members))
        visits = _generic_table(spec["visits"], "visits", root, log, [MEMBER, DATE]) \
            if "visits" in spec else pd.DataFrame({MEMBER: [], DATE: pd.Series(
                dtype="datetime64[ns]")})
        if "visits" in spec:
            visits = _events_of_members(visits, "visits", members, log, as_of)
            log.add("visits", "used", "use events", len(visits))
        complaints = _generic_table(spec["complaints"], "complaints", root, log,
                                    [MEMBER, DATE, "category"]) \
            if "complaints" in spec else pd.DataFrame({MEMBER: [], DATE: pd.Series(
                dtype="datetime64[ns]"), "category": []})
        if "complaints" in spec:
            complaints = _events_of_members(complaints, "complaints", members, log, as_of)
            log.add("complaints", "used", "complaints", len(complaints))
        for sec in ("members", "visits", "complaints"):
            if sec in spec:
                settings += [(sec, "file", spec[sec]["file"]),
                             (sec, "date_format", spec[sec].get("date_format", _ISO)),
                             (sec, "columns", dict(spec[sec].get("columns", {})) or
                              "(the file's own names)")]
                settings += _file_settings(sec, spec[sec])
    survey = pd.DataFrame({MEMBER: pd.Series(dtype=members[MEMBER].dtype)})
    scales: dict[str, Scale] = {}
    recommend: str | None = None
    factors: dict[str, str] = {}
    if "survey" in spec:
        sv = spec["survey"]
        for key in ("file", "member", "ranges"):
            if key not in sv:
                raise ValueError(f"spec {path.name}: [survey] needs {key}")
        read = read_survey(root / sv["file"], member=sv["member"], date=sv.get("date"),
                           date_format=sv.get("date_format"), ranges=sv["ranges"],
                           missing_codes=sv.get("missing_codes", ()),
                           delimiter=sv.get("delimiter"), encoding=sv.get("encoding"))
        survey = read.data
        stray = ~survey[MEMBER].isin(members[MEMBER])
        read_log = read.report.log
        if stray.any():
            # the survey's "used" row is restated after the respondents were matched
            read_log = read_log[read_log["step"] != "used"]
        log.rows.extend(read_log.to_dict("records"))
        if stray.any():
            survey = log.drop("survey", survey, stray, "respondent not among the members",
                              MEMBER).reset_index(drop=True)
            log.add("survey", "used", "responses", len(survey))
        settings += [("survey", "file", sv["file"]), ("survey", "member", sv["member"]),
                     ("survey", "date_format", sv.get("date_format", _ISO)),
                     ("survey", "missing_codes", list(sv.get("missing_codes", ())))]
        settings += _file_settings("survey", sv)
        recommend = _recommend_item(sv, path.name)
        for name, sc in sv.get("scales", {}).items():
            items = tuple(sc.get("items", ()))
            missing = [i for i in items if i not in sv["ranges"]]
            if missing:
                raise ValueError(f"spec {path.name}: scale {name!r} uses item(s) {missing} "
                                 f"that have no range in [survey.ranges]")
            lows = {read.ranges[i][0] for i in items}
            highs = {read.ranges[i][1] for i in items}
            scales[name] = Scale(name, items, float(sc.get("low", min(lows))),
                                 float(sc.get("high", max(highs))),
                                 reverse=tuple(sc.get("reverse", ())),
                                 description=sc.get("description", ""))
        factors = _factor_map(sv.get("scales", {}), path.name)
        settings += [("survey", "recommend", recommend or "(none)")]
        measures = {scale: factor for factor, scale in factors.items()}
        settings += [("survey", f"scale {name}", ", ".join(sc.items) + (
            f" (factor: {measures[name]})" if name in measures else ""))
            for name, sc in scales.items()]
    service_levels: dict = {}
    if "survey" in spec:
        sv = spec["survey"]
        if "wave" in sv:
            if sv["wave"] not in survey:
                raise ValueError(f"spec {path.name}: [survey] wave = {sv['wave']!r} is not a "
                                 f"column of the survey file")
            survey = survey.rename(columns={sv["wave"]: "wave"})
        for dim, stems in sv.get("service_levels", {}).items():
            cols = [f"{stem}_{k}" for stem in stems for k in ("min", "des", "per")]
            missing = [c for c in cols if c not in sv["ranges"]]
            if missing:
                raise ValueError(f"spec {path.name}: service level {dim!r} needs the items "
                                 f"{missing} in [survey.ranges] (minimum, desired and "
                                 f"perceived columns named <item>_min, _des, _per)")
            service_levels[dim] = list(stems)
    reviews = _reviews_table(spec["reviews"], root, log, as_of) if "reviews" in spec else None
    if "reviews" in spec:
        settings += [("reviews", "file", spec["reviews"]["file"])]
    actions = None
    if "actions" in spec:
        actions = _generic_table(spec["actions"], "actions", root, log,
                                 ["branch", "wave", "topic", "acted"])
        actions["acted"] = _validate.dates(
            actions, "acted", date_format=spec["actions"].get("date_format"),
            purpose="the actions table (the date the branch acted; empty: nothing done)")
        log.add("actions", "used", "branch, wave and topic rows", len(actions))
    if "actions" in spec:
        settings += [("actions", "file", spec["actions"]["file"])]
    labels = _labels(spec.get("labels", {}), members, path.name)
    value = _value(spec.get("value", {}), path.name)
    settings += [("value", key, v) for key, v in value.items()]
    settings += [("labels", col, m) for col, m in labels.items()]
    name = str(meta.get("name", path.stem))
    report = log.report(f"{name} ({system}, spec {path.name})", as_of, settings)
    return LibraryData(members=members, visits=visits, survey=survey, complaints=complaints,
                       as_of=as_of, name=name, intake=report, scales=scales, reviews=reviews,
                       service_levels=service_levels, actions=actions,
                       recommend=recommend, factors=factors, labels=labels, value=value)


_ISO = "ISO (YYYY-MM-DD)"


def _file_settings(section: str, spec: Mapping) -> list[tuple[str, str, object]]:
    return [(section, key, spec[key]) for key in ("delimiter", "encoding") if key in spec]


def _recommend_item(sv: Mapping, spec_name: str) -> str | None:
    """The 0-10 likelihood-to-recommend item: ``[survey] recommend``, else an item named
    ``recommend``."""
    item = sv.get("recommend")
    if item is None:
        return "recommend" if "recommend" in sv["ranges"] else None
    if not isinstance(item, str) or item not in sv["ranges"]:
        raise ValueError(f"spec {spec_name}: [survey] recommend = {item!r} must name an item "
                         f"of [survey.ranges] (the 0-10 likelihood to recommend)")
    if tuple(_range(item, sv["ranges"][item])) != (0.0, 10.0):
        raise ValueError(f"spec {spec_name}: [survey] recommend = {item!r} has the range "
                         f"{list(sv['ranges'][item])}; the Net Promoter Score needs the 0-10 "
                         "likelihood to recommend (range [0, 10])")
    return item


def _factor_map(scales: Mapping, spec_name: str) -> dict[str, str]:
    """Which scale measures which attitudinal loyalty factor: ``factor = ...`` in a scale's
    section, else a scale named after a factor."""
    from loyaltylab.schema import FACTORS

    out: dict[str, str] = {}
    for name, sc in scales.items():
        factor = sc.get("factor", name if name in FACTORS else None)
        if factor is None:
            continue
        if factor not in FACTORS:
            raise ValueError(f"spec {spec_name}: [survey.scales.{name}] factor = {factor!r} "
                             f"is not a loyalty factor; use one of {list(FACTORS)} "
                             "(repeat_use: the desire to use the library again)")
        if factor in out:
            raise ValueError(f"spec {spec_name}: scales {out[factor]!r} and {name!r} both "
                             f"measure the factor {factor!r}; give one of them another "
                             f"factor, or none")
        out[factor] = name
    return out


def _value(spec: Mapping, spec_name: str) -> dict:
    """``[value]``: what a member-year is worth (``margin``, in ``currency``) and the yearly
    ``discount`` rate, for member value (:meth:`loyaltylab.lapse.SBGResult.member_value`)."""
    unknown = set(spec) - {"margin", "currency", "discount"}
    if unknown:
        raise ValueError(f"spec {spec_name}: [value] has unknown key(s) {sorted(unknown)}; "
                         "known: margin, currency, discount")
    out = {}
    for key, lo, hi in (("margin", 0.0, np.inf), ("discount", 0.0, 1.0)):
        if key in spec:
            v = spec[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo < v < hi:
                raise ValueError(f"spec {spec_name}: [value] {key} = {v!r} must be a number "
                                 + ("above 0 (what a member-year is worth)" if key == "margin"
                                    else "between 0 and 1 (0.1 is 10% a year)"))
            out[key] = float(v)
    if "currency" in spec:
        out["currency"] = str(spec["currency"])
    return out


def _labels(spec: Mapping, members: pd.DataFrame, spec_name: str
            ) -> dict[str, dict[str, str]]:
    """``[labels.COLUMN]``: readable names for the codes of a members column."""
    out = {}
    for col, mapping in spec.items():
        if not isinstance(mapping, Mapping):
            raise ValueError(f"spec {spec_name}: [labels.{col}] must map codes to labels, "
                             f'e.g. ST = "Students"')
        if col not in members:
            raise ValueError(f"spec {spec_name}: [labels.{col}] names no members column; "
                             f"the members have {sorted(members.columns)}")
        out[col] = {str(k): str(v) for k, v in mapping.items()}
    return out

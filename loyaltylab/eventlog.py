"""Event logs of any size: the per-member summaries run as DuckDB SQL.

Every event-log summary (:func:`~loyaltylab.lapse.rfm_summary`,
:func:`~loyaltylab.lapse.inactivity_lapse`, :func:`~loyaltylab.metrics.usage_summary` and
through it :func:`~loyaltylab.metrics.loyalty_profile`) takes its events as

- a pandas DataFrame (checked at the door as before, then handed to DuckDB without a copy),
- a path or glob of Parquet or CSV files (``"logs/2024-*.parquet"``), read by DuckDB in
  streaming fashion, never loaded into pandas, or
- a DuckDB relation (e.g. ``con.sql("SELECT ... FROM warehouse.loans")``) of the
  connection passed as ``con=`` (or of DuckDB's default connection), or
- a Spark DataFrame (``spark.table("lake.loans")``): the same SQL, translated to Spark SQL by
  sqlglot, runs on the cluster and only the per-member result comes back (``pip install
  loyaltylab[spark]``; also the event counts of :func:`~loyaltylab.lapse.person_period`).

The summaries are written once, in SQL, so the results are the same whatever the input.
DuckDB spills to disk when a log does not fit in memory: :func:`connect` sets a memory limit
and a folder for that. DuckDB is used because it is the maintained embedded engine for this:
columnar, parallel, out-of-core, reading Parquet directly.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from loyaltylab import _validate


def connect(*, memory_limit: str | None = None, temp_directory: str | None = None,
            threads: int | None = None, progress: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for large event logs.

    Parameters
    ----------
    memory_limit : str, optional
        E.g. ``"4GB"``: DuckDB keeps to it and spills the rest to ``temp_directory``.
    temp_directory : str, optional
        Where to spill (default: DuckDB's, next to the database or in the working folder).
    threads : int, optional
        Worker threads (default: all cores).
    progress : bool
        Print DuckDB's progress bar for long queries.

    Returns
    -------
    duckdb.DuckDBPyConnection

    Examples
    --------
    >>> con = connect(memory_limit="2GB")
    >>> con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    '1.8 GiB'
    """
    con = duckdb.connect()
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if temp_directory is not None:
        con.execute(f"SET temp_directory = '{temp_directory}'")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    try:
        con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")
    except duckdb.Error:
        # in a Jupyter kernel without ipywidgets DuckDB refuses to touch the setting at all
        if progress:
            raise
    return con


def _default_connection() -> duckdb.DuckDBPyConnection:
    # an attribute in DuckDB 1.x, a function in 2.x
    dc = duckdb.default_connection
    return dc() if callable(dc) else dc


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _ts(value: pd.Timestamp) -> str:
    return f"TIMESTAMP '{value.isoformat(sep=' ')}'"


class _Log:
    """The events as a DuckDB view ``name`` with a TIMESTAMP column ``date``."""

    def __init__(self, events, member: str, date: str, purpose: str, *,
                 con: duckdb.DuckDBPyConnection | None, keep_all: bool = False):
        self.con = con if con is not None else (
            _default_connection() if isinstance(events, duckdb.DuckDBPyRelation)
            else connect())
        self.member, self.date = member, date
        self.name = f"_loyaltylab_events_{id(self)}"
        if isinstance(events, duckdb.DuckDBPyRelation):
            rel = events
        elif isinstance(events, str | os.PathLike):
            rel = self._read(Path(events))
        else:
            frame = _validate.frame(events, "events")
            _validate.columns(frame, [member, date], purpose, "events")
            d = _validate.dates(frame, date, allow_missing=False, purpose=purpose)
            if not pd.api.types.is_datetime64_dtype(frame[date]):  # (tz-aware is not)
                # dates given as text: DuckDB reads the parsed column (a new frame of the two
                # columns used). Otherwise it scans the caller's frame as it is, without a
                # copy, reading only the columns the SQL names.
                frame = (frame.assign(**{date: d}) if keep_all
                         else pd.DataFrame({member: frame[member].to_numpy(),
                                            date: d.to_numpy()}))
            rel = self.con.from_df(frame)
        missing = [c for c in (member, date) if c not in rel.columns]
        if missing:
            raise ValueError(f"events has no column {missing[0]!r} ({purpose}); columns "
                             f"present: {rel.columns}. Rename your column or pass its name.")
        self.columns = rel.columns
        rel.create_view(self.name, replace=True)
        self._check_dates(purpose)

    def _read(self, path: Path) -> duckdb.DuckDBPyRelation:
        text = str(path)
        if not any(ch in text for ch in "*?[") and not path.exists():
            raise ValueError(f"no file {text!r}: give a Parquet or CSV file, or a glob")
        if any(ch in text for ch in "*?[") and not glob.glob(text, recursive=True):
            raise ValueError(f"no file matches {text!r}; check the folder and the pattern "
                             f"(e.g. 'exports/loans-*.parquet')")
        if text.endswith((".parquet", ".pq")):
            return self.con.read_parquet(text)
        if text.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
            return self.con.read_csv(text)
        raise ValueError(f"{text!r}: events files must be Parquet (.parquet) or CSV (.csv)")

    def _check_dates(self, purpose: str) -> None:
        kind = self.one(f"SELECT typeof({_q(self.date)}) FROM {self.name} LIMIT 1")
        if kind is None:
            raise ValueError(f"events is empty; {purpose} needs at least one event")
        if str(kind[0]).upper().startswith(("TIMESTAMP", "DATE")):
            bad = 0
        else:
            bad, example = self.one(
                f"SELECT count(*), any_value({_q(self.date)}) FROM {self.name} "
                f"WHERE {_q(self.date)} IS NOT NULL "
                f"AND try_cast({_q(self.date)} AS TIMESTAMP) IS NULL")
        missing = self.one(f"SELECT count(*) FROM {self.name} "
                           f"WHERE {_q(self.date)} IS NULL")[0]
        if missing:
            raise ValueError(f"column {self.date!r} has {missing} missing value(s); {purpose} "
                             f"needs every row: drop or impute them first")
        if bad:
            raise TypeError(f"column {self.date!r} has {bad} value(s) that are not dates "
                            f"(e.g. {example!r}); {purpose} needs ISO dates (YYYY-MM-DD)")

    @property
    def d(self) -> str:
        """The date column as a TIMESTAMP expression."""
        return f"CAST({_q(self.date)} AS TIMESTAMP)"

    @property
    def m(self) -> str:
        return _q(self.member)

    def one(self, query: str) -> tuple | None:
        """The first row of a query (the result is fetched whole, so the connection is free
        again; DuckDB 2 refuses new work while a result is unfinished)."""
        rows = self.con.execute(query).fetchall()
        return rows[0] if rows else None

    def df(self, query: str) -> pd.DataFrame:
        return self.con.execute(query).df()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(name, frame)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def close(self) -> None:
        self.con.execute(f"DROP VIEW IF EXISTS {self.name}")


class _SparkLog(_Log):
    """The events as a Spark temporary view. The summaries' SQL is written once, for DuckDB,
    and translated to Spark SQL by sqlglot: one definition, two engines (Ibis would be a second
    layer of expressions over the same SQL; sqlglot is the translator Ibis itself uses)."""

    def __init__(self, events, member: str, date: str, purpose: str):
        import sqlglot

        self._sqlglot = sqlglot
        self.spark = events.sparkSession
        self.con = None
        self.member, self.date = member, date
        self.name = f"_loyaltylab_events_{id(self)}"
        missing = [c for c in (member, date) if c not in events.columns]
        if missing:
            raise ValueError(f"events has no column {missing[0]!r} ({purpose}); columns "
                             f"present: {events.columns}. Rename your column or pass its name.")
        self.columns = list(events.columns)
        events.createOrReplaceTempView(self.name)
        self._check_dates(purpose)

    def _spark_sql(self, query: str):
        return self.spark.sql(self._sqlglot.transpile(query, read="duckdb", write="spark")[0])

    def one(self, query: str) -> tuple | None:
        rows = self._spark_sql(query).collect()
        return tuple(rows[0]) if rows else None

    def df(self, query: str) -> pd.DataFrame:
        return self._spark_sql(query).toPandas()

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def close(self) -> None:
        self.spark.catalog.dropTempView(self.name)


def open_log(events, member: str, date: str, purpose: str, *, con=None,
             keep_all: bool = False) -> _Log:
    """The events as a view to run the summaries' SQL on: DuckDB for DataFrames, files and
    DuckDB relations, Spark for a Spark DataFrame (e.g. ``spark.table("lake.loans")``)."""
    if type(events).__module__.startswith("pyspark"):
        return _SparkLog(events, member, date, purpose)
    return _Log(events, member, date, purpose, con=con, keep_all=keep_all)


def rfm_counts(log: _Log, cal: pd.Timestamp, hold: pd.Timestamp | None
               ) -> tuple[pd.DataFrame, int]:
    """Per member: distinct use days up to ``cal`` and in (cal, hold], first and last day."""
    hold_sql = (f"count(*) FILTER (WHERE d > {_ts(cal)} AND d <= {_ts(hold)})"
                if hold is not None else "0")
    q = f"""
        WITH days AS (
            SELECT DISTINCT {log.m} AS m, date_trunc('day', {log.d}) AS d
            FROM {log.name} WHERE {log.m} IS NOT NULL)
        SELECT m, min(d) AS first_d,
               count(*) FILTER (WHERE d <= {_ts(cal)}) AS n_cal,
               max(d) FILTER (WHERE d <= {_ts(cal)}) AS last_cal,
               {hold_sql} AS n_hold
        FROM days GROUP BY m ORDER BY m"""
    out = log.df(q)
    no_id = log.one(f"SELECT count(*) FROM {log.name} WHERE {log.m} IS NULL")[0]
    return out, int(no_id)


def activity_span(log: _Log, as_of: pd.Timestamp) -> tuple[pd.DataFrame, int, int]:
    """Per member with an id: first and last use and number of events up to ``as_of``;
    also the events used (up to as_of, with or without id) and those after it."""
    q = f"""
        SELECT {log.m} AS m, min({log.d}) AS first_use, max({log.d}) AS last_use,
               count(*) AS n_events
        FROM {log.name} WHERE {log.d} <= {_ts(as_of)} AND {log.m} IS NOT NULL
        GROUP BY m ORDER BY m"""
    out = log.df(q)
    used, after = log.one(
        f"SELECT count(*) FILTER (WHERE {log.d} <= {_ts(as_of)}), "
        f"count(*) FILTER (WHERE {log.d} > {_ts(as_of)}) FROM {log.name}")
    return out, int(used), int(after)


def _period_code(period: str, col: str = "e.d") -> str:
    # calendar period as an integer, as metrics.repeat_use._period_code
    codes = {"month": f"(year({col}) - 1970) * 12 + month({col}) - 1",
             "quarter": f"(year({col}) - 1970) * 4 + (month({col}) - 1) // 3",
             "year": f"year({col}) - 1970"}
    return codes[period]


def _id_key(log: _Log, view: str, alias: str = "ev") -> str:
    """The events' member id as the members' ids are typed: integer-like text ("925")
    matches the integer 925 (the one id rule of issue #24), any other text matches no member
    (it is counted as unknown) instead of stopping the join on a failed cast."""
    ev_type = log.one(f"SELECT typeof({log.m}) FROM {log.name} LIMIT 1")
    m_type = log.one(f"SELECT typeof(m) FROM {view} LIMIT 1")
    if ev_type is None or m_type is None or ev_type[0] == m_type[0]:
        return f"{alias}.{log.m}"
    if m_type[0] in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT",
                     "UINTEGER", "USMALLINT", "UTINYINT"):
        # as _validate.integer_ids: a whole number ("925", "925.0") or nothing (DuckDB's own
        # cast would round "925.5" to 926)
        num = f"TRY_CAST(trim(CAST({alias}.{log.m} AS VARCHAR)) AS DOUBLE)"
        return (f"TRY_CAST(CASE WHEN isfinite({num}) AND {num} = floor({num}) THEN {num} END "
                f"AS {m_type[0]})")
    return f"TRY_CAST({alias}.{log.m} AS {m_type[0]})"


def _checked(log: _Log, view: str) -> tuple[dict[str, int], int, str]:
    """The check of :func:`~loyaltylab.metrics.check_events` in SQL: the excluded counts,
    the events used, and a CTE ``e`` (member ``m``, time ``d``, window start ``start``) of
    the events used (one copy of identical rows, inside the membership)."""
    cols = ", ".join(_q(c) for c in log.columns)
    day = f"date_trunc('day', CAST(ev.{_q(log.date)} AS TIMESTAMP))"
    key = _id_key(log, view)
    # each event left out for one reason, in this order: unknown member, before joining,
    # after leaving, a copy of an identical row (rows in = used + left out)
    q_check = f"""
        WITH ev AS (SELECT {cols}, row_number() OVER (PARTITION BY {cols}
                                                     ORDER BY {_q(log.member)}) AS copy
                    FROM {log.name}),
        j AS (SELECT ev.copy, {day} AS day, s.joined, s."end", s.m IS NOT NULL AS known
              FROM ev LEFT JOIN {view} s ON {key} = s.m)
        SELECT count(*) FILTER (WHERE NOT known),
               count(*) FILTER (WHERE known AND day < joined),
               count(*) FILTER (WHERE known AND day > "end"),
               count(*) FILTER (WHERE known AND day >= joined AND day <= "end" AND copy > 1),
               count(*) FILTER (WHERE known AND day >= joined AND day <= "end" AND copy = 1)
        FROM j"""
    unknown, before, after, dup, used = log.one(q_check)
    cte = f"""ev AS (SELECT DISTINCT {cols} FROM {log.name}),
        e AS (SELECT s.m AS m, CAST(ev.{_q(log.date)} AS TIMESTAMP) AS d, s.start
              FROM ev JOIN {view} s ON {key} = s.m
              WHERE {day} >= s.joined AND {day} <= s."end")"""
    excluded = {"unknown member": int(unknown), "before joining": int(before),
                "after leaving": int(after), "duplicates": int(dup)}
    return excluded, int(used), cte


def usage_counts(log: _Log, spans: pd.DataFrame, period: str
                 ) -> tuple[pd.DataFrame, dict[str, int], int]:
    """Events checked against each membership and summarised over each member's window.

    ``spans`` has one row per member: ``m``, ``joined``, ``end`` (membership dates) and
    ``start`` (start of the window). Returns per-member ``frequency``, ``use_days``,
    ``last_use``, ``n_active`` (distinct periods with use) and ``mean_gap_days``, the
    excluded-event counts (as :func:`~loyaltylab.metrics.check_events`) and the events used.
    """
    view = f"_loyaltylab_spans_{id(spans)}"
    log.register(view, spans)
    try:
        excluded, used, cte = _checked(log, view)
        q = f"""
            WITH {cte},
            w AS (SELECT m, d FROM e WHERE d >= start),
            per AS (SELECT m, count(*) AS frequency, max(d) AS last_use,
                           count(DISTINCT {_period_code(period, "w.d")}) AS n_active
                    FROM w GROUP BY m),
            days AS (SELECT DISTINCT m, d FROM w),
            gaps AS (SELECT m, count(*) AS use_days,
                            avg(gap) AS mean_gap_days
                     FROM (SELECT m, floor(date_diff('second', lag(d) OVER (PARTITION BY m
                                   ORDER BY d), d) / CAST(86400 AS DOUBLE)) AS gap
                           FROM days)
                     GROUP BY m)
            SELECT per.m, frequency, last_use, n_active, use_days, mean_gap_days
            FROM per JOIN gaps USING (m) ORDER BY per.m"""
        out = log.df(q)
    finally:
        log.unregister(view)
    return out, excluded, used


def active_periods(log: _Log, spans: pd.DataFrame, period: str
                   ) -> tuple[pd.DataFrame, dict[str, int], int]:
    """Distinct (member ``m``, calendar period code ``p``) pairs with a use event inside the
    membership, for the activity-based retention rate; with the check's counts."""
    view = f"_loyaltylab_spans_{id(spans)}"
    log.register(view, spans)
    try:
        excluded, used, cte = _checked(log, view)
        out = log.df(f"WITH {cte} SELECT DISTINCT m, {_period_code(period)} AS p FROM e")
    finally:
        log.unregister(view)
    return out, excluded, used


def _as_index(values: np.ndarray, like: pd.Series | None) -> np.ndarray:
    # member ids come back from DuckDB as its types; give them the input's dtype
    if like is None:
        return values
    try:
        return pd.Series(values).astype(like.dtype).to_numpy()
    except (TypeError, ValueError):
        return values


def period_counts(log: _Log, spans: pd.DataFrame, length: float
                  ) -> tuple[pd.DataFrame, int, object, int]:
    """Events per member and membership period, for :func:`~loyaltylab.lapse.person_period`.

    ``spans`` has ``m`` (member), ``t0`` (join date), ``row`` (the member's row) and
    ``at_risk``. The period of an event is floor(years since joining / length), years of
    365.25 days computed from nanoseconds as :func:`loyaltylab.schema.years_between` does.
    Returns the counts (``row``, ``per``, ``n``), the number of events of members not in
    ``spans`` with an example id, and the number of events of members with no time at risk.
    """
    if isinstance(log, _SparkLog):
        # Spark timestamps are microseconds (unix_micros passes through sqlglot unchanged);
        # a microsecond difference is exact in a double, so the periods agree with DuckDB's
        days = (f"CAST(unix_micros(CAST(e.{_q(log.date)} AS TIMESTAMP)) - unix_micros(s.t0) "
                f"AS DOUBLE) / CAST(86400000000 AS DOUBLE)")
    else:
        days = (f"CAST(epoch_ns(CAST(e.{_q(log.date)} AS TIMESTAMP_NS)) - epoch_ns(s.t0) "
                f"AS DOUBLE) / CAST(86400000000000 AS DOUBLE)")
    view = f"_loyaltylab_spans_{id(spans)}"
    log.register(view, spans)
    try:
        key = _id_key(log, view, "e")  # the one id rule, as in check_events
        unknown, example = log.one(
            f"SELECT count(*), any_value(e.{log.m}) FROM {log.name} e "
            f"ANTI JOIN {view} s ON {key} = s.m")
        not_at_risk = log.one(
            f"SELECT count(*) FROM {log.name} e JOIN {view} s ON {key} = s.m "
            f"WHERE NOT s.at_risk")[0]
        out = log.df(f"""
            SELECT s."row" AS "row",
                   CAST(floor({days} / CAST(365.25 AS DOUBLE)
                              / CAST({length!r} AS DOUBLE)) AS BIGINT) AS per,
                   count(*) AS n
            FROM {log.name} e JOIN {view} s ON {key} = s.m
            WHERE s.at_risk GROUP BY 1, 2""")
    finally:
        log.unregister(view)
    return out, int(unknown), example, int(not_at_risk)

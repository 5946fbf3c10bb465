"""Event-log summaries at scale: rfm_summary on DuckDB against hand-written DuckDB SQL and
against the pandas implementation it replaced, and a Parquet log larger than memory allows.

Baselines (named, same run, same data):
- hand-written DuckDB SQL computing the same frequency/recency/T from the same in-memory
  frame into a DataFrame (target: rfm_summary, which also checks and counts its input,
  within 1.1x of it, 30M events, medians of three runs);
- the former pandas implementation (tests/_pandas_reference.py), on the same frame.
Then 200M events written to Parquet and summarised with a 3 GB DuckDB memory limit, in a
child process whose peak memory (max RSS) is reported (target: under 4 GB).

Sizes: LOYALTYLAB_BENCH_EVENTS (default 30,000,000) and LOYALTYLAB_BENCH_PARQUET_EVENTS
(default 200,000,000).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from loyaltylab import eventlog, lapse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pandas baseline lives in tests/
CAL = "2024-06-30"

HAND_SQL = """
    WITH days AS (SELECT DISTINCT member_id AS m, date_trunc('day', date) AS d FROM ev),
    a AS (SELECT m, min(d) AS first_d, count(*) FILTER (WHERE d <= TIMESTAMP '2024-06-30')
                 AS n, max(d) FILTER (WHERE d <= TIMESTAMP '2024-06-30') AS last_d
          FROM days GROUP BY m)
    SELECT m, n - 1 AS frequency, date_diff('day', first_d, last_d) / 7 AS recency,
           date_diff('day', first_d, TIMESTAMP '2024-06-30') / 7 AS T
    FROM a WHERE n > 0 ORDER BY m"""


def _events(n: int, members: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    return pd.DataFrame({"member_id": rng.integers(0, members, n), "date": day})


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


CHILD = """
import resource, sys, time
from loyaltylab import eventlog, lapse
con = eventlog.connect(memory_limit="3GB", temp_directory=sys.argv[2])
t0 = time.perf_counter()
res = lapse.rfm_summary(sys.argv[1], calibration_end="2024-06-30", con=con)
secs = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
print(f"{secs:.1f} {peak:.2f} {res.n_used}")
"""


def main() -> dict[str, float]:
    from tests import _pandas_reference as ref

    n = int(os.environ.get("LOYALTYLAB_BENCH_EVENTS", 30_000_000))
    ev = _events(n, members=n // 30)
    con = eventlog.connect()
    # medians of three runs each, alternating; both return a DataFrame
    runs = [(_time(lambda: lapse.rfm_summary(ev, calibration_end=CAL)),
             _time(lambda: con.from_df(ev).query("ev", HAND_SQL).df())) for _ in range(3)]
    ours, hand = (float(np.median(v)) for v in zip(*runs, strict=True))
    m = min(n, 5_000_000)
    small = ev.iloc[:m]
    pandas_small = _time(lambda: ref.rfm(small, "member_id", "date", CAL, None, 7.0))
    ours_small = _time(lambda: lapse.rfm_summary(small, calibration_end=CAL))
    print(f"rfm_summary, {n:,} in-memory events: {ours:.1f} s; hand-written DuckDB SQL "
          f"{hand:.1f} s -> {ours / hand:.2f}x the hand-written time")
    print(f"rfm_summary, {m:,} events: {ours_small:.1f} s; former pandas implementation "
          f"{pandas_small:.1f} s -> {pandas_small / ours_small:.1f}x faster")
    out = {"vs_hand_sql": ours / hand, "vs_pandas": pandas_small / ours_small}
    # usage_summary grows linearly: time per event at 10x and 100x the members
    top = int(os.environ.get("LOYALTYLAB_BENCH_USAGE_MEMBERS", 1_000_000))
    for k in (top // 100, top // 10, top):
        mem = pd.DataFrame({"member_id": np.arange(k), "joined": pd.Timestamp("2020-01-01"),
                            "lapsed": pd.NaT})
        log = _events(40 * k, members=k, seed=1)
        from loyaltylab import metrics

        secs = _time(lambda mem=mem, log=log: metrics.usage_summary(mem, log, "2024-12-31"))
        print(f"  usage_summary, {k:>9,} members, {40 * k:>11,} events: {secs:6.1f} s "
              f"({secs / (40 * k) * 1e9:.0f} ns per event)")
        out[f"usage_seconds_{k}"] = secs
    big = int(os.environ.get("LOYALTYLAB_BENCH_PARQUET_EVENTS", 200_000_000))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        t0 = time.perf_counter()
        writer = eventlog.connect()
        writer.execute(f"""
            COPY (SELECT (hash(i) % {big // 20})::BIGINT AS member_id,
                         TIMESTAMP '2020-01-01' + to_days((hash(i * 7) % 1825)::INTEGER) AS date
                  FROM range({big}) t(i)) TO '{path}' (FORMAT parquet)""")
        made = time.perf_counter() - t0
        r = subprocess.run([sys.executable, "-c", CHILD, str(path), tmp], capture_output=True,
                           text=True, check=True, cwd=ROOT)
        secs, peak, used = r.stdout.split()
        size = path.stat().st_size / 1024 ** 3
    print(f"{big:,} events in Parquet ({size:.1f} GB, written in {made:.0f} s), memory limit "
          f"3 GB: summarised in {secs} s, peak memory {float(peak):.2f} GB")
    out.update(parquet_seconds=float(secs), parquet_peak_gb=float(peak))
    return out


if __name__ == "__main__":
    main()

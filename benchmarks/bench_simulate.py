"""Simulating a national network: 1,000,000 members with their events.

Baseline (named, same run): a plain per-member Python loop that draws the same use events
(Poisson count, uniform sorted days, kind) member by member into a table, timed on
20,000 members and scaled per member.
The claim is the ratio, plus the absolute time for the issue's "well under a minute".
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from loyaltylab import simulate


def _loop_events(n: int, seed: int = 0) -> pd.DataFrame:
    """The same use-event table (member, day, kind), built member by member."""
    rng = np.random.default_rng(seed)
    ids, days, kinds = [], [], []
    for member in range(n):
        rate, years = 18 * rng.lognormal(0, 0.7), rng.random() * 6
        k = rng.poisson(rate * years)
        days.append(np.sort(np.floor(rng.random(k) * years * 365.25)).astype(np.int64))
        kinds.append(rng.choice(4, size=k, p=[0.15, 0.05, 0.3, 0.5]))
        ids.append(np.full(k, member))
    return pd.DataFrame({"member_id": np.concatenate(ids), "day": np.concatenate(days),
                         "kind": pd.Categorical.from_codes(np.concatenate(kinds),
                                                           ["e-loan", "event", "loan", "visit"])})


def main() -> dict[str, float]:
    t0 = time.perf_counter()
    lib = simulate.library(n_members=1_000_000, years=6, seed=1, progress=False)
    vec = time.perf_counter() - t0
    n_loop = 20_000
    t0 = time.perf_counter()
    _loop_events(n_loop)
    loop_per_member = (time.perf_counter() - t0) / n_loop
    ratio = loop_per_member * 1_000_000 / vec
    print(f"simulate.library: 1,000,000 members, {len(lib.visits):,} events, "
          f"{len(lib.survey):,} survey rows in {vec:.1f} s")
    print(f"baseline per-member loop (use events only), scaled to 1,000,000: "
          f"{loop_per_member * 1e6:.1f} s -> loyaltylab is {ratio:.1f}x faster")
    return {"seconds": vec, "speedup_vs_loop": ratio}


if __name__ == "__main__":
    main()

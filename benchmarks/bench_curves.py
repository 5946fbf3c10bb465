"""Retention curves (Kaplan-Meier) and lapse reasons on large member tables.

Data: simulated members in three groups, exponential tenures, uniform censoring, and for the
reasons two competing causes. Two tenure resolutions: daily (rounded up to the day: a few
thousand distinct values) and continuous (almost every tenure distinct).

Baselines (named, same run, same data):
- retention curves: lifelines ``KaplanMeierFitter().fit`` once per group (what
  ``retention_curves`` also called for every group until its ``fitters`` became lazy);
  target: no slower with daily tenures and faster with continuous ones, while
  ``retention_curves`` also checks its input and gives medians with intervals, horizons and
  the at-risk table.
- Gray's test, 1,000,000 members: the time of computing the cumulative incidence curves
  themselves (``cumulative_incidence``), to show what the test adds.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from loyaltylab import lapse


def _members(n: int, seed: int = 0, daily: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["adult", "student", "senior"], n)
    scale = np.select([g == "adult", g == "student"], [4.0, 2.5], 6.0)
    t, c = rng.exponential(scale), rng.uniform(0, 8, n)
    why = np.where(t <= c, rng.choice([1, 2], n, p=[0.7, 0.3]), 0)
    tenure = np.minimum(t, c)
    return pd.DataFrame({"tenure": np.ceil(tenure * 365) / 365 if daily else tenure,
                         "lapsed": (why > 0).astype(int), "reason": why, "group": g})


def _time(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _lifelines(d: pd.DataFrame) -> dict:
    return {g: KaplanMeierFitter().fit(s["tenure"], s["lapsed"])
            for g, s in d.groupby("group")}


def main() -> dict[str, float]:
    out = {}
    for daily, n in ((True, 1_000_000), (True, 10_000_000), (False, 1_000_000),
                     (False, 5_000_000)):
        d = _members(n, daily=daily)
        ours, rc = _time(lambda d=d: lapse.retention_curves(d, "tenure", "lapsed", by="group",
                                                            horizons=(1, 3, 5)))
        theirs, km = _time(lambda d=d: _lifelines(d))
        diff = max(np.abs(rc.table.loc[rc.table["group"] == g, "retention"].to_numpy()
                          - f.survival_function_.iloc[:, 0].reindex(
                              rc.table.loc[rc.table["group"] == g, "time"]).to_numpy()).max()
                   for g, f in km.items())
        kind = "daily" if daily else "continuous"
        print(f"retention curves, {kind} tenures, {n:>10,} members in 3 groups: loyaltylab "
              f"{ours:.1f} s; lifelines KaplanMeierFitter per group {theirs:.1f} s -> "
              f"{theirs / ours:.1f}x (largest difference {diff:.1e})")
        out[f"curves_{kind}_{n}"] = theirs / ours
    d = _members(1_000_000, seed=1)
    curves, ci = _time(lambda: lapse.cumulative_incidence(d, "tenure", "reason", by="group"))
    test, res = _time(ci.compare)
    print(f"lapse reasons, 1,000,000 members: cumulative incidence {curves:.1f} s; Gray's "
          f"test (2 reasons, overall and 3 pairs each) {test:.1f} s "
          f"(statistics {', '.join(f'{s:.1f}' for s in res.table['statistic'])})")
    out["gray_seconds"] = test
    return out


if __name__ == "__main__":
    main()

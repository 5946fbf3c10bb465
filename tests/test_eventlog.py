"""Event-log summaries in DuckDB SQL: the same numbers as the pandas implementation they
replaced (kept in tests/_pandas_reference.py), for every kind of input."""

import numpy as np
import pandas as pd
import pytest

from loyaltylab import datasets, eventlog, lapse, metrics
from tests import _pandas_reference as ref


def _parquet(frame, path):
    # written by DuckDB itself: pandas would need pyarrow. The connection is kept in a name
    # until the write is done (DuckDB 1.1 closes an unreferenced one under the relation)
    con = eventlog.connect()
    con.from_df(frame).write_parquet(str(path))
    con.close()


@pytest.fixture(scope="module")
def messy(lib):
    # the shipped log with the mess a real export has: duplicates, events of unknown
    # members, before joining and after leaving, times of day, a missing id
    v = lib.visits[["member_id", "date", "kind"]].copy()
    rng = np.random.default_rng(3)
    hours = pd.to_timedelta(rng.integers(0, 24 * 60, len(v)), unit="min")
    v["date"] = v["date"] + hours * (rng.uniform(size=len(v)) < 0.3).astype(int)
    extra = pd.DataFrame({"member_id": [999_999, 999_999, 1, 1],
                          "date": pd.to_datetime(["2022-01-01", "2022-01-02", "2018-01-01",
                                                  "2030-01-01"]),
                          "kind": "visit"})
    return pd.concat([v, v.iloc[:50], extra], ignore_index=True)


def test_usage_summary_equals_pandas(lib, messy):
    for events, kw in [(lib.visits, {}), (messy, {}), (messy, {"window_days": None}),
                       (messy, {"period": "quarter", "window_days": 90})]:
        got = metrics.usage_summary(lib.members, events, lib.as_of, **kw)
        want, n_used, excluded = ref.usage(lib.members, events, lib.as_of, **kw)
        pd.testing.assert_frame_equal(got.data, want, check_dtype=False)
        assert (got.n_used, dict(got.excluded)) == (n_used, excluded)
    assert got.excluded == {"unknown member": 2, "before joining": 1, "after leaving": 1,
                            "duplicates": 50}


def test_rfm_summary_equals_pandas():
    cd = datasets.load_cdnow()
    got = lapse.rfm_summary(cd, "customer_id", "date", calibration_end="1997-09-30",
                            holdout_end="1998-06-30")
    want, excluded = ref.rfm(cd, "customer_id", "date", "1997-09-30", "1998-06-30", 7.0)
    pd.testing.assert_frame_equal(got.data, want)
    assert got.excluded == excluded
    # members first seen after the calibration end, and events without an id
    late = cd.assign(customer_id=cd["customer_id"].astype(float))
    late.loc[late.index[:5], "customer_id"] = np.nan
    got = lapse.rfm_summary(late, "customer_id", "date", calibration_end="1997-02-15",
                            unit="days")
    want, excluded = ref.rfm(late, "customer_id", "date", "1997-02-15", None, 1.0)
    pd.testing.assert_frame_equal(got.data, want)
    assert got.excluded == excluded and excluded["events with no member id"] == 5
    assert excluded["members whose first use is after calibration_end"] > 0


def test_inactivity_lapse_equals_pandas(lib, messy):
    got = lapse.inactivity_lapse(messy.dropna(), "2023-06-30")
    want, used, after = ref.activity(messy.dropna(), "member_id", "date", "2023-06-30")
    pd.testing.assert_frame_equal(got.data[["first_use", "last_use", "n_events"]], want,
                                  check_dtype=False)
    assert (got.n_used, got.excluded) == (used, {"events after as_of": after})


def test_parquet_csv_and_relation_inputs_give_the_same_result(lib, tmp_path):
    df = lapse.rfm_summary(lib.visits, calibration_end="2024-06-30").data
    _parquet(lib.visits.iloc[:100_000], tmp_path / "part-1.parquet")
    _parquet(lib.visits.iloc[100_000:], tmp_path / "part-2.parquet")
    glob = str(tmp_path / "part-*.parquet")
    pd.testing.assert_frame_equal(
        lapse.rfm_summary(glob, calibration_end="2024-06-30").data, df)
    lib.visits.to_csv(tmp_path / "visits.csv", index=False)
    pd.testing.assert_frame_equal(
        lapse.rfm_summary(tmp_path / "visits.csv", calibration_end="2024-06-30").data, df)
    con = eventlog.connect(memory_limit="1GB")
    rel = con.read_parquet(glob)
    pd.testing.assert_frame_equal(
        lapse.rfm_summary(rel, calibration_end="2024-06-30", con=con).data, df)
    want = metrics.usage_summary(lib.members, lib.visits, lib.as_of)
    got = metrics.usage_summary(lib.members, glob, lib.as_of, con=con)
    pd.testing.assert_frame_equal(got.data, want.data)
    assert got.n_used == want.n_used
    # a relation of the caller's own connection is read on that connection
    on_con = metrics.usage_summary(lib.members, rel, lib.as_of, con=con)
    pd.testing.assert_frame_equal(on_con.data, want.data)
    rates = metrics.retention_rate(lib.members, lib.as_of, basis="activity", events=rel,
                                   con=con)
    pd.testing.assert_frame_equal(rates.data, metrics.retention_rate(
        lib.members, lib.as_of, basis="activity", events=lib.visits).data)
    il = lapse.inactivity_lapse(glob, lib.as_of, members=lib.members)
    pd.testing.assert_frame_equal(il.data, lapse.inactivity_lapse(
        lib.visits, lib.as_of, members=lib.members).data)


def test_bad_files_and_columns(tmp_path, lib):
    with pytest.raises(ValueError, match="no file"):
        lapse.rfm_summary(str(tmp_path / "nope.parquet"), calibration_end="2024-06-30")
    _parquet(lib.visits.rename(columns={"date": "day"}), tmp_path / "v.parquet")
    with pytest.raises(ValueError, match="no column 'date'"):
        lapse.rfm_summary(tmp_path / "v.parquet", calibration_end="2024-06-30")
    bad = lib.visits.astype({"date": str})
    bad.loc[bad.index[:3], "date"] = "soon"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(TypeError, match="3 value"):
        lapse.rfm_summary(tmp_path / "bad.csv", calibration_end="2024-06-30")


def test_person_period_visits_equal_pandas(lib, messy, tmp_path):
    tenure = lapse.tenure_table(lib.members, lib.as_of).data
    known = messy[messy["member_id"].isin(tenure["member_id"])]
    for period in ("month", "quarter"):
        got = lapse.person_period(tenure, events=known, period=period)
        want = ref.visits_last_period(tenure, known, period=period)
        np.testing.assert_array_equal(got.data["visits_last_period"].to_numpy(), want)
    _parquet(known, tmp_path / "known.parquet")
    from_file = lapse.person_period(tenure, events=tmp_path / "known.parquet", period="quarter")
    pd.testing.assert_frame_equal(from_file.data, got.data)
    with pytest.raises(ValueError, match="not in the tenure table"):
        lapse.person_period(tenure, events=messy.dropna(), period="quarter")


def test_activity_retention_equals_pandas_and_reads_files(lib, messy, tmp_path):
    from loyaltylab.metrics.repeat_use import _period_code, check_events

    got = metrics.retention_rate(lib.members, lib.as_of, period="quarter", basis="activity",
                                 events=messy)
    # the active (member, quarter) pairs as the pandas code built them
    checked = check_events(lib.members, messy, lib.as_of)
    pairs = set(zip(checked.data["member_id"], _period_code(checked.data["date"], "quarter"),
                    strict=True))
    span = lapse.tenure_table(lib.members, lib.as_of).data
    log = eventlog.open_log(messy, "member_id", "date", "test", keep_all=True)
    spans = pd.DataFrame({"m": span["member_id"], "joined": span["joined"],
                          "end": span["end"], "start": span["joined"]})
    act, excluded, _ = eventlog.active_periods(log, spans, "quarter")
    log.close()
    assert set(zip(act["m"], act["p"], strict=True)) == pairs
    assert excluded == checked.excluded
    assert got.excluded == {f"events: {k}": v for k, v in checked.excluded.items()}
    _parquet(messy, tmp_path / "m.parquet")
    again = metrics.retention_rate(lib.members, lib.as_of, period="quarter", basis="activity",
                                   events=tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(again.data, got.data)

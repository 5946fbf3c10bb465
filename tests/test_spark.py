"""The event-log summaries on Apache Spark give DuckDB's numbers (``make test-spark``).

Runs on a local Spark session when pyspark and Java are installed and LOYALTYLAB_TEST_SPARK
is set (``make test-spark`` installs the ``spark`` extra and sets it); skipped otherwise,
because starting a JVM costs half a minute that the default ``make test`` does not spend.
"""

import os
import shutil

import pandas as pd
import pytest

from loyaltylab import lapse, metrics

pytestmark = pytest.mark.skipif(
    not os.environ.get("LOYALTYLAB_TEST_SPARK"),
    reason="Spark tests run with `make test-spark` (installs pyspark; needs Java)")


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed: make test-spark")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: apt-get install openjdk-17-jre-headless")
    session = (pyspark.sql.SparkSession.builder.master("local[2]")
               .appName("loyaltylab-tests")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false").getOrCreate())
    yield session
    session.stop()


@pytest.fixture(scope="module")
def events(lib):
    # a slice of the shipped log, with duplicates and an unknown member
    v = lib.visits[lib.visits["member_id"] <= 400][["member_id", "date", "kind"]]
    extra = pd.DataFrame({"member_id": [999_999], "date": [pd.Timestamp("2022-01-01")],
                          "kind": ["visit"]})
    return pd.concat([v, v.iloc[:20], extra], ignore_index=True)


def test_rfm_summary_on_spark_equals_duckdb(spark, events):
    sdf = spark.createDataFrame(events)
    got = lapse.rfm_summary(sdf, calibration_end="2023-12-31", holdout_end="2024-12-31")
    want = lapse.rfm_summary(events, calibration_end="2023-12-31", holdout_end="2024-12-31")
    pd.testing.assert_frame_equal(got.data, want.data, check_index_type=False)
    assert got.excluded == want.excluded


def test_inactivity_and_usage_on_spark_equal_duckdb(spark, events, lib):
    sdf = spark.createDataFrame(events)
    got = lapse.inactivity_lapse(sdf, lib.as_of)
    want = lapse.inactivity_lapse(events, lib.as_of)
    pd.testing.assert_frame_equal(got.data, want.data, check_index_type=False)
    members = lib.members[lib.members["member_id"] <= 400]
    got = metrics.usage_summary(members, sdf, lib.as_of)
    want = metrics.usage_summary(members, events, lib.as_of)
    pd.testing.assert_frame_equal(got.data, want.data, check_index_type=False)
    assert (got.n_used, got.excluded) == (want.n_used, want.excluded)


def test_person_period_on_spark_equals_duckdb(spark, events, lib):
    tenure = lapse.tenure_table(lib.members[lib.members["member_id"] <= 400], lib.as_of)
    known = events[events["member_id"] != 999_999]
    for period in ("year", "month"):
        got = lapse.person_period(tenure, period=period, events=spark.createDataFrame(known))
        want = lapse.person_period(tenure, period=period, events=known)
        pd.testing.assert_frame_equal(got.data, want.data)
        assert got.excluded == want.excluded and got.data["visits_last_period"].sum() > 0
    # an unknown member is refused on both engines, with the same message
    with pytest.raises(ValueError, match="1 row.* not in the tenure table .*999999"):
        lapse.person_period(tenure, events=spark.createDataFrame(events))


def test_activity_retention_on_spark_equals_duckdb(spark, events, lib):
    members = lib.members[lib.members["member_id"] <= 400]
    kw = {"period": "quarter", "basis": "activity"}
    got = metrics.retention_rate(members, lib.as_of, events=spark.createDataFrame(events), **kw)
    want = metrics.retention_rate(members, lib.as_of, events=events, **kw)
    pd.testing.assert_frame_equal(got.data, want.data)
    assert got.excluded == want.excluded

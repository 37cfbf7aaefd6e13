"""The everyday pyspark API through the gateway: SQL, DataFrames, pandas and Arrow round trips, large results,
temp views, artifacts, interrupts and session release. Every expected value is computed independently in
Python/pandas."""

from __future__ import annotations

import datetime
import os
import threading
import time
import uuid

import numpy as np
import pandas as pd
import pytest
from pyspark.errors import AnalysisException
from pyspark.sql import functions as F

from gateway_support import OperationIdCatcher, wait_until


def test_sql_basics(spark):
    rows = spark.sql("SELECT 1 + 41 AS answer, upper('gateway') AS word, 7 / 2 AS half").collect()
    assert len(rows) == 1
    assert rows[0].answer == 1 + 41
    assert rows[0].word == "gateway".upper()
    assert float(rows[0].half) == 7 / 2

    n = 1000
    total = spark.sql(f"SELECT sum(id) AS s, count(*) AS c FROM range({n})").collect()[0]
    assert total.s == sum(range(n)), "sum over range(n) differs from Python's"
    assert total.c == n

    assert spark.version.startswith("4."), f"unexpected Spark version through the gateway: {spark.version}"
    # a session config set through the gateway is read back from the same session (Config RPC)
    spark.conf.set("spark.sql.shuffle.partitions", "7")
    assert spark.conf.get("spark.sql.shuffle.partitions") == "7"


def test_range_group_by_agg_matches_pandas(spark):
    n, groups = 200_000, 13
    got = (spark.range(0, n)
           .withColumn("k", F.col("id") % groups)
           .groupBy("k")
           .agg(F.count("*").alias("cnt"), F.sum("id").alias("total"), F.max("id").alias("biggest"),
                F.avg("id").alias("mean"), F.countDistinct(F.col("id") % 5).alias("distinct5"))
           .orderBy("k")
           .toPandas())

    ids = pd.Series(np.arange(n, dtype="int64"), name="id")
    expected = (pd.DataFrame({"id": ids, "k": ids % groups})
                .groupby("k")
                .agg(cnt=("id", "size"), total=("id", "sum"), biggest=("id", "max"), mean=("id", "mean"),
                     distinct5=("id", lambda s: (s % 5).nunique()))
                .reset_index())

    assert list(got["k"]) == list(expected["k"]), "group keys differ"
    np.testing.assert_array_equal(got["cnt"].to_numpy(), expected["cnt"].to_numpy())
    np.testing.assert_array_equal(got["total"].to_numpy(), expected["total"].to_numpy())
    np.testing.assert_array_equal(got["biggest"].to_numpy(), expected["biggest"].to_numpy())
    np.testing.assert_allclose(got["mean"].to_numpy(), expected["mean"].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(got["distinct5"].to_numpy(), expected["distinct5"].to_numpy())


def test_create_dataframe_from_pandas_round_trip(spark):
    rng = np.random.default_rng(20240601)
    n = 5000
    pdf = pd.DataFrame({
        "i": np.arange(n, dtype="int64") * 3 - 7,
        "x": rng.normal(size=n),
        "f": rng.random(n).astype("float32"),
        "b": rng.integers(0, 2, n).astype(bool),
        "s": [f"name-{k}-ünïcødé-{rng.integers(1 << 30)}" for k in range(n)],
        "d": [datetime.date(2001, 2, 3) + datetime.timedelta(days=k) for k in range(n)],
        "t": pd.date_range("2024-01-01 00:00:00", periods=n, freq="37min").as_unit("ns"),
    })

    df = spark.createDataFrame(pdf)
    assert df.count() == n, "row count on the server differs from the pandas frame"
    # a server-side computation over the uploaded data agrees with pandas
    agg = df.agg(F.sum("i").alias("si"), F.sum(F.col("b").cast("int")).alias("sb")).collect()[0]
    assert agg.si == int(pdf["i"].sum())
    assert agg.sb == int(pdf["b"].sum())

    back = df.toPandas()
    pd.testing.assert_frame_equal(back, pdf)


def test_multi_megabyte_arrow_result(spark):
    n = 2_500_000
    df = spark.range(0, n).selectExpr("id", "id * 3 AS triple", "CAST(id % 1000 AS DOUBLE) AS frac")

    started = time.monotonic()
    table = df.toArrow()
    elapsed = time.monotonic() - started

    assert table.num_rows == n, f"expected {n} rows, got {table.num_rows}"
    assert table.nbytes > 20 * 1024 * 1024, f"result is only {table.nbytes} bytes; the test wants > 20 MB"
    ids = table.column("id").to_numpy()
    expected_ids = np.arange(n, dtype="int64")
    np.testing.assert_array_equal(ids, expected_ids, err_msg="ids are missing, duplicated or out of order")
    assert int(table.column("triple").to_numpy().sum()) == 3 * (n * (n - 1) // 2)
    assert float(table.column("frac").to_numpy().sum()) == float((expected_ids % 1000).sum())
    print(f"collected {table.nbytes / 1e6:.1f} MB in {elapsed:.1f} s")


def test_temp_views_persist_across_calls_in_a_session(spark):
    view = f"v_{uuid.uuid4().hex[:12]}"
    spark.range(0, 100).selectExpr("id", "id * id AS sq").createOrReplaceTempView(view)

    # each of these is a separate RPC (or several); they all see the view created above
    assert spark.table(view).count() == 100
    assert spark.sql(f"SELECT sum(sq) AS s FROM {view}").collect()[0].s == sum(k * k for k in range(100))
    assert view in [t.name for t in spark.catalog.listTables()], "temp view is missing from the catalog"
    spark.sql(f"CREATE OR REPLACE TEMP VIEW {view}_odd AS SELECT * FROM {view} WHERE id % 2 = 1")
    assert spark.sql(f"SELECT count(*) AS c FROM {view}_odd").collect()[0].c == 50

    spark.catalog.dropTempView(view)
    with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
        spark.table(view).collect()


def test_add_file_artifact_is_visible_on_the_driver(spark, tmp_path):
    # Python UDFs are not an option (the drivers' Spark home ships no Python side), so the file is found the
    # way the driver itself stores it: sc.addFile() of the session's artifact, listed by LIST FILE, fetched
    # into <SparkFiles root>/<session uuid>/<name>, and read back with the text data source.
    name = f"artifact-{uuid.uuid4().hex}.txt"
    lines = [f"line {k}: {uuid.uuid4()}" for k in range(5)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")

    spark.addArtifact(str(path), file=True)

    listed = [r[0] for r in spark.sql("LIST FILE").collect()]
    mine = [uri for uri in listed if uri.endswith(f"/files/{name}")]
    assert len(mine) == 1, f"LIST FILE does not show the added artifact {name}: {listed}"

    root = spark.sql("SELECT reflect('org.apache.spark.SparkFiles', 'getRootDirectory') AS r").collect()[0].r
    content = [r.value for r in spark.read.text(f"file://{root}/*/{name}").collect()]
    assert content == lines, "the driver's copy of the artifact differs from the local file"

    # the same bytes again are accepted (idempotent), other bytes under the same name are refused
    spark.addArtifact(str(path), file=True)
    path.write_text("changed\n")
    with pytest.raises(Exception, match="ARTIFACT_ALREADY_EXISTS"):
        spark.addArtifact(str(path), file=True)


def test_interrupt_all_stops_a_running_query(spark):
    catcher = OperationIdCatcher()
    spark.registerProgressHandler(catcher)
    outcome: dict = {}

    def long_query() -> None:
        started = time.monotonic()
        try:
            outcome["rows"] = spark.range(0, 10**11, 1, 2).selectExpr("sum(id % 7) AS s").collect()
        except Exception as e:  # noqa: BLE001
            outcome["error"] = e
        outcome["seconds"] = time.monotonic() - started

    worker = threading.Thread(target=long_query, daemon=True)
    worker.start()
    operation_id = catcher.wait(timeout=30)  # the query is running on the driver
    assert worker.is_alive(), f"the 'long' query ended on its own: {outcome}"

    interrupted_at = time.monotonic()
    interrupted = spark.interruptAll()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the query still runs 20 s after interruptAll()"
    stop_seconds = time.monotonic() - interrupted_at

    assert interrupted == [operation_id], \
        f"interruptAll() returned {interrupted}, expected the running operation [{operation_id}]"
    assert "rows" not in outcome, f"the interrupted query returned a result: {outcome.get('rows')}"
    error = str(outcome.get("error"))
    assert "OPERATION_CANCELED" in error or "cancel" in error.lower(), f"unexpected error: {error[:500]}"
    assert stop_seconds < 10, f"the query took {stop_seconds:.1f} s to stop after interruptAll()"

    spark.removeProgressHandler(catcher)
    # the session is still usable after the interrupt
    assert spark.range(10).count() == 10
    assert spark.interruptAll() == [], "nothing should be left running after the interrupt"


def test_stop_removes_the_session(gateway, new_session):
    session = new_session()
    session_id = session.session_id
    assert session.range(5).count() == 5
    entry = gateway.session(session_id)
    assert entry is not None, f"session {session_id} is not listed in /api/v1/sessions while in use"
    assert entry["state"] == "ACTIVE"
    assert entry["rpcs"] >= 1
    driver = gateway.member(entry["driverId"])
    assert driver is not None and driver["sessions"] >= 1, f"its driver does not count it: {driver}"

    session.stop()

    assert gateway.session(session_id) is None, "spark.stop() did not remove the session from /api/v1/sessions"

"""Reattachable execution through the gateway. The drivers run with tiny sender limits
(senderMaxStreamDuration=1s, senderMaxStreamSize=200k), so a long result arrives over many ExecutePlan /
ReattachExecute streams, every one of which the gateway must route to the session's driver."""

from __future__ import annotations

import hashlib

import pandas as pd

from gateway_support import Gateway

ROWS = 400_000
QUERY = ("SELECT id, concat('row-', CAST(id AS STRING), '-', sha1(CAST(id AS STRING))) AS s, "
         "CAST(id % 97 AS INT) AS bucket FROM range(0, {rows}, 1, 4)")


def expected_frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({
        "id": pd.Series(range(rows), dtype="int64"),
        "s": [f"row-{k}-{hashlib.sha1(str(k).encode()).hexdigest()}" for k in range(rows)],
        "bucket": pd.Series([k % 97 for k in range(rows)], dtype="int32"),
    })


def test_long_result_reattaches_and_equals_a_direct_driver_result(gateway: Gateway, new_session, direct_driver):
    drivers = gateway.ready_members()
    assert drivers, f"no READY driver in /api/v1/pools: {gateway.members()}"

    reattach_before = gateway.rpc_count("ReattachExecute", "OK")
    through_gateway = new_session().sql(QUERY.format(rows=ROWS)).toPandas()
    reattach_after = gateway.rpc_count("ReattachExecute", "OK")

    # the same query, by a client connected straight to a Spark Connect server, bypassing the gateway
    direct = new_session(direct_driver).sql(QUERY.format(rows=ROWS)).toPandas()

    assert len(through_gateway) == ROWS, f"gateway result has {len(through_gateway)} rows, expected {ROWS}"
    pd.testing.assert_frame_equal(through_gateway, direct, obj="gateway result vs direct-to-driver result")
    pd.testing.assert_frame_equal(through_gateway, expected_frame(ROWS), obj="gateway result vs Python")

    reattaches = reattach_after - reattach_before
    assert reattaches >= 1, (
        "the long result was not reattached: pedregal_connect_rpc_seconds_count"
        f'{{method="ReattachExecute",status="OK"}} went from {reattach_before} to {reattach_after}. '
        "Do the drivers run with the tiny senderMaxStreamDuration/senderMaxStreamSize limits?")
    print(f"{reattaches:.0f} ReattachExecute RPCs for {ROWS} rows")


def test_long_collect_reattaches_without_errors(gateway: Gateway, spark):
    """A long Row collect (not Arrow-to-pandas) followed by more queries in the same session: no
    ReattachExecute through the gateway ends in an error status and the session stays ACTIVE."""
    failed_before = sum(gateway.metric("pedregal_connect_rpc_seconds_count", method="ReattachExecute", status=s)
                        for s in ("NOT_FOUND", "INTERNAL", "ABORTED", "UNAVAILABLE", "INVALID_ARGUMENT"))
    rows = spark.sql(QUERY.format(rows=150_000)).collect()
    assert [r.id for r in rows] == list(range(150_000)), "rows missing, duplicated or out of order"
    for r in rows[::9973]:
        assert r.s == f"row-{r.id}-{hashlib.sha1(str(r.id).encode()).hexdigest()}" and r.bucket == r.id % 97
    assert spark.sql("SELECT count(*) AS c FROM range(1000)").collect()[0].c == 1000
    failed_after = sum(gateway.metric("pedregal_connect_rpc_seconds_count", method="ReattachExecute", status=s)
                       for s in ("NOT_FOUND", "INTERNAL", "ABORTED", "UNAVAILABLE", "INVALID_ARGUMENT"))
    assert failed_after == failed_before, \
        f"ReattachExecute RPCs failed through the gateway: {failed_before} -> {failed_after}"

    entry = gateway.session(spark.session_id)
    assert entry is not None and entry["state"] == "ACTIVE", f"session entry: {entry}"


def test_a_client_cannot_bypass_the_gateway(gateway: Gateway, new_session):
    """The pool's drivers accept only the gateway (a per-pool secret): connecting straight to one fails."""
    endpoint = gateway.ready_members()[0]["endpoint"]
    try:
        new_session(f"sc://{endpoint}").sql("select 1").collect()
    except Exception as e:  # noqa: BLE001 - pyspark wraps the gRPC status
        assert "UNAUTHENTICATED" in str(e) or "authentication" in str(e).lower(), str(e)
    else:
        raise AssertionError(f"a client reached driver {endpoint} without the gateway")

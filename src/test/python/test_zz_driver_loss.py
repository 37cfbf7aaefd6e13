"""Driver loss (runs last: it kills one of the gateway's drivers with SIGKILL).

A session whose driver dies has lost its state for good: its running query and every later RPC must fail
with SESSION_DRIVER_LOST, never be silently re-pinned to another driver; the operator API shows the session
LOST; the pool replaces the driver; and new sessions work."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from gateway_support import Gateway, OperationIdCatcher, pid_of, wait_until

LOST = "SESSION_DRIVER_LOST"
FAIL_WITHIN_S = 15
REFILL_WITHIN_S = 90


def assert_is_our_driver(pid: int, driver_id: str) -> None:
    """Refuses to kill anything but the Spark Connect server of this driver id."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except FileNotFoundError:
        pytest.fail(f"driver {driver_id}'s pid {pid} is not a running process")
    assert "SparkConnectServer" in cmdline and driver_id in cmdline, \
        f"pid {pid} is not the Spark Connect server of driver {driver_id}: {cmdline[:300]}"


def test_driver_loss_fails_the_session_and_the_pool_recovers(gateway: Gateway, new_session):
    spark = new_session()
    assert spark.range(0, 1000).selectExpr("sum(id) AS s").collect()[0].s == sum(range(1000))

    entry = gateway.session(spark.session_id)
    assert entry is not None and entry["state"] == "ACTIVE", f"session entry before the kill: {entry}"
    driver_id = entry["driverId"]
    member = gateway.member(driver_id)
    assert member is not None, f"driver {driver_id} of the session is not in /api/v1/pools"
    pid = pid_of(member)
    assert_is_our_driver(pid, driver_id)

    # a long query in the session, running on the driver
    catcher = OperationIdCatcher()
    spark.registerProgressHandler(catcher)
    outcome: dict = {}

    def long_query() -> None:
        try:
            outcome["rows"] = spark.range(0, 10**11, 1, 2).selectExpr("sum(id % 7) AS s").collect()
        except Exception as e:  # noqa: BLE001
            outcome["error"] = e
        outcome["ended"] = time.monotonic()

    worker = threading.Thread(target=long_query, daemon=True)
    worker.start()
    catcher.wait(timeout=30)
    assert worker.is_alive(), f"the long query ended before the kill: {outcome}"

    killed_at = time.monotonic()
    os.kill(pid, signal.SIGKILL)

    worker.join(timeout=FAIL_WITHIN_S + 5)
    assert not worker.is_alive(), f"the running query has not failed {FAIL_WITHIN_S + 5} s after its driver died"
    assert "rows" not in outcome, f"the query returned a result although its driver died: {outcome['rows']}"
    took = outcome["ended"] - killed_at
    assert LOST in str(outcome.get("error")), \
        f"the running query failed with something else than {LOST}: {str(outcome.get('error'))[:600]}"
    assert took <= FAIL_WITHIN_S, f"the running query took {took:.1f} s to fail after the kill"
    print(f"the running query failed {took:.1f} s after its driver was killed")
    spark.removeProgressHandler(catcher)

    # the next query of the session fails the same way: it is never re-pinned to another driver
    for attempt in range(2):
        with pytest.raises(Exception) as info:
            spark.range(0, 3).count()
        assert LOST in str(info.value), \
            f"query #{attempt + 1} after the loss failed with something else: {str(info.value)[:600]}"

    entry = gateway.session(spark.session_id)
    assert entry is not None, "the lost session disappeared from /api/v1/sessions (clients are told why: keep it)"
    assert entry["state"] == "LOST", f"session entry after the kill: {entry}"
    assert entry["driverId"] == driver_id, f"the lost session was moved to another driver: {entry}"
    assert entry["lostReason"], f"the lost session has no lostReason: {entry}"

    # the pool replaces the driver
    def refilled():
        members = gateway.members()
        ready = [m for m in members if m["state"] == "READY"]
        assert driver_id not in [m["id"] for m in members], f"the killed driver {driver_id} is still listed"
        assert len(ready) >= 2, f"{len(ready)} READY drivers: {[(m['id'], m['state']) for m in members]}"
        return True

    wait_until(refilled, REFILL_WITHIN_S, interval=1.0,
               message=f"the pool to drop {driver_id} and get back to 2 READY drivers")
    print(f"pool refilled {time.monotonic() - killed_at:.1f} s after the kill")

    # a new session works, on a live driver
    fresh = new_session()
    assert fresh.range(0, 100).selectExpr("sum(id) AS s").collect()[0].s == sum(range(100))
    fresh_entry = gateway.session(fresh.session_id)
    assert fresh_entry is not None and fresh_entry["state"] == "ACTIVE", f"new session: {fresh_entry}"
    assert fresh_entry["driverId"] != driver_id
    assert gateway.member(fresh_entry["driverId"])["state"] == "READY"

"""A client that cancels its ExecutePlan call must not leave the operation running on the driver.

The call is NOT reattachable (no reattach options), so the gRPC call is the operation's only lifeline: once the
client cancels it, nobody can ever read the result, and the query must stop. The check is made on the same
session with an Interrupt(INTERRUPT_TYPE_ALL): it returns the ids of the operations it found still running.
The same scenario without the cancel is the control: there the Interrupt does find the operation."""

from __future__ import annotations

import time

import grpc
from pyspark.sql.connect.proto import base_pb2_grpc

from gateway_support import (Gateway, execute_sql, interrupt_all, new_session_id, release_session)

LONG_QUERY = "SELECT count(*) FROM range(0, 100000000000)"
RUN_BEFORE_CANCEL_S = 1.0
SETTLE_AFTER_CANCEL_S = 2.0


def still_running_after(stub, cancel: bool) -> tuple[str, list[str]]:
    """Starts the long query in a new session, optionally cancels the call after a second, and returns the
    operation id and what Interrupt(ALL) on that session found running a moment later."""
    session_id, operation_id = new_session_id(), new_session_id()
    call = stub.ExecutePlan(execute_sql(session_id, LONG_QUERY, operation_id=operation_id), timeout=120)
    try:
        first = next(call)  # the driver acknowledged the operation: it runs
        assert first.operation_id == operation_id, f"unexpected first response: {first}"
        time.sleep(RUN_BEFORE_CANCEL_S)
        if cancel:
            call.cancel()
            time.sleep(SETTLE_AFTER_CANCEL_S)
        else:
            time.sleep(SETTLE_AFTER_CANCEL_S)
        found = list(stub.Interrupt(interrupt_all(session_id), timeout=30).interrupted_ids)
    finally:
        call.cancel()
        try:
            stub.ReleaseSession(release_session(session_id), timeout=30)
        except grpc.RpcError:
            pass
    return operation_id, found


def direct_driver_behaviour(gateway: Gateway) -> str:
    """For the failure message: what a Spark driver does with the same cancel when reached directly."""
    members = gateway.ready_members()
    if not members:
        return "(no READY driver to compare with)"
    with grpc.insecure_channel(members[0]["endpoint"]) as channel:
        _, found = still_running_after(base_pb2_grpc.SparkConnectServiceStub(channel), cancel=True)
    return ("a direct client's cancel leaves the operation running on Spark too, so the gateway has to "
            "interrupt it itself" if found else "a direct client's cancel does stop it on Spark")


def test_cancelled_non_reattachable_execute_stops_the_operation(gateway: Gateway, stub):
    # control: without a cancel the operation is still running when the Interrupt comes
    operation_id, found = still_running_after(stub, cancel=False)
    assert found == [operation_id], \
        f"control failed: Interrupt(ALL) found {found} running, expected the uncancelled operation {operation_id}"

    operation_id, found = still_running_after(stub, cancel=True)
    if found:
        raise AssertionError(
            f"the client cancelled its non-reattachable ExecutePlan {SETTLE_AFTER_CANCEL_S:.0f} s ago, yet the "
            f"operation {operation_id} still ran on the driver (Interrupt(ALL) found {found}); "
            + direct_driver_behaviour(gateway))

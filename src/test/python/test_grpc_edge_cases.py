"""Malformed and misdirected requests, sent with raw gRPC and pyspark's generated Spark Connect stubs: the
gateway answers them itself with precise status codes, and never binds a session for them."""

from __future__ import annotations

import time

import grpc
import pytest

from gateway_support import (Gateway, config_get_all, execute_sql, interrupt_all, new_session_id, reattach,
                             release_execute_all)

SERVICE = "/spark.connect.SparkConnectService"
# runs for minutes (about 20 s per 2e10 rows on 2 idle cores); the tests interrupt it
LONG_QUERY = "SELECT sum(id % 7) FROM range(0, 100000000000, 1, 2)"


def rpc_error(call) -> grpc.RpcError:
    """The gRPC error a call ends with; a server stream is read to its end."""
    with pytest.raises(grpc.RpcError) as info:
        result = call()
        if isinstance(result, grpc.Call) and hasattr(result, "__next__"):
            list(result)
    return info.value


def test_non_uuid_session_id_is_invalid_argument(gateway: Gateway, stub):
    bad_id = "definitely-not-a-uuid"
    error = rpc_error(lambda: stub.Config(config_get_all(bad_id), timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"got {error.code()}: {error.details()}"
    assert "UUID" in error.details(), f"the message does not say what is wrong: {error.details()}"

    error = rpc_error(lambda: stub.ExecutePlan(execute_sql(bad_id, "SELECT 1"), timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"ExecutePlan got {error.code()}: {error.details()}"

    assert not [s for s in gateway.sessions() if s["sessionId"] == bad_id], \
        "a session with a non-UUID id was bound anyway"


def test_garbage_bytes_are_invalid_argument_and_the_channel_survives(gateway: Gateway, channel, stub,
                                                                     raw_sessions):
    raw_config = channel.unary_unary(f"{SERVICE}/Config", request_serializer=None, response_deserializer=None)
    for garbage in (b"\xff\xff\xff", b"\x0a\xff\xff\xff\xff\x0f", b"\x0b"):  # bad tag, bad length, bad group
        error = rpc_error(lambda: raw_config(garbage, timeout=10))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, \
            f"{garbage!r}: got {error.code()}: {error.details()}"

    # the same channel (same HTTP/2 connection) still serves a valid request
    session_id = new_session_id()
    raw_sessions.append(session_id)
    response = stub.Config(config_get_all(session_id), timeout=30)
    assert response.session_id == session_id
    assert any(p.key == "spark.app.name" or p.key.startswith("spark.") for p in response.pairs), \
        f"the Config answer has no Spark settings: {response}"
    assert gateway.session(session_id) is not None, "the valid request after the garbage bound no session"


def test_unknown_method_is_unimplemented(channel):
    for method in (f"{SERVICE}/NoSuchMethod", "/no.such.Service/Config"):
        call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
        error = rpc_error(lambda: call(b"", timeout=10))
        assert error.code() == grpc.StatusCode.UNIMPLEMENTED, f"{method}: got {error.code()}: {error.details()}"


def test_reattach_for_an_unknown_session_is_not_found(gateway: Gateway, stub):
    session_id = new_session_id()
    error = rpc_error(lambda: stub.ReattachExecute(reattach(session_id, new_session_id()), timeout=10))
    assert error.code() == grpc.StatusCode.NOT_FOUND, f"got {error.code()}: {error.details()}"
    assert gateway.session(session_id) is None, "a ReattachExecute of an unknown session bound a session"


def test_reattach_to_another_sessions_operation_is_not_found(gateway: Gateway, stub, raw_sessions):
    session_a, session_b = new_session_id(), new_session_id()
    raw_sessions.extend([session_a, session_b])
    operation_a = new_session_id()

    # a long reattachable operation in session A, with an operation id we chose
    call_a = stub.ExecutePlan(execute_sql(session_a, LONG_QUERY, operation_id=operation_a, reattachable=True),
                              timeout=120)
    stream = call_a
    try:
        # Wait for the first progress report: its Spark job runs. (Interrupting an operation that is still
        # being planned can leave its job running orphaned in Spark 4.0.1, hogging the driver's cores.)
        def progressed(responses) -> bool:
            for r in responses:
                assert r.operation_id == operation_a, f"the driver answered for another operation: {r}"
                if r.HasField("execution_progress") and r.execution_progress.stages:
                    return True
            return False

        deadline = time.monotonic() + 60
        while not progressed(stream):
            # the stream ended (senderMaxStreamDuration) before any progress: reattach and keep waiting
            assert time.monotonic() < deadline, "A's operation reported no progress within 60 s"
            stream = stub.ReattachExecute(reattach(session_a, operation_a), timeout=120)

        # session B exists too (a Config opens it)
        stub.Config(config_get_all(session_b), timeout=30)
        assert gateway.session(session_b) is not None

        # B reattaching to A's operation: refused by the gateway, A's operation is not disturbed
        error = rpc_error(lambda: stub.ReattachExecute(reattach(session_b, operation_a), timeout=10))
        assert error.code() == grpc.StatusCode.NOT_FOUND, f"got {error.code()}: {error.details()}"
        assert operation_a in error.details(), f"message does not name the operation: {error.details()}"

        # B releasing A's operation is refused the same way
        error = rpc_error(lambda: stub.ReleaseExecute(release_execute_all(session_b, operation_a), timeout=10))
        assert error.code() == grpc.StatusCode.NOT_FOUND, f"ReleaseExecute got {error.code()}: {error.details()}"

        # positive control: A itself may reattach to its operation (so the refusal above is about B). The
        # stream normally ends OK after senderMaxStreamDuration; Spark's sender can also sit until the next
        # result (a wait(0) when under 1 ms of its deadline is left), hence the client deadline.
        reattached = stub.ReattachExecute(reattach(session_a, operation_a), timeout=5)
        try:
            responses = list(reattached)
        except grpc.RpcError:
            responses = []
        assert reattached.code() in (grpc.StatusCode.OK, grpc.StatusCode.DEADLINE_EXCEEDED), \
            f"A's own reattach failed: {reattached.code()} {reattached.details()}"
        assert all(r.operation_id == operation_a for r in responses), f"foreign responses: {responses}"
    finally:
        interrupted = stub.Interrupt(interrupt_all(session_a), timeout=30)
        call_a.cancel()
        stream.cancel()
    assert list(interrupted.interrupted_ids) == [operation_a], \
        f"A's operation should still have been running: {interrupted}"

"""End-to-end tests of the Spark Connect gateway with the real pyspark client.

The gateway under test is started by whoever runs the suite (the Java integration test, or by hand) and
named by two environment variables:

    GATEWAY_REMOTE  the Spark Connect endpoint, e.g. sc://127.0.0.1:15002
    GATEWAY_HTTP    the operator/health/metrics endpoint, e.g. http://127.0.0.1:8081

It is expected to run with 2 warm drivers (at most 3), 10 sessions per driver, and tiny reattach limits
(spark.connect.execute.reattachable.senderMaxStreamDuration=1s, senderMaxStreamSize=200k).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grpc
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_support import Gateway, open_session, wait_until  # noqa: E402

READY_TIMEOUT_S = 120


def pytest_configure(config: pytest.Config) -> None:
    try:
        config._gateway = Gateway.from_env()  # type: ignore[attr-defined]
    except RuntimeError as e:
        raise pytest.UsageError(str(e)) from None


@pytest.fixture(scope="session")
def gateway(pytestconfig: pytest.Config) -> Gateway:
    """The gateway under test, once it reports ready (a warm driver) on /q/health/ready."""
    gw: Gateway = pytestconfig._gateway  # type: ignore[attr-defined]
    last = {"status": None, "body": ""}

    def ready() -> bool:
        try:
            status, body = gw.get("/q/health/ready", timeout=5)
        except OSError as e:
            last["status"], last["body"] = None, repr(e)
            return False
        last["status"], last["body"] = status, body
        return status == 200

    wait_until(ready, READY_TIMEOUT_S, interval=1.0,
               message=lambda: f"{gw.http}/q/health/ready to answer 200 "
                               f"(last: {last['status']} {last['body'][:300]})")
    return gw


@pytest.fixture
def new_session(gateway: Gateway):
    """Factory of pyspark sessions connected through the gateway; every session it made is stopped at
    teardown. Each call creates a NEW session (builder.create(), never getOrCreate())."""
    made = []

    def make(remote: str | None = None):
        session = open_session(remote or gateway.remote)
        made.append(session)
        return session

    yield make
    for session in made:
        try:
            session.stop()
        except Exception:  # noqa: BLE001 - a session whose driver was lost cannot be released cleanly
            pass


@pytest.fixture
def spark(new_session):
    """A fresh pyspark session through the gateway, stopped (ReleaseSession) at teardown."""
    return new_session()


@pytest.fixture
def channel(gateway: Gateway):
    """A raw gRPC channel to the gateway's Spark Connect port."""
    ch = grpc.insecure_channel(gateway.grpc_target)
    try:
        grpc.channel_ready_future(ch).result(timeout=10)
        yield ch
    finally:
        ch.close()


@pytest.fixture
def stub(channel):
    """pyspark's generated SparkConnectService stub on the raw channel."""
    from pyspark.sql.connect.proto import base_pb2_grpc

    return base_pb2_grpc.SparkConnectServiceStub(channel)


@pytest.fixture
def raw_sessions(stub):
    """Session ids opened with raw requests; released at teardown (errors ignored)."""
    from gateway_support import release_session

    ids: list[str] = []
    yield ids
    for session_id in ids:
        try:
            stub.ReleaseSession(release_session(session_id), timeout=10)
        except grpc.RpcError:
            pass


@pytest.fixture(scope="module")
def direct_driver():
    """A standalone Spark Connect server with the same stream limits as the pool's drivers, started from the
    same Spark jars and reached without the gateway: the baseline a result through the gateway must equal.
    (The pool's own drivers refuse clients that bypass the gateway.)"""
    import os
    import socket
    import subprocess
    import tempfile
    import time

    repo = Path(__file__).resolve().parents[3]
    jars = repo / ".local" / "spark-4.0.1" / "jars"
    assert jars.is_dir(), f"Spark jars missing in {jars}: run `make deps`"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    opens = [f"--add-opens=java.base/{p}=ALL-UNNAMED" for p in (
        "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
        "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch", "sun.nio.cs",
        "sun.security.action", "sun.util.calendar")]
    java = Path(os.environ.get("JAVA_HOME", "/usr")) / "bin" / "java"
    cmd = [str(java) if java.exists() else "java", "-Xmx768m", "-XX:+IgnoreUnrecognizedVMOptions", *opens,
           "-cp", f"{jars}/*", "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
           "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
           "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
           "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.ui.enabled=false",
           "--conf", "spark.connect.execute.reattachable.senderMaxStreamDuration=1s",
           "--conf", "spark.connect.execute.reattachable.senderMaxStreamSize=200k", "spark-internal"]
    log = tempfile.NamedTemporaryFile(prefix="direct-driver-", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"the direct Spark Connect server exited; see {log.name}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"the direct Spark Connect server did not listen within 120 s; see {log.name}")
        yield f"sc://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

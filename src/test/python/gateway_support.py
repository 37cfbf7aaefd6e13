"""Helpers shared by the end-to-end tests: the gateway's endpoints, its operator API and metrics, and raw
Spark Connect requests built with pyspark's own generated protobuf classes."""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pyspark.sql.connect.proto as pb

RPC_METRIC = "pedregal_connect_rpc_seconds_count"
TEST_USER = "pytest-e2e"


@dataclass(frozen=True)
class Gateway:
    """Where the gateway under test listens."""

    remote: str  # sc://host:port (what pyspark's remote() takes)
    http: str  # http://host:port of the operator API

    @staticmethod
    def from_env() -> "Gateway":
        missing = [v for v in ("GATEWAY_REMOTE", "GATEWAY_HTTP") if not os.environ.get(v)]
        if missing:
            raise RuntimeError(
                "The end-to-end suite needs a running gateway: set "
                + " and ".join(missing)
                + " (e.g. GATEWAY_REMOTE=sc://127.0.0.1:15002 GATEWAY_HTTP=http://127.0.0.1:8081)"
            )
        remote = os.environ["GATEWAY_REMOTE"].strip()
        http = os.environ["GATEWAY_HTTP"].strip().rstrip("/")
        if not remote.startswith("sc://"):
            raise RuntimeError(f"GATEWAY_REMOTE must be an sc:// URL, got {remote!r}")
        if not http.startswith(("http://", "https://")):
            raise RuntimeError(f"GATEWAY_HTTP must be an http:// URL, got {http!r}")
        return Gateway(remote=remote, http=http)

    @property
    def grpc_target(self) -> str:
        """host:port of the Spark Connect port, for grpc.insecure_channel."""
        rest = self.remote[len("sc://"):]
        return rest.split("/", 1)[0].split(";", 1)[0]

    def remote_for_session(self, session_id: str) -> str:
        """An sc:// URL that pins the client to a given session id."""
        return f"sc://{self.grpc_target}/;session_id={session_id}"

    # --- operator API ----------------------------------------------------------------------------------

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, str]:
        """GET on the HTTP port; returns (status, body) also for non-2xx answers."""
        request = urllib.request.Request(self.http + path)
        operator_token = os.environ.get("GATEWAY_OPERATOR_TOKEN")
        if operator_token and path.startswith("/api/"):
            request.add_header("Authorization", "Bearer " + operator_token)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def api(self, path: str) -> Any:
        """GET a JSON document of the operator API (e.g. "/api/v1/pools"); fails on a non-200 answer."""
        status, body = self.get(path)
        assert status == 200, f"GET {path} answered HTTP {status}: {body[:500]}"
        return json.loads(body)

    def call(self, token: str, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict]:
        """A JSON REST call as the bearer of `token`; returns (status, body) also for non-2xx answers."""
        request = urllib.request.Request(self.http + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("Authorization", "Bearer " + token)
        request.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def pool(self) -> dict:
        pools = self.api("/api/v1/pools")
        assert isinstance(pools, list) and len(pools) >= 1, f"/api/v1/pools returned no pool: {pools}"
        return pools[0]

    def members(self) -> list[dict]:
        return self.pool()["members"]

    def member(self, driver_id: str) -> Optional[dict]:
        return next((m for m in self.members() if m["id"] == driver_id), None)

    def sessions(self) -> list[dict]:
        return self.api("/api/v1/sessions")

    def session(self, session_id: str) -> Optional[dict]:
        """The /api/v1/sessions entry for a session id; asserts there is at most one."""
        entries = [s for s in self.sessions() if s["sessionId"] == session_id]
        assert len(entries) <= 1, f"session {session_id} is listed {len(entries)} times: {entries}"
        return entries[0] if entries else None

    def ready_members(self) -> list[dict]:
        return [m for m in self.members() if m["state"] == "READY"]

    # --- metrics ---------------------------------------------------------------------------------------

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the Prometheus samples of `name` whose labels include `labels` (0 when absent)."""
        status, body = self.get("/q/metrics")
        assert status == 200, f"GET /q/metrics answered HTTP {status}: {body[:300]}"
        total = 0.0
        pattern = re.compile(r"^" + re.escape(name) + r"(\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)")
        for line in body.splitlines():
            m = pattern.match(line)
            if not m:
                continue
            found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group("labels") or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(m.group("value"))
        return total

    def rpc_count(self, method: str, status: str = "OK") -> float:
        return self.metric(RPC_METRIC, method=method, status=status)


def wait_until(condition: Callable[[], Any], timeout: float, interval: float = 0.5,
               message: str | Callable[[], str] = "condition") -> Any:
    """Polls `condition` until it returns a truthy value; fails with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Optional[BaseException] = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except AssertionError as e:  # an assertion inside the condition: keep polling, report the last one
            last_error = e
        except OSError as e:  # the HTTP port is not up yet
            last_error = e
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {text}"
                                 + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


def pid_of(member: dict) -> int:
    """The driver's OS pid from the `process` field ("pid N, log PATH")."""
    m = re.search(r"\bpid (\d+)", member.get("process") or "")
    assert m, f"no pid in the process field of driver {member.get('id')}: {member.get('process')!r}"
    return int(m.group(1))


# --- pyspark sessions ------------------------------------------------------------------------------------

# Every session the suite creates stays referenced until the process ends. pyspark 4.0.1's
# SparkSession.__del__ calls client.close(), which shuts down the release thread pool that ALL sessions of
# the process share (ExecutePlanResponseReattachableIterator.shutdown). When the garbage collector happens
# to run that __del__ on one of the pool's own worker threads, the shutdown fails half-way ("cannot join
# current thread") and leaves a dead pool behind: every later query of every session then fails with
# "RuntimeError: cannot schedule new futures after shutdown". Keeping the objects alive avoids that.
_KEEP_ALIVE: list = []
_KEEP_ALIVE_LOCK = threading.Lock()


def open_session(remote: str):
    """A NEW pyspark session (builder.create(), never getOrCreate()) for an sc:// URL."""
    from pyspark.sql import SparkSession

    session = SparkSession.builder.remote(remote).create()
    with _KEEP_ALIVE_LOCK:
        _KEEP_ALIVE.append(session)
    return session


# --- raw Spark Connect requests ----------------------------------------------------------------------------

def new_session_id() -> str:
    return str(uuid.uuid4())


def config_get_all(session_id: str, user_id: str = TEST_USER) -> pb.ConfigRequest:
    req = pb.ConfigRequest(session_id=session_id)
    req.user_context.user_id = user_id
    req.operation.get_all.SetInParent()
    return req


def execute_sql(session_id: str, sql: str, operation_id: Optional[str] = None, reattachable: bool = False,
                user_id: str = TEST_USER) -> pb.ExecutePlanRequest:
    req = pb.ExecutePlanRequest(session_id=session_id)
    req.user_context.user_id = user_id
    if operation_id:
        req.operation_id = operation_id
    req.plan.root.sql.query = sql
    if reattachable:
        opt = req.request_options.add()
        opt.reattach_options.reattachable = True
    return req


def interrupt_all(session_id: str, user_id: str = TEST_USER) -> pb.InterruptRequest:
    req = pb.InterruptRequest(session_id=session_id,
                              interrupt_type=pb.InterruptRequest.INTERRUPT_TYPE_ALL)
    req.user_context.user_id = user_id
    return req


def reattach(session_id: str, operation_id: str, user_id: str = TEST_USER) -> pb.ReattachExecuteRequest:
    req = pb.ReattachExecuteRequest(session_id=session_id, operation_id=operation_id)
    req.user_context.user_id = user_id
    return req


def release_execute_all(session_id: str, operation_id: str, user_id: str = TEST_USER) -> pb.ReleaseExecuteRequest:
    req = pb.ReleaseExecuteRequest(session_id=session_id, operation_id=operation_id)
    req.user_context.user_id = user_id
    req.release_all.SetInParent()
    return req


def release_session(session_id: str, user_id: str = TEST_USER) -> pb.ReleaseSessionRequest:
    req = pb.ReleaseSessionRequest(session_id=session_id)
    req.user_context.user_id = user_id
    return req


class OperationIdCatcher:
    """A pyspark progress handler (spark.registerProgressHandler) that records the operation id of the
    query that reports progress: proof the query is running on the driver, and its id."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._event = threading.Event()

    def __call__(self, stages, inflight_tasks, operation_id, done) -> None:  # noqa: ANN001 (pyspark API)
        if operation_id and operation_id not in self.ids:
            self.ids.append(operation_id)
            self._event.set()

    def wait(self, timeout: float) -> str:
        assert self._event.wait(timeout), f"the query reported no progress within {timeout:.0f} s"
        return self.ids[0]

"""Session affinity: many concurrent sessions, each pinned to one driver, each seeing only its own state, and
the operator API accounting for every one of them."""

from __future__ import annotations

import threading
import traceback
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession

from gateway_support import Gateway, open_session

SESSIONS = 20
READS = 4
VIEW = "affinity_view"  # the same name in every session, different data in each


def expected_rows(index: int) -> list[tuple[int, str]]:
    """Session `index`'s own data: index+5 rows, values that no other session has."""
    return [(index * 1000 + k, f"session-{index}-row-{k}") for k in range(index + 5)]


class Worker:
    def __init__(self, remote: str, index: int) -> None:
        self.remote = remote
        self.index = index
        self.session: SparkSession | None = None
        self.session_id: str | None = None
        self.private_view = f"only_in_{uuid.uuid4().hex[:12]}"
        self.reads: list[list[tuple[int, str]]] = []

    def open_and_fill(self) -> None:
        self.session = open_session(self.remote)
        self.session_id = self.session.session_id
        s = self.session
        n = self.index + 5
        s.range(0, n).selectExpr(f"id + {self.index * 1000} AS v",
                                 f"concat('session-{self.index}-row-', CAST(id AS STRING)) AS owner") \
            .createOrReplaceTempView(VIEW)
        s.sql(f"CREATE OR REPLACE TEMP VIEW {self.private_view} AS SELECT 1 AS x")

    def read_back(self) -> None:
        assert self.session is not None
        for _ in range(READS):
            rows = self.session.sql(f"SELECT v, owner FROM {VIEW} ORDER BY v").collect()
            self.reads.append([(r.v, r.owner) for r in rows])


def run_all(pool: ThreadPoolExecutor, fn, workers) -> None:
    """Runs fn(worker) for every worker concurrently; fails with every worker's traceback."""
    futures = {pool.submit(fn, w): w for w in workers}
    errors = []
    for future, w in futures.items():
        try:
            future.result(timeout=180)
        except Exception:  # noqa: BLE001
            errors.append(f"session #{w.index} ({w.session_id}):\n{traceback.format_exc()}")
    assert not errors, f"{len(errors)} of {len(workers)} sessions failed:\n" + "\n".join(errors)


@pytest.fixture
def workers(gateway: Gateway):
    made = [Worker(gateway.remote, i) for i in range(SESSIONS)]
    yield made
    for w in made:
        if w.session is not None:
            try:
                w.session.stop()
            except Exception:  # noqa: BLE001
                pass


def test_concurrent_sessions_are_pinned_and_isolated(gateway: Gateway, workers: list[Worker]):
    rpcs_before = {m["id"]: m["rpcs"] for m in gateway.members()}
    start = threading.Barrier(SESSIONS)

    def open_together(w: Worker) -> None:
        start.wait(timeout=60)  # all sessions open at the same moment: concurrent placement
        w.open_and_fill()

    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        run_all(pool, open_together, workers)
        run_all(pool, Worker.read_back, workers)

    # every session read its own data, every time
    for w in workers:
        expected = expected_rows(w.index)
        for attempt, got in enumerate(w.reads):
            assert got == expected, (f"session #{w.index} read #{attempt} of its view '{VIEW}' returned "
                                     f"{got[:3]}... ({len(got)} rows), expected its own {expected[:3]}... "
                                     f"({len(expected)} rows)")

    # all sessions are alive and idle now: check the operator's view of them
    sessions = gateway.sessions()
    members = gateway.members()
    by_id = Counter(s["sessionId"] for s in sessions)
    entries = {}
    for w in workers:
        assert by_id[w.session_id] == 1, \
            f"session #{w.index} {w.session_id} is listed {by_id[w.session_id]} times in /api/v1/sessions"
        entry = next(s for s in sessions if s["sessionId"] == w.session_id)
        assert entry["state"] == "ACTIVE", f"session #{w.index} is not ACTIVE: {entry}"
        assert entry["driverId"], f"session #{w.index} is bound to no driver: {entry}"
        assert entry["rpcs"] >= 2 + READS, f"session #{w.index} counts too few RPCs: {entry}"
        entries[w.session_id] = entry

    member_ids = {m["id"] for m in members}
    ours_per_driver = Counter(e["driverId"] for e in entries.values())
    assert set(ours_per_driver) <= member_ids, \
        f"sessions are bound to drivers that are not in the pool: {ours_per_driver} vs {sorted(member_ids)}"
    assert len(ours_per_driver) >= 2, \
        f"all {SESSIONS} sessions went to one driver ({dict(ours_per_driver)}): placement is not least-loaded"

    active_per_driver = Counter(s["driverId"] for s in sessions if s["state"] == "ACTIVE")
    for m in members:
        assert m["sessions"] == active_per_driver.get(m["id"], 0), (
            f"driver {m['id']} reports {m['sessions']} sessions, but /api/v1/sessions binds "
            f"{active_per_driver.get(m['id'], 0)} active sessions to it")
        assert m["sessions"] <= 10, f"driver {m['id']} holds {m['sessions']} sessions, above the limit of 10"
    assert sum(m["sessions"] for m in members) == sum(active_per_driver.values())

    # per-driver RPC counters moved exactly where our sessions live
    for m in members:
        delta = m["rpcs"] - rpcs_before.get(m["id"], 0)
        ours = [e for e in entries.values() if e["driverId"] == m["id"]]
        if ours:
            # session counters were read before the driver counters, so the driver saw at least as many
            assert delta >= sum(e["rpcs"] for e in ours), (
                f"driver {m['id']} forwarded {delta} RPCs, fewer than its {len(ours)} sessions made "
                f"({sum(e['rpcs'] for e in ours)})")
        else:
            assert delta == 0, f"driver {m['id']} has none of the sessions but its rpcs grew by {delta}"

    # a view of one session is invisible in every other one: on the same driver and on another driver
    a = workers[0]
    same_driver = [w for w in workers[1:] if entries[w.session_id]["driverId"] == entries[a.session_id]["driverId"]]
    other_driver = [w for w in workers[1:] if entries[w.session_id]["driverId"] != entries[a.session_id]["driverId"]]
    assert other_driver, "no session on another driver than session #0"
    for b in (same_driver[:1] + other_driver[:1]):
        with pytest.raises(AnalysisException, match="TABLE_OR_VIEW_NOT_FOUND"):
            b.session.sql(f"SELECT * FROM {a.private_view}").collect()
    assert a.session.sql(f"SELECT x FROM {a.private_view}").collect()[0].x == 1, \
        "session #0 lost its own private view"

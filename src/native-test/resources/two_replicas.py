"""One pyspark session driven through two gateway replicas that share Redis (run by TwoReplicasIT).

    two_replicas.py <host:port of replica A> <host:port of replica B>

Two SparkSession objects with the same session_id and user, one per replica, alternate RPCs and must see one
server-side session: state made through A is read through B and the other way round, and a reattachable query
started on A is reattached alternately on B and A until it completes, with every row delivered once.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "test" / "python"))

import pyspark.sql.connect.proto as pb  # noqa: E402
import pyspark.sql.connect.proto.base_pb2_grpc as pb_grpc  # noqa: E402

from gateway_support import execute_sql, open_session, reattach, release_execute_all  # noqa: E402

USER = "replica-e2e"


def main(a: str, b: str) -> None:
    session_id = str(uuid.uuid4())
    on_a = open_session(f"sc://{a}/;session_id={session_id};user_id={USER}")
    on_b = open_session(f"sc://{b}/;session_id={session_id};user_id={USER}")

    on_a.range(10).createOrReplaceTempView("made_on_a")
    on_a.conf.set("spark.sql.shuffle.partitions", "7")
    assert on_b.conf.get("spark.sql.shuffle.partitions") == "7", "B reads the conf A set"
    assert on_b.table("made_on_a").count() == 10, "B reads the temp view A made"
    assert on_b.sql("select sum(id) as s from made_on_a").collect()[0].s == 45

    on_b.sql("select 42 as answer").createOrReplaceTempView("made_on_b")
    on_b.conf.set("spark.sql.shuffle.partitions", "5")
    assert on_a.table("made_on_b").collect()[0].answer == 42, "A reads the temp view B made"
    assert on_a.conf.get("spark.sql.shuffle.partitions") == "5", "A reads the conf B set"
    print("session state is shared between the replicas")

    rows = reattached_on_alternating_replicas(session_id, a, b)
    assert rows == 300_000, f"every row once across reattaches, got {rows}"
    print("a query started on A and reattached on B and A delivered every row once")


def reattached_on_alternating_replicas(session_id: str, a: str, b: str) -> int:
    """Starts a reattachable query on A, reads one response, then reattaches on B, A, B, ... until done."""
    stubs = [pb_grpc.SparkConnectServiceStub(grpc.insecure_channel(t)) for t in (a, b)]
    operation_id = str(uuid.uuid4())
    stream = stubs[0].ExecutePlan(execute_sql(session_id, "select id, repeat('x', 40) as pad from range(0, 300000)",
                                              operation_id=operation_id, reattachable=True, user_id=USER))
    rows, last, done, reattaches = 0, None, False, 0
    while not done:
        for response in stream:
            last = response.response_id
            if response.HasField("arrow_batch"):
                rows += response.arrow_batch.row_count
            if response.HasField("result_complete"):
                done = True
            if reattaches == 0 and last is not None and not done:
                break  # leave A after its first response: the rest must come through B
        if hasattr(stream, "cancel"):
            stream.cancel()
        if done:
            break
        reattaches += 1
        request = reattach(session_id, operation_id, user_id=USER)
        request.last_response_id = last
        stream = stubs[reattaches % 2].ReattachExecute(request)
    stubs[1].ReleaseExecute(release_execute_all(session_id, operation_id, user_id=USER))
    assert reattaches >= 2, f"the query reattached on both replicas ({reattaches} reattaches)"
    print(f"{reattaches} reattaches across the two replicas")
    return rows


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""Identity through the front door with the real pyspark client: TLS because a token is present, real
tokens from Keycloak, the team decides the pool, and the verified user is the one the session is bound to."""

from __future__ import annotations

import uuid

import pytest

from gateway_support import Gateway


def sessions_of(gateway: Gateway, session_id: str) -> list[dict]:
    return [s for s in gateway.sessions() if s["sessionId"] == session_id]


def test_a_team_member_runs_queries_over_tls_as_herself(gateway: Gateway, new_session, remote):
    spark = new_session(remote("alice"))
    rows = spark.range(0, 1000).selectExpr("id % 10 AS k").groupBy("k").count().orderBy("k").collect()
    assert [(r.k, r["count"]) for r in rows] == [(k, 100) for k in range(10)]
    bound = sessions_of(gateway, spark.client._session_id)
    assert [(s["userId"], s["team"], s["environment"]) for s in bound] == [("alice", "analytics", "dev")], bound


def test_the_service_account_runs_a_query(gateway: Gateway, new_session, remote):
    spark = new_session(remote("ci-analytics"))
    assert spark.sql("SELECT 6 * 7 AS answer").collect()[0].answer == 42
    bound = sessions_of(gateway, spark.client._session_id)
    assert [s["team"] for s in bound] == ["analytics"], bound


def test_bob_cannot_reach_team_analytics(new_session, remote):
    spark = new_session(remote("bob", "x-spark-team=analytics"))
    with pytest.raises(Exception) as refused:
        spark.sql("SELECT 1").collect()
    text = str(refused.value)
    assert "PERMISSION_DENIED" in text or "not a member of team 'analytics'" in text, text
    assert "spark-team-analytics" in text, text


def test_alice_presenting_bobs_session_id_gets_a_session_of_her_own(gateway: Gateway, new_session, remote):
    session_id = str(uuid.uuid4())
    bob = new_session(remote("bob", f"session_id={session_id}"))
    bob.createDataFrame([(1, "bob's secret")], "id INT, v STRING").createOrReplaceTempView("mine")
    assert bob.sql("SELECT v FROM mine").collect()[0].v == "bob's secret"

    alice = new_session(remote("alice", f"session_id={session_id}"))
    with pytest.raises(Exception) as not_visible:
        alice.sql("SELECT v FROM mine").collect()
    assert "TABLE_OR_VIEW_NOT_FOUND" in str(not_visible.value) or "mine" in str(not_visible.value)
    owners = {(s["userId"], s["team"]) for s in sessions_of(gateway, session_id)}
    assert owners == {("bob", "marketing"), ("alice", "analytics")}, owners

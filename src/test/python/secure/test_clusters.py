"""A team's own Spark Connect cluster, end to end with the real pyspark client: created over REST, connected
to by name, scaled, and expired by its TTL — after which the session is told why."""

from __future__ import annotations

import uuid

import pytest

from gateway_support import Gateway, wait_until


def wait_for_state(gateway: Gateway, token: str, cluster_id: str, state: str, timeout: float = 180) -> dict:
    seen = {}

    def reached() -> bool:
        status, seen["cluster"] = gateway.call(token, "GET", f"/api/v1/clusters/{cluster_id}")
        return status == 200 and seen["cluster"]["state"] == state

    wait_until(reached, timeout, message=lambda: f"cluster {cluster_id} never became {state}: {seen.get('cluster')}")
    return seen["cluster"]


def test_a_team_creates_its_cluster_connects_scales_and_is_told_when_its_ttl_ends(gateway: Gateway, token,
                                                                                    new_session, remote):
    alice = token("alice")
    name = "nb-" + uuid.uuid4().hex[:8]
    status, cluster = gateway.call(alice, "POST", "/api/v1/clusters",
                           {"name": name, "environment": "dev", "template": "small", "ttl": "150s",
                            "warmDrivers": 1, "maxDrivers": 2,
                            "overrides": {"sparkConf": {"spark.sql.session.timeZone": "Asia/Tokyo"}}},
                           {"Idempotency-Key": name})
    assert status == 201, cluster
    assert cluster["endpoint"].startswith(f"sc://{name}."), cluster
    again_status, again = gateway.call(alice, "POST", "/api/v1/clusters",
                               {"name": name, "environment": "dev", "template": "small", "ttl": "150s",
                                "warmDrivers": 1, "maxDrivers": 2}, {"Idempotency-Key": name})
    assert (again_status, again["id"]) == (200, cluster["id"]), again
    wait_for_state(gateway, alice, cluster["id"], "READY")

    spark = new_session(remote("alice", f"x-spark-cluster={name}"))
    assert spark.conf.get("spark.sql.session.timeZone") == "Asia/Tokyo"
    assert spark.range(0, 100).selectExpr("sum(id) AS s").collect()[0].s == 4950
    bound = [s for s in gateway.sessions() if s["sessionId"] == spark.client._session_id]
    assert [(s["userId"], s["cluster"]) for s in bound] == [("alice", name)], bound

    # Bob's team cannot reach it.
    with pytest.raises(Exception) as refused:
        new_session(remote("bob", f"x-spark-cluster={name}")).sql("SELECT 1").collect()
    assert "spark-team-analytics" in str(refused.value), str(refused.value)

    status, scaled = gateway.call(alice, "POST", f"/api/v1/clusters/{cluster['id']}/scale", {"warmDrivers": 2})
    assert status == 202, scaled
    assert wait_for_state(gateway, alice, cluster["id"], "READY")["readyDrivers"] == 2

    deleted = wait_for_state(gateway, alice, cluster["id"], "DELETED", timeout=240)
    assert "TTL ended" in deleted["reason"], deleted
    with pytest.raises(Exception) as expired:
        spark.sql("SELECT 1").collect()
    assert "expired: its TTL ended" in str(expired.value), str(expired.value)

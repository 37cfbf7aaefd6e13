"""Capacity end to end with the real pyspark client: a team with no capacity in a pool that sells it is told
the shortfall, books nothing, and — once a platform admin records its purchase — the same code runs.

The suite's gateway admits every session through the capacity calendar (a real Redis); pool local-staging
requires a purchase (pedregal.capacity.pools.local-staging.require-purchase=true) and team marketing (bob)
may use the staging environment."""

from __future__ import annotations

import datetime

import pytest

from gateway_support import Gateway, wait_until

POOL = "local-staging"


def sum_of_ids(new_session, remote: str) -> int:
    """What a data engineer runs: a new session and one small query."""
    spark = new_session(remote)
    return spark.range(0, 10).selectExpr("sum(id) AS s").collect()[0].s


def booked_by_marketing(gateway: Gateway, admin: str) -> int:
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    window = f"from={(now - datetime.timedelta(minutes=15)).isoformat().replace('+00:00', 'Z')}" \
             f"&to={(now + datetime.timedelta(hours=1)).isoformat().replace('+00:00', 'Z')}"
    answer = {}

    def read() -> bool:
        # 503 + Retry-After while the calendar is (re)built from the ledger: a client waits and asks again.
        answer["status"], answer["body"] = gateway.call(admin, "GET", f"/api/v1/capacity/pools/{POOL}/slices?{window}")
        return answer["status"] != 503

    wait_until(read, 60, interval=2.0, message=lambda: f"the slices of {POOL}: {answer}")
    assert answer["status"] == 200, answer
    return sum(cell["vcpuMillis"] for cell in answer["body"]["slices"])


def test_a_team_without_capacity_is_told_the_shortfall_then_runs_after_a_purchase(gateway: Gateway, token,
                                                                                  new_session, remote):
    erin = token("erin")  # a platform admin: records purchases
    bob_staging = remote("bob", "x-spark-team=marketing", "x-spark-env=staging")
    before = booked_by_marketing(gateway, erin)

    with pytest.raises(Exception) as refused:
        sum_of_ids(new_session, bob_staging)
    message = str(refused.value)
    assert "RESOURCE_EXHAUSTED" in message or "not enough capacity" in message, message
    assert "not enough capacity for team marketing" in message, message
    assert f"cap in pool {POOL} has 0 mCPU, 0 MiB free in the slice starting" in message, message
    assert "short by" in message, message
    assert "/api/v1/teams/marketing/capacity/purchases" in message, message
    assert booked_by_marketing(gateway, erin) == before, "a refused session books nothing"

    status, balance = gateway.call(token("bob"), "GET", "/api/v1/teams/marketing/capacity/balance")
    assert (status, balance["pools"]) == (200, []), balance

    status, bought = gateway.call(erin, "POST", "/api/v1/teams/marketing/capacity/purchases",
                                  {"pool": POOL, "kind": "DEDICATED", "vcpu": 2, "memoryMib": 4096, "period": "DAILY"})
    assert status == 201, bought
    assert bought["dedicated"] == {"vcpuMillis": 2000, "memoryMib": 4096}, bought

    assert sum_of_ids(new_session, bob_staging) == 45
    assert booked_by_marketing(gateway, erin) > before, "the running session holds its share of the purchase"

package dev.pedregal.gateway.capacity;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.pedregal.gateway.capacity.ledger.CapacityLedger;
import dev.pedregal.gateway.capacity.ledger.LedgerCapacities;
import dev.pedregal.gateway.capacity.ledger.LedgerReservations;
import dev.pedregal.gateway.capacity.ledger.Standing;
import dev.pedregal.gateway.support.Oidc;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import dev.pedregal.gateway.support.RedisResource;
import dev.pedregal.gateway.support.TestIssuer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/**
 * The capacity API and ledger against real PostgreSQL, a real Redis of this suite's own and signed tokens:
 * purchases and balance, dedicated shares as team caps, budgets charged by runtime, schedule checks whose
 * suggestions really fit, slot search, the heatmap, bad input, tenancy, and Redis going away.
 */
@QuarkusTest
@TestProfile(CapacityApiTest.Lab.class)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestIssuer.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CapacityApiTest {

    public static class Lab implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = Oidc.secured(
                    Map.entry("pedregal.pool.warm-drivers", "0"),
                    Map.entry("pedregal.capacity.budget-warning-percent", "20"));
            // Clusters of analytics in staging draw on local-staging, made small: 8 vCPU, 16 GiB.
            config.put("pedregal.identity.teams.analytics.environments", "dev,staging");
            config.put("pedregal.capacity.pools.local-staging.vcpu", "8");
            config.put("pedregal.capacity.pools.local-staging.memory-mib", "16384");
            for (String pool : List.of("lab-a", "lab-b", "lab-c", "lab-d", "lab-e", "lab-f")) {
                config.put("pedregal.capacity.pools." + pool + ".vcpu", "8");
                config.put("pedregal.capacity.pools." + pool + ".memory-mib", "16384");
                config.put("pedregal.capacity.pools." + pool + ".environments", "lab");
                config.put("pedregal.capacity.pools." + pool + ".region", "eu-west-1");
            }
            return config;
        }
    }

    static String admin;
    static String alice;
    static String mark;
    static String fran;

    @Inject
    CapacityCalendar calendar;
    @Inject
    CapacityLedger ledger;
    @Inject
    LedgerCapacities capacities;
    @Inject
    LedgerReservations reservations;

    @BeforeAll
    static void tokens() {
        admin = TestIssuer.token("root", "spark-platform-admins", "");
        alice = TestIssuer.token("alice", "spark-team-analytics", "");
        mark = TestIssuer.token("mark", "spark-team-marketing", "");
        fran = TestIssuer.token("fran", "spark-team-finance", "");
    }

    /** Pools stored, and the calendar in the fresh Redis rebuilt from PostgreSQL (else the first call would be a 503 that starts it). */
    @BeforeEach
    void poolsStoredAndCalendarReady() {
        capacities.seed().await().atMost(Duration.ofSeconds(10));
        reservations.liveReservations().chain(calendar::rebuild).await().atMost(Duration.ofSeconds(10));
    }

    static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    static ValidatableResponse buy(String token, String team, String body) {
        return as(token).body(body).post("/api/v1/teams/" + team + "/capacity/purchases").then();
    }

    Admission hold(String team, String pool, long vcpuMillis, Instant start, Instant end) {
        return calendar.hold(new Reservation(UUID.randomUUID().toString(), team, pool, new Resources(vcpuMillis, 1024), start, end))
                .await().atMost(Duration.ofSeconds(5));
    }

    /** Held, committed in the calendar and recorded in the ledger, as admission will do. */
    Reservation book(String team, String pool, long vcpuMillis, Instant start, Instant end) {
        Admission.Granted granted = assertInstanceOf(Admission.Granted.class, hold(team, pool, vcpuMillis, start, end));
        Reservation r = granted.reservation();
        calendar.commit(pool, r.id()).await().atMost(Duration.ofSeconds(5));
        ledger.committed(r, "job", "test-" + r.id()).await().atMost(Duration.ofSeconds(5));
        return r;
    }

    @Test
    @Order(1)
    void anAdminRecordsAPurchaseAndTheTeamSeesItsBalance() {
        String location = buy(admin, "analytics", """
                {"pool": "lab-a", "kind": "BUDGET", "vcpuHours": 10, "period": "MONTHLY"}""")
                .statusCode(201).body("kind", equalTo("BUDGET")).body("vcpuHours", equalTo(10.0f))
                .extract().header("Location");
        assertTrue(location.contains("/api/v1/teams/analytics/capacity/purchases/"), location);
        as(alice).get(location).then().statusCode(200).body("pool", equalTo("lab-a")).body("createdBy", equalTo("root"));

        as(alice).get("/api/v1/teams/analytics/capacity/balance").then().statusCode(200)
                .body("standing", equalTo("OK"))
                .body("pools", hasSize(1))
                .body("pools[0].pool", equalTo("lab-a"))
                .body("pools[0].budgetVcpuHours", equalTo(10.0f))
                .body("pools[0].usedVcpuHours", equalTo(0.0f))
                .body("pools[0].leftVcpuHours", equalTo(10.0f))
                .body("pools[0].leftPercent", equalTo(100))
                .body("activePurchases", hasSize(1));

        // Tenancy: members see their own team; only platform admins buy.
        as(mark).get("/api/v1/teams/analytics/capacity/balance").then().statusCode(404)
                .contentType(startsWith("application/problem+json")).body("detail", equalTo("no team analytics"));
        as(mark).get(location).then().statusCode(404);
        buy(alice, "analytics", """
                {"pool": "lab-a", "kind": "BUDGET", "vcpuHours": 10, "period": "MONTHLY"}""")
                .statusCode(403).body("detail", containsString("only platform admins"));
        buy(mark, "analytics", """
                {"pool": "lab-a", "kind": "BUDGET", "vcpuHours": 10, "period": "MONTHLY"}""").statusCode(404);
        RestAssured.given().get("/api/v1/teams/analytics/capacity/balance").then().statusCode(401);
    }

    @Test
    @Order(2)
    void aDedicatedShareBecomesATeamCapTheCalendarEnforces() {
        buy(admin, "analytics", """
                {"pool": "lab-b", "kind": "DEDICATED", "vcpu": 2, "memoryMib": 4096, "period": "DAILY"}""").statusCode(201);
        assertEquals(new Resources(2000, 4096), capacities.find("lab-b").orElseThrow().teamCap("analytics").orElseThrow(),
                "the purchase refreshed the caps at once");

        Instant start = Instant.now().plus(Duration.ofMinutes(30));
        Admission over = hold("analytics", "lab-b", 3000, start, start.plus(Duration.ofMinutes(30)));
        Shortfall shortfall = assertInstanceOf(Admission.Denied.class, over).shortfall();
        assertEquals(Shortfall.Limit.TEAM, shortfall.limit());
        assertTrue(shortfall.message().contains("team analytics's cap in pool lab-b"), shortfall.message());
        assertTrue(hold("analytics", "lab-b", 2000, start, start.plus(Duration.ofMinutes(30))).granted());
        assertTrue(hold("marketing", "lab-b", 3000, start, start.plus(Duration.ofMinutes(30))).granted(),
                "a team without a share has no cap");

        as(alice).get("/api/v1/teams/analytics/capacity/balance").then().statusCode(200)
                .body("pools.find { it.pool == 'lab-b' }.dedicated.vcpuMillis", equalTo(2000))
                .body("pools.find { it.pool == 'lab-b' }.standing", equalTo("OK"));

        // 2 of the pool's 8 vCPU are sold for today: 7 more cannot be guaranteed.
        buy(admin, "marketing", """
                {"pool": "lab-b", "kind": "DEDICATED", "vcpu": 7, "memoryMib": 1024, "period": "DAILY"}""")
                .statusCode(409).body("detail", containsString("already sold as dedicated shares"));
    }

    @Test
    @Order(3)
    void aBudgetIsChargedByRuntimeIntoWarningThenSuspension() {
        buy(admin, "finance", """
                {"pool": "lab-c", "kind": "BUDGET", "vcpuHours": 1, "period": "MONTHLY"}""").statusCode(201);
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        // 1 vCPU for 48 minutes: 0.8 of the 1 vCPU-hour, 20% left.
        Reservation first = book("finance", "lab-c", 1000, now.minus(Duration.ofMinutes(48)), now.plus(Duration.ofMinutes(10)));
        assertTrue(ids(reservations.liveReservations()).contains(first.id()), "committed and not ended: a live reservation");
        ledger.extended("lab-c", first.id(), now.plus(Duration.ofMinutes(40))).await().atMost(Duration.ofSeconds(5));
        assertEquals(now.plus(Duration.ofMinutes(40)).getEpochSecond(), reservations.liveReservations().await().atMost(Duration.ofSeconds(5))
                .stream().filter(r -> r.id().equals(first.id())).findFirst().orElseThrow().end().getEpochSecond());
        ledger.ended("lab-c", first.id(), now).await().atMost(Duration.ofSeconds(5));
        ledger.ended("lab-c", first.id(), now.plus(Duration.ofHours(5))).await().atMost(Duration.ofSeconds(5));
        assertFalse(ids(reservations.liveReservations()).contains(first.id()), "released");

        Standing warned = ledger.standing("finance").await().atMost(Duration.ofSeconds(5));
        assertEquals(Standing.Level.WARNING, warned.in("lab-c"), "a repeated end charged nothing more");
        assertTrue(warned.message("lab-c").contains("0.20 of 1.00 vCPU-hours (20%) left"), warned.message("lab-c"));
        assertTrue(warned.refusal("lab-c").isEmpty(), "a warning refuses nothing");
        as(fran).get("/api/v1/teams/finance/capacity/balance").then().statusCode(200)
                .body("standing", equalTo("WARNING")).body("pools[0].usedVcpuHours", equalTo(0.8f))
                .body("pools[0].leftPercent", equalTo(20));

        Reservation second = book("finance", "lab-c", 2000, now.minus(Duration.ofMinutes(6)), now.plus(Duration.ofMinutes(10)));
        ledger.ended("lab-c", second.id(), now).await().atMost(Duration.ofSeconds(5));
        Standing suspended = ledger.standing("finance").await().atMost(Duration.ofSeconds(5));
        assertEquals(Standing.Level.SUSPENDED, suspended.in("lab-c"));
        assertTrue(suspended.refusal("lab-c").orElseThrow().contains("new sessions and jobs are refused"));
        assertEquals(Standing.Level.OK, suspended.in("lab-d"), "no purchase needed elsewhere (require-purchase is off)");
        as(fran).get("/api/v1/teams/finance/capacity/balance").then().statusCode(200)
                .body("standing", equalTo("SUSPENDED")).body("pools[0].leftVcpuHours", equalTo(0.0f))
                .body("pools[0].message", containsString("has used its whole budget in pool lab-c"));
    }

    static List<String> ids(io.smallrye.mutiny.Uni<List<Reservation>> live) {
        return live.await().atMost(Duration.ofSeconds(5)).stream().map(Reservation::id).toList();
    }

    @Test
    @Order(4)
    void aScheduleAcrossMidnightMonthEndAndLeapDayGetsSuggestionsThatFit() {
        // Marketing holds 6 of 8 vCPU from the evening of 29 February 2028 into 1 March.
        book("marketing", "lab-d", 6000, Instant.parse("2028-02-29T23:00:00Z"), Instant.parse("2028-03-01T01:00:00Z"));
        Map<String, Object> report = as(alice).body("""
                {"environment": "lab", "region": "eu-west-1", "cron": "30 23 * * *", "duration": "1h", "vcpu": 4,
                 "memoryMib": 2048, "from": "2028-02-20T00:00:00Z"}""")
                .post("/api/v1/capacity/schedules:validate").then().statusCode(200)
                .body("pool", equalTo("lab-a"), "team", equalTo("analytics"))
                .extract().as(Map.class);
        assertEquals("lab-a", report.get("pool"), "environment lab in eu-west-1 is served first by lab-a");

        report = as(alice).body("""
                {"pool": "lab-d", "cron": "30 23 * * *", "duration": "1h", "vcpu": 4, "memoryMib": 2048,
                 "from": "2028-02-20T00:00:00Z"}""")
                .post("/api/v1/capacity/schedules:validate").then().statusCode(200)
                .body("fits", equalTo(false)).body("runs", equalTo(30))
                .body("conflicts", hasSize(1))
                .body("conflicts[0].run", equalTo("2028-02-29T23:30:00Z"))
                .body("conflicts[0].slices[0].slice", equalTo("2028-02-29T23:30:00Z"))
                .body("conflicts[0].slices[0].shortfall.vcpuMillis", equalTo(2000))
                .body("conflicts[0].slices", hasSize(4))
                .extract().as(Map.class);
        @SuppressWarnings("unchecked")
        List<String> suggested = (List<String>) ((List<Map<String, Object>>) report.get("conflicts")).get(0).get("suggestedStarts");
        assertEquals(3, suggested.size(), String.valueOf(report));
        Instant alternative = Instant.parse(suggested.get(0));
        assertTrue(hold("analytics", "lab-d", 4000, alternative, alternative.plus(Duration.ofHours(1))).granted(),
                "the suggested start " + alternative + " really fits");
        assertTrue(report.get("suggestedOffset") != null, "a shift of the whole schedule is offered: " + report);

        as(alice).body("""
                {"pool": "lab-d", "every": "6h", "duration": "30m", "vcpu": 1, "memoryMib": 512,
                 "from": "2028-03-02T00:00:00Z"}""")
                .post("/api/v1/capacity/schedules:validate").then().statusCode(200)
                .body("fits", equalTo(true)).body("runs", equalTo(120)).body("suggestedOffsetMinutes", equalTo(0));
    }

    @Test
    @Order(5)
    void availableSlotsAndTheHeatmapShowWhatIsBooked() {
        Instant t = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(2).atTime(10, 0).toInstant(java.time.ZoneOffset.UTC);
        book("marketing", "lab-e", 8000, t, t.plus(Duration.ofHours(1)));

        List<String> starts = as(alice).queryParam("from", t.minus(Duration.ofHours(1)).toString())
                .queryParam("to", t.plus(Duration.ofHours(2)).toString()).queryParam("vcpu", "1").queryParam("memory", "1024")
                .queryParam("duration", "30m").queryParam("pool", "lab-e")
                .get("/api/v1/teams/analytics/capacity/available-slots").then().statusCode(200)
                .extract().jsonPath().getList("starts", String.class);
        assertTrue(starts.contains(t.minus(Duration.ofMinutes(30)).toString()), "ends as the booking starts: " + starts);
        assertTrue(starts.contains(t.plus(Duration.ofHours(1)).toString()), starts.toString());
        assertFalse(starts.contains(t.minus(Duration.ofMinutes(15)).toString()), starts.toString());
        assertFalse(starts.contains(t.toString()), starts.toString());
        assertEquals(7, starts.size(), "12 quarter-hours less the 5 whose 30 minutes would touch the booking: " + starts);

        as(mark).get("/api/v1/capacity/pools/lab-e/slices?from=" + t.minus(Duration.ofMinutes(15)) + "&to=" + t.plus(Duration.ofHours(1)))
                .then().statusCode(200)
                .body("slices", hasSize(5))
                .body("slices[0].vcpuMillis", equalTo(0))
                .body("slices[1].start", equalTo(t.toString()))
                .body("slices[1].vcpuMillis", equalTo(8000))
                .body("slices[4].percent", equalTo(100))
                .body("capacity.vcpuMillis", equalTo(8000));
        as(mark).get("/api/v1/capacity/pools/lab-e/slices?from=" + t + "&to=" + t.plus(Duration.ofDays(8)))
                .then().statusCode(400).body("errors[0].field", equalTo("to"))
                .body("detail", containsString("at most 7 days"));
        as(mark).get("/api/v1/capacity/pools/nowhere/slices").then().statusCode(404);
        as(alice).get("/api/v1/capacity/pools").then().statusCode(200).body("name", hasSize(9));
    }

    @Test
    @Order(6)
    void badInputIsA400NamingTheField() {
        String slots = "/api/v1/teams/analytics/capacity/available-slots";
        as(alice).get(slots + "?vcpu=abc&memory=1024&duration=1h&pool=lab-e").then().statusCode(400)
                .contentType(startsWith("application/problem+json")).body("errors[0].field", equalTo("vcpu"));
        as(alice).get(slots + "?vcpu=1&memory=-3&duration=1h&pool=lab-e").then().statusCode(400).body("errors[0].field", equalTo("memory"));
        as(alice).get(slots + "?vcpu=1&memory=1024&duration=soon&pool=lab-e").then().statusCode(400).body("errors[0].field", equalTo("duration"));
        as(alice).get(slots + "?vcpu=1&memory=1024&duration=1h&pool=lab-e&from=yesterday").then().statusCode(400).body("errors[0].field", equalTo("from"));
        as(alice).get(slots + "?vcpu=1&memory=1024&duration=1h&pool=nowhere").then().statusCode(400).body("errors[0].field", equalTo("pool"));
        as(alice).get(slots + "?vcpu=1&memory=1024&duration=1h&environment=moon").then().statusCode(400).body("errors[0].field", equalTo("environment"));
        as(mark).get(slots + "?vcpu=1&memory=1024&duration=1h&pool=lab-e").then().statusCode(404);

        String validate = "/api/v1/capacity/schedules:validate";
        as(alice).body("""
                {"pool": "lab-d", "cron": "61 * * * *", "duration": "1h", "vcpu": 1, "memoryMib": 512}""")
                .post(validate).then().statusCode(400).body("errors[0].field", equalTo("cron"));
        as(alice).body("""
                {"pool": "lab-d", "cron": "0 * * * *", "every": "1h", "duration": "1h", "vcpu": 1, "memoryMib": 512}""")
                .post(validate).then().statusCode(400).body("errors[0].field", equalTo("cron"));
        as(alice).body("""
                {"pool": "lab-d", "cron": "0 * * * *", "duration": "2d", "vcpu": 1, "memoryMib": 512}""")
                .post(validate).then().statusCode(400).body("errors[0].field", equalTo("duration"));
        as(alice).body("""
                {"pool": "lab-d", "cron": "0 * * * *", "duration": "1h", "vcpu": "lots", "memoryMib": 512}""")
                .post(validate).then().statusCode(400).body("errors[0].field", equalTo("vcpu"));
        as(alice).body("""
                {"team": "marketing", "pool": "lab-d", "cron": "0 * * * *", "duration": "1h", "vcpu": 1, "memoryMib": 512}""")
                .post(validate).then().statusCode(404);
        buy(admin, "analytics", """
                {"pool": "lab-a", "kind": "BUDGET", "vcpuHours": 0, "period": "MONTHLY"}""")
                .statusCode(400).body("errors[0].field", equalTo("vcpuHours"));
        buy(admin, "analytics", """
                {"pool": "lab-z", "kind": "DEDICATED", "vcpu": 1, "memoryMib": 1, "validFrom": "2030-01-02T00:00:00Z",
                 "validTo": "2030-01-01T00:00:00Z"}""")
                .statusCode(400).body("errors.field", equalTo(List.of("pool", "validTo")));
    }

    @Test
    @Order(7)
    void redisDownIsA503WithRetryAfterAndTheCalendarComesBackFromPostgres() {
        Instant t = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(3).atTime(8, 0).toInstant(java.time.ZoneOffset.UTC);
        book("analytics", "lab-f", 3000, t, t.plus(Duration.ofMinutes(15)));
        String slices = "/api/v1/capacity/pools/lab-f/slices?from=" + t + "&to=" + t.plus(Duration.ofMinutes(15));

        RedisResource.kill();
        try {
            as(alice).get(slices).then().statusCode(503).header("Retry-After", equalTo("2"))
                    .contentType(startsWith("application/problem+json"))
                    .body("detail", containsString("capacity calendar unavailable"));
        } finally {
            RedisResource.restart();
        }
        // Redis came back empty: the first calls find the pool unready and rebuild it from PostgreSQL.
        Operator.await("the calendar rebuilt", Duration.ofSeconds(30),
                () -> as(alice).get(slices).then().extract().statusCode() == 200);
        as(alice).get(slices).then().statusCode(200).body("slices[0].vcpuMillis", equalTo(3000));
    }

    /** vCPU booked in local-staging's current slice, read as a team lead's heatmap would. */
    static long stagingBooked() {
        return ((Number) as(admin).get("/api/v1/capacity/pools/local-staging/slices").then().statusCode(200)
                .extract().path("slices[0].vcpuMillis")).longValue();
    }

    static ValidatableResponse scale(String id, int warm) {
        return as(alice).body("{\"warmDrivers\": " + warm + "}").post("/api/v1/clusters/" + id + "/scale").then();
    }

    @Test
    @Order(8)
    void aClusterReservesItsWarmDriversFollowsItsScaleAndGivesThemBack() {
        // Template small: a 1-core driver with up to 2 one-core executors, 3 vCPU and 6 GiB per warm driver at its largest.
        String id = as(alice).body("""
                {"name": "cap-nb", "environment": "staging", "template": "small", "ttl": "4h", "warmDrivers": 1, "maxDrivers": 3}""")
                .post("/api/v1/clusters").then().statusCode(201).extract().path("id");
        assertEquals(3000, stagingBooked(), "one warm driver reserved for the TTL");
        // Both refusals below are 409s: the room frees up only when cap-nb's 4 hours end, beyond the 2-hour wait budget.

        as(alice).body("""
                {"name": "cap-big", "environment": "staging", "template": "small", "ttl": "4h", "warmDrivers": 2}""")
                .post("/api/v1/clusters").then().statusCode(409).contentType(startsWith("application/problem+json"))
                .body("detail", containsString("not enough capacity for team analytics: pool local-staging has 5000 mCPU"))
                .body("detail", containsString("short by 1000 mCPU"));
        as(alice).get("/api/v1/clusters?environment=staging").then().statusCode(200).body("items", hasSize(1));
        assertEquals(3000, stagingBooked(), "a refused cluster books nothing");

        scale(id, 2).statusCode(202);
        assertEquals(6000, stagingBooked(), "the added driver is reserved beside the first");
        scale(id, 3).statusCode(409).body("detail", containsString("short by 1000 mCPU"));
        assertEquals(2, (Integer) as(alice).get("/api/v1/clusters/" + id).then().extract().path("warmDrivers"),
                "a scale the pool has no room for changes nothing");
        assertEquals(6000, stagingBooked());

        scale(id, 1).statusCode(202);
        Operator.await("the scaled-down reservation", Duration.ofSeconds(10), () -> stagingBooked() == 3000);
        List<Reservation> held = ledger.committedFor("cluster", id).await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of(new Resources(3000, 6144)), held.stream().map(Reservation::size).toList(),
                "one reservation the size of one warm driver");

        as(alice).delete("/api/v1/clusters/" + id).then().statusCode(202);
        Operator.await("the cluster's capacity given back", Duration.ofSeconds(30), () -> stagingBooked() == 0);
        assertEquals(List.of(), ledger.committedFor("cluster", id).await().atMost(Duration.ofSeconds(5)));
    }
}

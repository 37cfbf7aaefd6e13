package dev.pedregal.gateway.admission;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.capacity.CapacityUnavailable;
import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.capacity.ledger.CapacityLedger;
import dev.pedregal.gateway.capacity.ledger.LedgerCapacities;
import dev.pedregal.gateway.capacity.ledger.LedgerReservations;
import dev.pedregal.gateway.jobs.api.EngineSpec;
import dev.pedregal.gateway.jobs.api.ExecutorResources;
import dev.pedregal.gateway.jobs.api.JobSpec;
import dev.pedregal.gateway.jobs.api.JobsGrpc;
import dev.pedregal.gateway.jobs.api.PodResources;
import dev.pedregal.gateway.jobs.api.ResourceSpec;
import dev.pedregal.gateway.jobs.api.SubmitRequest;
import dev.pedregal.gateway.provisioning.DatabaseFailures;
import dev.pedregal.gateway.support.Oidc;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import dev.pedregal.gateway.support.RedisResource;
import dev.pedregal.gateway.support.TestIssuer;
import com.google.rpc.RetryInfo;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reliability row 47, PostgreSQL down: control-plane writes get 503 problems with Retry-After; a reservation the
 * ledger cannot record is refused and given back to the calendar (fail closed, as with Redis down); an end the ledger
 * cannot record is recorded once it can; refusals keep being audited; and after the database comes back (recovering
 * from its WAL) everything committed before is there and the same requests succeed, without a gateway restart.
 */
@QuarkusTest
@TestProfile(PostgresOutageTest.Lab.class)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestIssuer.class, restrictToAnnotatedClass = true)
class PostgresOutageTest {

    static final String POOL = "lab-pg";

    public static class Lab implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Oidc.secured(
                    Map.entry("pedregal.pool.warm-drivers", "0"),
                    Map.entry("pedregal.capacity.pools." + POOL + ".vcpu", "8"),
                    Map.entry("pedregal.capacity.pools." + POOL + ".memory-mib", "16384"),
                    Map.entry("pedregal.capacity.pools." + POOL + ".environments", "lab"),
                    Map.entry("pedregal.capacity.pools." + POOL + ".region", "eu-west-1"));
        }
    }

    static String admin;
    static String alice;
    static String mark;

    @Inject
    Reservations reservations;
    @Inject
    CapacityCalendar calendar;
    @Inject
    CapacityLedger ledger;
    @Inject
    LedgerCapacities capacities;
    @Inject
    LedgerReservations ledgerReservations;
    @Inject
    Pool database;

    static ManagedChannel channel;

    @AfterAll
    static void closeChannel() {
        channel.shutdownNow();
    }

    @BeforeAll
    static void tokens() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", 15002).usePlaintext().build();
        admin = TestIssuer.token("root", "spark-platform-admins", "");
        alice = TestIssuer.token("alice", "spark-team-analytics", "");
        mark = TestIssuer.token("mark", "spark-team-marketing", "");
    }

    static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    static ValidatableResponse buy(String body) {
        return as(admin).body(body).post("/api/v1/teams/analytics/capacity/purchases").then();
    }

    static final String BUDGET = """
            {"pool": "lab-pg", "kind": "BUDGET", "vcpuHours": 10, "period": "MONTHLY"}""";

    static final String JOB = """
            {"name": "nightly", "team": "analytics", "owner": "alice@pedregal.dev", "environment": "dev", "engine": {"version": "4.0"},
             "resources": {"driver": {"cores": 1, "memory": "512m"},
                           "executor": {"cores": 1, "memory": "512m", "instances": 1}},
             "mainClass": "dev.pedregal.jobs.PiEstimate", "applicationFile": "local:///opt/jobs/pi.jar"}""";

    Reservation reserve(String team, long vcpuMillis, Instant start, Instant end) {
        return reservations.reserve("session", "outage-test", "outage-" + UUID.randomUUID(), team, POOL,
                new Resources(vcpuMillis, 1024), start, end).await().atMost(Duration.ofSeconds(10));
    }

    long booked(Instant slice) {
        return calendar.slices(POOL, slice, slice.plus(Duration.ofMinutes(15)))
                .await().atMost(Duration.ofSeconds(5)).get(0).used().vcpuMillis();
    }

    @Test
    void whilePostgresIsDownWritesAre503sReservationsFailClosedAndNothingCommittedIsLost() throws Exception {
        capacities.seed().await().atMost(Duration.ofSeconds(10));
        ledgerReservations.liveReservations().chain(calendar::rebuild).await().atMost(Duration.ofSeconds(10));
        buy(BUDGET).statusCode(201);
        Instant slice = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS);
        Reservation before = reserve("analytics", 2000, slice, slice.plus(Duration.ofMinutes(15)));
        Reservation endedDuringOutage = reserve("analytics", 1000, slice, slice.plus(Duration.ofMinutes(15)));
        assertEquals(3000, booked(slice));
        ledger.standing("analytics").await().atMost(Duration.ofSeconds(5)); // cached: the next reserve gets to the calendar

        PostgresResource.kill();
        try {
            // Control-plane writes and reads: 503 problems with a retry hint, nothing half-done.
            buy(BUDGET).statusCode(503).header("Retry-After", equalTo("5"))
                    .contentType(startsWith("application/problem+json"))
                    .body("title", equalTo("Temporarily unavailable"));
            as(alice).header("Idempotency-Key", "outage-1").body(JOB).post("/api/v1/executions").then()
                    .statusCode(503).header("Retry-After", equalTo("5"));
            as(alice).get("/api/v1/clusters").then().statusCode(503);
            StatusRuntimeException overGrpc = assertThrows(StatusRuntimeException.class, () -> jobs().submit(
                    SubmitRequest.newBuilder().setIdempotencyKey("outage-2").setSpec(JobSpec.newBuilder().setName("nightly")
                            .setTeam("analytics").setOwner("alice@pedregal.dev").setEnvironment("dev").setEngine(EngineSpec.newBuilder().setVersion("4.0"))
                            .setResources(ResourceSpec.newBuilder()
                                    .setDriver(PodResources.newBuilder().setCores(1).setMemory("512m"))
                                    .setExecutor(ExecutorResources.newBuilder().setCores(1).setMemory("512m").setInstances(1)))
                            .setMainClass("dev.pedregal.jobs.PiEstimate").setApplicationFile("local:///opt/jobs/pi.jar"))
                            .build()));
            assertEquals(Status.Code.UNAVAILABLE, overGrpc.getStatus().getCode(), overGrpc.getMessage());
            assertEquals(DatabaseFailures.RETRY_AFTER.toSeconds(), StatusProto.fromThrowable(overGrpc).getDetailsList().get(0)
                    .unpack(RetryInfo.class).getRetryDelay().getSeconds(), "with the retry hint");

            // A refusal that needs no database is still answered, and audited once the database is back.
            as(mark).body(JOB).post("/api/v1/executions").then().statusCode(403);

            // A reservation the ledger cannot record is refused and not left in the calendar.
            CapacityUnavailable unrecorded = assertThrows(CapacityUnavailable.class,
                    () -> reserve("analytics", 4000, slice, slice.plus(Duration.ofMinutes(15))));
            assertTrue(unrecorded.getMessage().startsWith("capacity ledger unavailable: the reservation could not be recorded"),
                    unrecorded.getMessage());
            assertEquals(3000, booked(slice), "given back to the calendar: a rebuild from the ledger would not know it");
            CapacityUnavailable unread = assertThrows(CapacityUnavailable.class,
                    () -> reserve("finance", 1000, slice, slice.plus(Duration.ofMinutes(15))));
            assertTrue(unread.getMessage().contains("team finance's standing cannot be read"), unread.getMessage());
            assertEquals(3000, booked(slice), "nothing booked for a team whose standing is unknown");

            // An end: the calendar has it at once; the ledger when it can.
            reservations.released(POOL, endedDuringOutage.id(), "a session").await().atMost(Duration.ofSeconds(10));
            assertEquals(2000, booked(slice));
        } finally {
            PostgresResource.restart();
        }

        // Back, with no restart of the gateway: the end recorded by the background retry, nothing committed lost.
        Operator.await("the end recorded after the outage", Duration.ofSeconds(60), () -> !ids().contains(endedDuringOutage.id()));
        assertTrue(ids().contains(before.id()), "a reservation committed before the crash survives it");
        buy(BUDGET).statusCode(201);
        as(alice).get("/api/v1/teams/analytics/capacity/balance").then().statusCode(200)
                .body("activePurchases", hasSize(2));
        as(alice).get("/api/v1/executions").then().statusCode(200).body("total", equalTo(0));
        Operator.await("the refusal made during the outage audited", Duration.ofSeconds(30), () -> database
                .preparedQuery("SELECT count(*) FROM audit_event WHERE user_id = $1 AND action = 'job_submit' AND outcome = 'denied'")
                .execute(Tuple.of("mark")).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0) == 1);
        Reservation after = reserve("analytics", 4000, slice, slice.plus(Duration.ofMinutes(15)));
        assertEquals(6000, booked(slice));
        assertTrue(ids().contains(after.id()));
    }

    static JobsGrpc.JobsBlockingStub jobs() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + alice);
        return JobsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    List<String> ids() {
        return ledgerReservations.liveReservations().await().atMost(Duration.ofSeconds(10)).stream().map(Reservation::id).toList();
    }
}

package dev.pedregal.gateway.jobs.executions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.jobs.ExecutionEvent;
import dev.pedregal.gateway.jobs.kubernetes.ApplicationSweeper;
import dev.pedregal.gateway.support.KubernetesMockResource;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import dev.pedregal.gateway.support.SparkOperator;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;

/**
 * Batch jobs with several gateway replicas sharing one PostgreSQL: this process's service is replica A, and a test
 * builds replica B beside it (its own lease holder, driver and lease keeper over the same store, placement and
 * Kubernetes cluster, as a second process would have). Jobs run as SparkApplications on the fabric8 mock; the test
 * plays the operator. Leases last 2 s and are renewed every 0.5 s. Also the sweep of finished SparkApplications:
 * one that finished hours before the gateway started is deleted at startup, one whose execution is unfinished is
 * not.
 */
@QuarkusTest
@TestProfile(JobReplicasTest.TwoReplicas.class)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = JobReplicasTest.WithOldApplications.class, restrictToAnnotatedClass = true)
class JobReplicasTest {

    public static class TwoReplicas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.pool.warm-drivers", "0",
                    "pedregal.jobs.lease.duration", "2s",
                    "pedregal.jobs.lease.renew-interval", "500ms",
                    // Only the startup sweep runs by itself here.
                    "pedregal.jobs.sweep-interval", "1h");
        }
    }

    static final String NAMESPACE = "sjns-analytics-dev";
    /** Finished three hours before the gateway started (retention: 1 h), its execution unknown to the gateway. */
    static final String OLD = "old-job-0a1b2c3d-1";
    /** Finished as the gateway started: within the retention. */
    static final String RECENT = "recent-job-4e5f6a7b-1";

    /** The mock cluster, holding two finished batch applications from before the gateway starts. */
    public static class WithOldApplications extends KubernetesMockResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = super.start();
            try (SparkOperator before = new SparkOperator(NAMESPACE)) {
                before.finished(OLD, UUID.randomUUID().toString(), SparkOperator.status("COMPLETED", "",
                        Instant.now().minus(Duration.ofHours(3))));
                before.finished(RECENT, UUID.randomUUID().toString(), SparkOperator.status("COMPLETED", ""));
            }
            return config;
        }
    }

    static SparkOperator operator;

    @Inject
    ExecutionDriver driver;
    @Inject
    ExecutionLeases leases;
    @Inject
    LeaseKeeper keeper;
    @Inject
    ApplicationSweeper sweeper;
    @Inject
    ExecutionStore store;
    @Inject
    JobPlacement placement;
    @Inject
    JobAdmission admission;
    @Inject
    ExecutionChanges changes;
    @Inject
    JobsConfig config;
    @Inject
    DatabaseContext database;
    @Inject
    Vertx vertx;

    @BeforeAll
    static void connect() {
        operator = new SparkOperator(NAMESPACE);
    }

    @AfterAll
    static void disconnect() {
        operator.close();
    }

    /** Another gateway replica: its own leases, driver and keeper, over this process's store and runners. */
    final class Replica implements AutoCloseable {
        final ExecutionLeases leases;
        final ExecutionDriver driver;
        final LeaseKeeper keeper;

        /** The executions this replica asked admission for. */
        final List<String> admitted = new java.util.concurrent.CopyOnWriteArrayList<>();

        Replica(String name) {
            leases = new ExecutionLeases(database, config, name);
            JobAdmission counted = new JobAdmission() {
                @Override
                public io.smallrye.mutiny.Uni<Void> admit(dev.pedregal.gateway.jobs.ResolvedJob job, String executionId) {
                    admitted.add(executionId);
                    return admission.admit(job, executionId);
                }

                @Override
                public io.smallrye.mutiny.Uni<Void> ended(dev.pedregal.gateway.jobs.ResolvedJob job, String executionId,
                        dev.pedregal.gateway.jobs.ExecutionState state) {
                    return admission.ended(job, executionId, state);
                }
            };
            driver = new ExecutionDriver(store, placement, counted, config, vertx, leases, changes);
            keeper = new LeaseKeeper(driver, leases, vertx, config, true);
            keeper.start();
        }

        boolean drives(String id) {
            return driver.driven().contains(UUID.fromString(id));
        }

        /** Dies: renews nothing and drives nothing any more; its leases are left to run out. */
        @Override
        public void close() {
            keeper.stop();
            driver.releaseAll();
        }
    }

    boolean drives(String id) {
        return driver.driven().contains(UUID.fromString(id));
    }

    @Test
    void aReplicaThatLostItsLeaseStopsDrivingWithoutTouchingTheRunAndTheOtherEndsTheExecution() {
        try (Replica b = new Replica("replica-b")) {
            String id = running("lease-lost", "");
            String run = runName("lease-lost", id, 1);
            // A submitted it, so A drives it; while A renews, B (scanning all along) never takes it.
            Instant firstLease = leaseUntil(id);
            Operator.await("A's lease renewed past its first end", Duration.ofSeconds(30),
                    () -> leaseUntil(id).isAfter(firstLease.plusSeconds(2)));
            assertEquals(leases.holder(), drivenBy(id));
            assertTrue(drives(id));
            assertFalse(b.drives(id), "one replica drives it");

            takenOverBy(b, id);
            assertNotNull(operator.application(run), "A left the run alone");
            assertEquals("RUNNING", get(id).get("state"));
            assertTrue(b.drives(id));

            operator.drive(run, SparkOperator.status("COMPLETED", ""), () -> terminal(id));
            assertEquals("SUCCEEDED", get(id).get("state"));
            assertEquals(List.of("SUBMITTED", "STARTED", "SUCCEEDED"), events(id));
            Operator.await("B to stop driving the ended execution", Duration.ofSeconds(30), () -> !b.drives(id));
        }
    }

    @Test
    void aReplicaTakingOverAFirstAttemptNotYetStartedAsksAdmissionAgainAndRunsItOnce() {
        try (Replica b = new Replica("replica-b")) {
            String id = submitted("lease-unstarted", "");
            String run = runName("lease-unstarted", id, 1);
            operator.awaitApplication(run);
            assertEquals("SUBMITTED", get(id).get("state"), "the operator has not reported it started");
            // A may have died before admitting it: B cannot know, so it asks (admission is idempotent by id).
            takenOverBy(b, id);
            assertEquals(List.of(id), b.admitted);
            operator.drive(run, SparkOperator.status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));
            operator.drive(run, SparkOperator.status("COMPLETED", ""), () -> terminal(id));
            assertEquals("SUCCEEDED", get(id).get("state"));
            assertEquals(List.of("SUBMITTED", "STARTED", "SUCCEEDED"), events(id), "one attempt, its run answered again");
            assertNull(operator.application(runName("lease-unstarted", id, 2)), "no second run");
        }
    }

    /**
     * A stops renewing (a long pause, PostgreSQL out of its reach) but drives on, until B has taken the lease over;
     * then A renews again, misses the execution, and stops driving it.
     */
    void takenOverBy(Replica b, String id) {
        keeper.stop();
        try {
            Operator.await("B to take the lease over", Duration.ofSeconds(30),
                    () -> b.leases.holder().equals(drivenBy(id)) && b.drives(id));
            assertTrue(drives(id), "A has not noticed yet");
            // What A still observes changes nothing now: the execution is no longer A's to drive.
            assertNull(store.transition(UUID.fromString(id), leases.holder(), 1, ExecutionEvent.SUCCEEDED, "late",
                    e -> e.finishedAt = Instant.now()).await().atMost(Duration.ofSeconds(30)));
        } finally {
            keeper.start();
        }
        Operator.await("A to stop driving it", Duration.ofSeconds(30), () -> !drives(id));
    }

    @Test
    void aCancelServedByAReplicaThatDoesNotDriveTheExecutionStopsItsRunAndTheDriverLetsGo() {
        try (Replica b = new Replica("replica-b")) {
            String id = running("lease-cancel", "");
            String run = runName("lease-cancel", id, 1);
            takenOverBy(b, id);

            // A serves the cancel: the state changes first, then A stops the run itself (runners stop a run from
            // any replica); B hears that the execution ended and stops driving it.
            RestAssured.given().contentType("application/json").body("{\"reason\": \"wrong input\"}")
                    .post("/api/v1/executions/" + id + "/cancel").then().statusCode(200);
            assertEquals("CANCELLED", get(id).get("state"));
            Operator.await("the application deleted", Duration.ofSeconds(30), () -> operator.application(run) == null);
            Operator.await("B to stop driving the cancelled execution", Duration.ofSeconds(30), () -> !b.drives(id));
            assertEquals(List.of("SUBMITTED", "STARTED", "CANCELLED"), events(id));
            assertNull(operator.application(runName("lease-cancel", id, 2)), "not taken for a failure and retried");
        }
    }

    @Test
    void anExecutionWhoseReplicaDiesIsTakenOverOnceItsLeaseRanOutAndEndsExactlyOnce() {
        Replica b = new Replica("replica-b");
        try {
            String id = running("lease-died", ", \"retryPolicy\": {\"maxRetries\": 2, \"interval\": \"PT1S\","
                    + " \"backoffMultiplier\": 1.0, \"maxInterval\": \"PT1S\"}");
            String first = runName("lease-died", id, 1);
            assertEquals(leases.holder(), drivenBy(id));

            // A dies: no renewal, no watch, no timer.
            keeper.stop();
            driver.releaseAll();
            Operator.await("B to take the execution over once A's lease ran out", Duration.ofSeconds(30),
                    () -> b.leases.holder().equals(drivenBy(id)) && b.drives(id));

            // B drives it from where it was: the running attempt fails (platform), is retried once, and succeeds.
            operator.drive(first, SparkOperator.status("FAILED", ""), () -> events(id).contains("RETRYING"));
            String second = runName("lease-died", id, 2);
            operator.awaitApplication(second);
            operator.drive(second, SparkOperator.status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));
            operator.drive(second, SparkOperator.status("COMPLETED", ""), () -> terminal(id));

            Map<String, Object> done = get(id);
            assertEquals("SUCCEEDED", done.get("state"));
            assertEquals(2, done.get("attempt"));
            assertEquals(List.of("SUBMITTED", "STARTED", "RETRYING", "STARTED", "SUCCEEDED"), events(id),
                    "one set of events: nothing recorded twice, no attempt started twice");
            assertNull(operator.application(runName("lease-died", id, 3)), "no third attempt");
        } finally {
            b.close();
            keeper.start();
        }
    }

    @Test
    void aSparkApplicationThatFinishedBeforeTheGatewayStartedIsDeletedAtStartup() {
        Operator.await("the old application swept at startup", Duration.ofSeconds(60),
                () -> operator.application(OLD) == null);
        assertNotNull(operator.application(RECENT), "one within the retention is kept");
    }

    @Test
    void theSweepKeepsAFinishedApplicationWhileItsExecutionIsUnfinished() {
        // An execution another replica drives (its lease far from running out), whose application finished long
        // ago: that replica has yet to read the outcome, and would run the attempt again if the application went.
        UUID id = UUID.randomUUID();
        String run = "unread-" + id.toString().substring(0, 8) + "-1";
        sql("insert into execution (id, team, owner, name, environment, state, attempt, spec, spark_conf, image, "
                + "spark_version, target, submitted_by, submitted_at, updated_at, deadline_at, driven_by, lease_until) "
                + "values (?, 'analytics', 'alice@pedregal.dev', 'unread', 'dev', 'RUNNING', 1, '{}', '{}', "
                + "'apache/spark:4.0.1', '4.0.1', 'mock', 'alice', now(), now(), now() + interval '1 hour', "
                + "'replica-elsewhere', now() + interval '1 hour')", id);
        operator.finished(run, id.toString(), SparkOperator.status("COMPLETED", "",
                Instant.now().minus(Duration.ofHours(3))));

        sweeper.sweep().await().atMost(Duration.ofSeconds(30));
        assertNotNull(operator.application(run), "kept while the execution is unfinished");

        sql("update execution set state = 'SUCCEEDED', finished_at = now() where id = ?", id);
        assertTrue(sweeper.sweep().await().atMost(Duration.ofSeconds(30)) >= 1);
        assertNull(operator.application(run), "deleted once the execution has ended");
    }

    // Helpers.

    static String submitted(String name, String extra) {
        String body = """
                {"name": "%s", "team": "analytics", "owner": "alice@pedregal.dev", "environment": "dev",
                 "engine": {"version": "4.0"},
                 "resources": {"driver": {"cores": 1, "memory": "1g"},
                               "executor": {"cores": 1, "memory": "1g", "instances": 1}},
                 "mainClass": "dev.pedregal.jobs.PiEstimate",
                 "applicationFile": "local:///opt/spark/examples/jars/pedregal-examples.jar"%s}"""
                .formatted(name, extra);
        return RestAssured.given().contentType("application/json").body(body).post("/api/v1/executions").then()
                .statusCode(201).extract().path("execution.id");
    }

    /** A job submitted to this replica (A), its first attempt's application created and reported running. */
    static String running(String name, String extra) {
        String id = submitted(name, extra);
        String run = runName(name, id, 1);
        operator.awaitApplication(run);
        operator.drive(run, SparkOperator.status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));
        return id;
    }

    static Map<String, Object> get(String id) {
        return RestAssured.get("/api/v1/executions/" + id).then().statusCode(200).extract().as(Map.class);
    }

    static boolean terminal(String id) {
        return Set.of("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "DEAD_LETTER").contains(get(id).get("state"));
    }

    static List<String> events(String id) {
        return RestAssured.get("/api/v1/executions/" + id + "/events").then().statusCode(200).extract().path("event");
    }

    static String runName(String job, String id, int attempt) {
        return job + "-" + id.substring(0, 8) + "-" + attempt;
    }

    static String drivenBy(String id) {
        return (String) column("driven_by", id);
    }

    static Instant leaseUntil(String id) {
        Object at = column("lease_until", id);
        return at instanceof java.time.OffsetDateTime t ? t.toInstant() : ((java.sql.Timestamp) at).toInstant();
    }

    static Object column(String column, String id) {
        try (Connection c = database(); PreparedStatement s = c.prepareStatement("select " + column
                + " from execution where id = ?")) {
            s.setObject(1, UUID.fromString(id));
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next(), "execution " + id);
                return r.getObject(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sql(String statement, UUID id) {
        try (Connection c = database(); PreparedStatement s = c.prepareStatement(statement)) {
            s.setObject(1, id);
            assertEquals(1, s.executeUpdate(), statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static Connection database() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PostgresResource.PORT + "/pedregal",
                "pedregal", "pedregal");
    }
}

package dev.pedregal.gateway.jobs;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.jobs.api.EngineSpec;
import dev.pedregal.gateway.jobs.api.ExecutorResources;
import dev.pedregal.gateway.jobs.api.JobState;
import dev.pedregal.gateway.jobs.api.JobsGrpc;
import dev.pedregal.gateway.jobs.api.PodResources;
import dev.pedregal.gateway.jobs.api.ResourceSpec;
import dev.pedregal.gateway.jobs.api.SubmitRequest;
import dev.pedregal.gateway.jobs.api.SubmitResponse;
import dev.pedregal.gateway.jobs.api.WatchRequest;
import dev.pedregal.gateway.jobs.executions.ReplicaChanges;
import dev.pedregal.gateway.support.KubernetesMockResource;
import dev.pedregal.gateway.support.Oidc;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import dev.pedregal.gateway.support.RedisResource;
import dev.pedregal.gateway.support.SparkOperator;
import dev.pedregal.gateway.support.TestIssuer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Batch jobs placed on a Kubernetes cluster (the fabric8 mock API server in CRUD mode, kubeflow operator) through
 * the real service: submitted over gRPC and REST by a user with a signed token, run as SparkApplications in the
 * team namespace, their state following the operator's status through the runner's watch (this test plays the
 * operator), cancelled by deleting the application, and cleaned up after the retention. The capacity calendar is
 * on (a real Redis, a pool of 6 vCPU) and executions and the ledger are in a real PostgreSQL: a job reserves its
 * largest size for its timeout, gives it back when it ends and is charged its runtime; one that does not fit ends
 * FAILED "not admitted" and books nothing.
 *
 * <p>
 * The mock API server does not replay changes made between a watch's first read and its connection (a real one
 * does, from the resourceVersion), and the test cannot see when the gateway's watch is open; so it re-applies a
 * status until the gateway reports it. The gateway never polls: what it reports came from its watch (or the read
 * that opens it).
 */
@QuarkusTest
@TestProfile(KubernetesJobsTest.OnKubernetes.class)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = KubernetesMockResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestIssuer.class, restrictToAnnotatedClass = true)
class KubernetesJobsTest {

    public static class OnKubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Oidc.secured(
                    Map.entry("pedregal.pool.warm-drivers", "0"),
                    // Finished applications are deleted 2 s after they end.
                    Map.entry("pedregal.jobs.retention", "2s"),
                    Map.entry("pedregal.capacity.pools.local-dev.vcpu", "6"),
                    Map.entry("pedregal.capacity.pools.local-dev.memory-mib", "16384"));
        }
    }

    static final String NAMESPACE = "sjns-analytics-dev";
    static final String POOL = "local-dev";
    static final String JAR = "local:///opt/spark/examples/jars/pedregal-examples.jar";
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "DEAD_LETTER");

    static SparkOperator operator;
    static KubernetesClient kubernetes;

    @Inject
    ReplicaChanges replicas;
    static ManagedChannel channel;
    static String alice;

    @BeforeAll
    static void connect() throws Exception {
        operator = new SparkOperator(NAMESPACE);
        kubernetes = operator.kubernetes;
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", 15002).usePlaintext().build();
        alice = TestIssuer.token("alice", "spark-team-analytics", "");
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
        operator.close();
    }

    /** The calendar answers: a first call may find it still loading from PostgreSQL (and start that). */
    @BeforeEach
    void calendarReady() {
        Operator.await("the capacity calendar to answer", Duration.ofSeconds(60), () -> as(alice)
                .get("/api/v1/capacity/pools/" + POOL + "/slices").statusCode() == 200);
    }

    @Test
    void aJobSubmittedOverGrpcRunsAsASparkApplicationInTheTeamNamespaceAndFollowsItsStatus() {
        SubmitResponse submitted = grpc().submit(SubmitRequest.newBuilder().setSpec(grpcSpec("k8s-pi"))
                .setIdempotencyKey("k8s-" + UUID.randomUUID()).build());
        assertEquals(JobState.JOB_STATE_SUBMITTED, submitted.getState());
        String id = submitted.getExecutionId();
        String run = runName("k8s-pi", id, 1);

        // The gRPC Watch, opened before anything happens to the application.
        try (Watching watching = new Watching(id)) {
            GenericKubernetesResource application = awaitApplication(run);
            assertEquals(NAMESPACE, application.getMetadata().getNamespace(), "the team namespace");
            assertNotNull(kubernetes.namespaces().withName(NAMESPACE).get(), "onboarded before the first run");
            assertEquals(id, application.getMetadata().getAnnotations().get("pedregal.dev/execution-id"));
            assertEquals("analytics", application.getMetadata().getLabels().get("pedregal.dev/team"));
            Map<String, Object> spec = application.get("spec");
            assertEquals("apache/spark:4.0.1", spec.get("image"));
            assertEquals("dev.pedregal.jobs.PiEstimate", spec.get("mainClass"));
            assertEquals(JAR, spec.get("mainApplicationFile"));
            assertEquals("8", ((Map<?, ?>) spec.get("sparkConf")).get("spark.sql.shuffle.partitions"),
                    "the environment's defaults");
            assertEquals("mock", get(id).get("target"));

            drive(run, status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));
            Map<String, Object> running = get(id);
            assertEquals(NAMESPACE + "/" + run, running.get("vendorRunId"));
            assertEquals("http://10.4.0.7:4040", running.get("sparkUiUrl"), "the operator's driver UI address");
            drive(run, status("COMPLETED", ""), () -> terminal(id));

            assertEquals(List.of(JobState.JOB_STATE_SUBMITTED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED),
                    watching.all(), "every change streamed, the stream ending at the terminal state");
        }
        Map<String, Object> done = get(id);
        assertEquals("SUCCEEDED", done.get("state"));
        assertNotNull(done.get("finishedAt"));
        assertEquals(List.of("SUBMITTED", "STARTED", "SUCCEEDED"), events(id));
        Operator.await("the finished application removed after the retention", Duration.ofSeconds(30),
                () -> application(run) == null);
    }

    @Test
    void aDriverKilledAtItsMemoryLimitIsRetriedAsANewApplicationAndAFailedDriverEndsTheJob() {
        String id = submitted(spec("k8s-flaky", 1, 0, ", \"retryPolicy\": {\"maxRetries\": 2, \"interval\": \"PT1S\","
                + " \"backoffMultiplier\": 1.0, \"maxInterval\": \"PT1S\"}"));
        String first = runName("k8s-flaky", id, 1);
        awaitApplication(first);
        drive(first, status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));
        driverPod(first, "OOMKilled", 137);
        drive(first, status("FAILED", "driver container failed with ExitCode: 137, Reason: OOMKilled"),
                () -> events(id).contains("RETRYING"));

        // PLATFORM: attempt 2 is a new SparkApplication.
        String second = runName("k8s-flaky", id, 2);
        awaitApplication(second);
        Map<String, Object> retrying = get(id);
        assertEquals(2, retrying.get("attempt"));
        assertEquals("PLATFORM", retrying.get("failureClass"));
        assertTrue(((String) retrying.get("hint")).contains("memoryOverhead"), retrying.toString());

        drive(second, status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));
        driverPod(second, "Error", 1);
        drive(second, status("FAILED", "driver container failed with ExitCode: 1, Reason: Error"), () -> terminal(id));

        // USER: not retried although retries are left.
        Map<String, Object> failed = get(id);
        assertEquals("FAILED", failed.get("state"));
        assertEquals(2, failed.get("attempt"));
        assertEquals("USER", failed.get("failureClass"));
        assertTrue(((String) failed.get("reason")).contains("exited with code 1"), failed.toString());
        assertEquals(List.of("SUBMITTED", "STARTED", "RETRYING", "STARTED", "FAILED"), events(id));
        Operator.await("both attempts' applications removed after the retention", Duration.ofSeconds(30),
                () -> application(first) == null && application(second) == null);
    }

    @Test
    void cancellingAJobDeletesItsApplicationAndTheDeletionIsNotMistakenForAFailure() {
        String id = submitted(spec("k8s-cancel", 1, 0, ""));
        String run = runName("k8s-cancel", id, 1);
        awaitApplication(run);
        drive(run, status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));

        as(alice).body("{\"reason\": \"wrong input\"}").post("/api/v1/executions/" + id + "/cancel").then()
                .statusCode(200).body("state", equalTo("CANCELLED"));
        Operator.await("the application deleted", Duration.ofSeconds(30), () -> application(run) == null);
        // The watch saw the deletion (a failed run, to it); the execution stays CANCELLED and is not retried.
        Operator.await("the capacity given back", Duration.ofSeconds(30), () -> bookedSlices().isEmpty());
        Map<String, Object> cancelled = get(id);
        assertEquals("CANCELLED", cancelled.get("state"));
        assertEquals(1, cancelled.get("attempt"));
        assertEquals(List.of("SUBMITTED", "STARTED", "CANCELLED"), events(id));
        assertNull(application(runName("k8s-cancel", id, 2)), "no second attempt");
    }

    @Test
    void aJobReservesItsLargestSizeForItsTimeoutIsChargedItsRuntimeAndAJobThatDoesNotFitBooksNothing() {
        Operator.await("the other tests' jobs to give their capacity back", Duration.ofSeconds(30),
                () -> bookedSlices().isEmpty());
        // Driver 1 vCPU / 1 GiB and up to 3 executors of 1 vCPU / 1 GiB: 4 vCPU, 4 GiB for 40 minutes.
        String id = submitted(spec("k8s-sized", 1, 3, ", \"timeout\": \"PT40M\""));
        String run = runName("k8s-sized", id, 1);
        awaitApplication(run);
        Map<String, Object> reservation = row("select * from capacity_reservation where id = ?", "job-" + id);
        assertEquals("job", reservation.get("kind"));
        assertEquals(id, reservation.get("subject"));
        assertEquals("analytics", reservation.get("team"));
        assertEquals(POOL, reservation.get("pool"));
        assertEquals(4000L, reservation.get("vcpu_millis"));
        assertEquals(4096L, reservation.get("memory_mib"));
        assertEquals("committed", reservation.get("state"));
        Instant start = instant(reservation.get("start_at"));
        Instant end = instant(reservation.get("end_at"));
        Duration reserved = Duration.between(start, end);
        assertTrue(reserved.equals(Duration.ofMinutes(40)) || reserved.equals(Duration.ofMinutes(40).plusSeconds(1)),
                "for its timeout, widened outward to whole seconds: " + reserved);
        // Every 15-minute slice the timeout covers holds the job's size, and no other slice anything.
        Instant firstSlice = Instant.ofEpochSecond(start.getEpochSecond() / 900 * 900);
        Map<Instant, Long> booked = bookedSlices(firstSlice);
        Map<Instant, Long> expected = new LinkedHashMap<>();
        for (Instant s = firstSlice; s.isBefore(end); s = s.plus(Duration.ofMinutes(15))) {
            expected.put(s, 4000L);
        }
        assertEquals(expected, booked);

        // A second job of the same size does not fit beside it: refused before it runs, with the shortfall.
        String refusedId = submitted(spec("k8s-too-big", 1, 3, ", \"timeout\": \"PT40M\""));
        Operator.await("the refusal", Duration.ofSeconds(30), () -> terminal(refusedId));
        Map<String, Object> refused = get(refusedId);
        assertEquals("FAILED", refused.get("state"));
        String reason = (String) refused.get("reason");
        assertTrue(reason.startsWith("not admitted: not enough capacity for team analytics: pool local-dev has 2000 mCPU"),
                reason);
        assertTrue(reason.contains("4000 mCPU, 4096 MiB requested (short by 2000 mCPU, 0 MiB)"), reason);
        assertEquals(List.of("SUBMITTED", "FAILED"), events(refusedId));
        assertNull(row("select * from capacity_reservation where id = ?", "job-" + refusedId), "nothing booked");
        assertEquals(expected, bookedSlices(firstSlice), "the calendar holds the first job only");
        assertNull(application(runName("k8s-too-big", refusedId, 1)), "nothing run");

        drive(run, status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));
        drive(run, status("COMPLETED", ""), () -> terminal(id));
        assertEquals("SUCCEEDED", get(id).get("state"));
        Operator.await("the slices back to zero", Duration.ofSeconds(30), () -> bookedSlices(firstSlice).isEmpty());
        Operator.await("the reservation released", Duration.ofSeconds(30), () -> "released".equals(
                row("select state from capacity_reservation where id = ?", "job-" + id).get("state")));
        Instant released = instant(row("select released_at from capacity_reservation where id = ?", "job-" + id)
                .get("released_at"));
        Map<String, Object> charge = row("select * from capacity_charge where reservation_id = ?", "job-" + id);
        assertNotNull(charge, "the runtime is charged");
        assertEquals("analytics", charge.get("team"));
        assertEquals(start, instant(charge.get("ran_from")));
        assertEquals(released, instant(charge.get("ran_to")));
        long seconds = (Duration.between(start, released).toMillis() + 999) / 1000;
        assertTrue(seconds > 0);
        assertEquals(4000L * seconds, charge.get("mcpu_seconds"), "4 vCPU × the seconds it held them, not its timeout");
        assertNull(row("select * from capacity_charge where reservation_id = ?", "job-" + refusedId));
    }

    /**
     * Reliability rows 44 and 47 for jobs: Redis away at submit delays admission instead of failing the job, and an
     * outcome the operator reports while PostgreSQL is away is recorded once it is back.
     */
    @Test
    void outagesOfRedisAndPostgresDelayAJobAndLoseNothing() throws Exception {
        String id;
        RedisResource.kill();
        try {
            id = submitted(spec("k8s-outage", 1, 0, ""));
            Thread.sleep(2000); // several admission tries fail meanwhile
            assertEquals("SUBMITTED", get(id).get("state"), "waiting for admission, not failed: " + get(id).get("reason"));
        } finally {
            RedisResource.restart();
        }
        String run = runName("k8s-outage", id, 1);
        awaitApplication(run);
        drive(run, status("RUNNING", ""), () -> "RUNNING".equals(get(id).get("state")));

        PostgresResource.kill();
        try {
            drive(run, status("COMPLETED", ""), () -> true);
            Thread.sleep(2000); // the watch reports the end; recording it fails while the database is away
        } finally {
            PostgresResource.restart();
        }
        Operator.await("the end recorded once PostgreSQL is back", Duration.ofSeconds(60), () -> terminal(id));
        assertEquals("SUCCEEDED", get(id).get("state"));
        assertEquals(List.of("SUBMITTED", "STARTED", "SUCCEEDED"), events(id), "every change once, in order");
    }

    @Test
    void aWatchSeesAChangeAnotherReplicaCommits() {
        String id = submittedWhileListening("k8s-replicas");
        try (Watching watching = new Watching(id)) {
            // Replica B (here its SQL, on a connection of its own) starts the execution, as its ExecutionStore does.
            otherReplicaStarts(id, true);
            seenRunningThenCompleted(id, "k8s-replicas", watching);
        }
        assertEquals(List.of("SUBMITTED", "STARTED", "SUCCEEDED"), events(id));
    }

    @Test
    void aChangeMissedWhileNotListeningIsReadWhenListeningAgain() {
        String id = submittedWhileListening("k8s-relisten");
        try (Watching watching = new Watching(id)) {
            // A change whose notification this replica never got (as when it was sent while no one listened)...
            otherReplicaStarts(id, false);
            // ...is read when the LISTEN connection, lost, is established again.
            assertEquals(1L, row("select count(pg_terminate_backend(pid)) as killed from pg_stat_activity where "
                    + "query ilike 'LISTEN%' || ? || '%' and pid <> pg_backend_pid()", ReplicaChanges.CHANNEL)
                    .get("killed"), "one listening connection");
            seenRunningThenCompleted(id, "k8s-relisten", watching);
        }
    }

    /** A job submitted, its application created, and this replica listening for other replicas' changes. */
    String submittedWhileListening(String name) {
        String id = submitted(spec(name, 1, 0, ""));
        awaitApplication(runName(name, id, 1));
        Operator.await("this replica listening for other replicas' changes", Duration.ofSeconds(30),
                replicas::listening);
        return id;
    }

    /** The watch streams RUNNING, made elsewhere; then the application completes and the stream ends SUCCEEDED. */
    static void seenRunningThenCompleted(String id, String name, Watching watching) {
        Operator.await("the watch on this replica to stream the change made elsewhere", Duration.ofSeconds(30),
                () -> watching.seen.size() >= 2);
        assertEquals(JobState.JOB_STATE_RUNNING, watching.seen.get(1));
        drive(runName(name, id, 1), status("COMPLETED", ""), () -> terminal(id));
        assertEquals(List.of(JobState.JOB_STATE_SUBMITTED, JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_SUCCEEDED),
                watching.all());
    }

    /**
     * What another replica's {@code ExecutionStore.transition} commits for STARTED: the row, the event and, when
     * {@code notify}, the notification.
     */
    static void otherReplicaStarts(String id, boolean notify) {
        try (Connection c = database()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement("update execution set state = 'RUNNING', "
                    + "started_at = now(), updated_at = now(), version = version + 1 where id = ? and state = 'SUBMITTED'");
                    PreparedStatement event = c.prepareStatement("insert into execution_event (execution_id, at, "
                            + "attempt, event, from_state, to_state, detail) values (?, now(), 1, 'STARTED', 'SUBMITTED', "
                            + "'RUNNING', 'replica b')");
                    PreparedStatement announce = c.prepareStatement("select pg_notify(?, ?)")) {
                update.setObject(1, UUID.fromString(id));
                assertEquals(1, update.executeUpdate());
                event.setObject(1, UUID.fromString(id));
                event.executeUpdate();
                if (notify) {
                    announce.setString(1, ReplicaChanges.CHANNEL);
                    announce.setString(2, id);
                    announce.executeQuery().close();
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    // Helpers.

    /** A gRPC Watch of one execution, read in the background; open once its first item (the current state) came. */
    static final class Watching implements AutoCloseable {
        final List<JobState> seen = new CopyOnWriteArrayList<>();
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final Future<?> done;

        Watching(String id) {
            CountDownLatch first = new CountDownLatch(1);
            done = thread.submit(() -> {
                Iterator<dev.pedregal.gateway.jobs.api.ExecutionState> watch = grpc()
                        .withDeadlineAfter(3, TimeUnit.MINUTES).watch(WatchRequest.newBuilder().setExecutionId(id).build());
                while (watch.hasNext()) {
                    seen.add(watch.next().getState());
                    first.countDown();
                }
                return null;
            });
            try {
                assertTrue(first.await(30, TimeUnit.SECONDS), "the watch answers the current state first");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** Everything streamed, once the stream has ended. */
        List<JobState> all() {
            try {
                done.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the watch did not end: " + seen, e);
            }
            return List.copyOf(seen);
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }

    static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    static JobsGrpc.JobsBlockingStub grpc() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + alice);
        return JobsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static dev.pedregal.gateway.jobs.api.JobSpec.Builder grpcSpec(String name) {
        return dev.pedregal.gateway.jobs.api.JobSpec.newBuilder().setName(name).setTeam("analytics")
                .setOwner("alice@pedregal.dev").setEnvironment("dev").setEngine(EngineSpec.newBuilder().setVersion("4.0"))
                .setResources(ResourceSpec.newBuilder().setDriver(PodResources.newBuilder().setCores(1).setMemory("1g"))
                        .setExecutor(ExecutorResources.newBuilder().setCores(1).setMemory("1g").setInstances(1)))
                .setMainClass("dev.pedregal.jobs.PiEstimate").setApplicationFile(JAR);
    }

    /** A job of a 1 vCPU / 1 GiB driver and executors of the same size, {@code instances}, up to {@code max}. */
    static String spec(String name, int instances, int max, String extra) {
        String executors = max > 0 ? "\"instances\": " + instances + ", \"minInstances\": 1, \"maxInstances\": " + max
                : "\"instances\": " + instances;
        return """
                {"name": "%s", "team": "analytics", "owner": "alice@pedregal.dev", "environment": "dev",
                 "engine": {"version": "4.0"},
                 "resources": {"driver": {"cores": 1, "memory": "1g"},
                               "executor": {"cores": 1, "memory": "1g", %s}},
                 "mainClass": "dev.pedregal.jobs.PiEstimate", "applicationFile": "%s"%s}"""
                .formatted(name, executors, JAR, extra);
    }

    static String submitted(String body) {
        return as(alice).body(body).post("/api/v1/executions").then().statusCode(201).extract().path("execution.id");
    }

    static Map<String, Object> get(String id) {
        return as(alice).get("/api/v1/executions/" + id).then().statusCode(200).extract().as(Map.class);
    }

    static boolean terminal(String id) {
        return TERMINAL.contains(get(id).get("state"));
    }

    static List<String> events(String id) {
        return as(alice).get("/api/v1/executions/" + id + "/events").then().statusCode(200).extract().path("event");
    }

    /** The run name of an attempt: job name, the id's first 8 characters, the attempt. */
    static String runName(String job, String id, int attempt) {
        return job + "-" + id.substring(0, 8) + "-" + attempt;
    }

    static GenericKubernetesResource application(String name) {
        return operator.application(name);
    }

    static GenericKubernetesResource awaitApplication(String name) {
        return operator.awaitApplication(name);
    }

    static Map<String, Object> status(String state, String message) {
        return SparkOperator.status(state, message);
    }

    /** Plays the operator: sets the application's status until {@code seen} ({@link SparkOperator#drive}). */
    static void drive(String name, Map<String, Object> status, BooleanSupplier seen) {
        operator.drive(name, status, seen);
    }

    /** The run's driver pod, ended with the driver container's exit code and reason. */
    static void driverPod(String run, String reason, int exitCode) {
        GenericKubernetesResource application = application(run);
        kubernetes.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName(run + "-driver").withNamespace(NAMESPACE)
                .withLabels(application.getMetadata().getLabels()).addToLabels("spark-role", "driver").endMetadata()
                .withNewSpec().addNewContainer().withName("spark-kubernetes-driver").withImage("apache/spark:4.0.1")
                .endContainer().endSpec()
                .withNewStatus().withPhase("Failed").addNewContainerStatus().withName("spark-kubernetes-driver")
                .withNewState().withNewTerminated().withExitCode(exitCode).withReason(reason).endTerminated().endState()
                .endContainerStatus().endStatus()
                .build()).create();
    }

    static Map<Instant, Long> bookedSlices() {
        return bookedSlices(Instant.ofEpochSecond(Instant.now().getEpochSecond() / 900 * 900));
    }

    /** The pool's slices of the day from {@code from} (a slice start) that hold anything: slice start → booked mCPU. */
    static Map<Instant, Long> bookedSlices(Instant from) {
        List<Map<String, Object>> cells = as(alice).queryParam("from", from.toString())
                .get("/api/v1/capacity/pools/" + POOL + "/slices").then().statusCode(200).extract().path("slices");
        Map<Instant, Long> booked = new LinkedHashMap<>();
        for (Map<String, Object> cell : cells) {
            long vcpu = ((Number) cell.get("vcpuMillis")).longValue();
            long memory = ((Number) cell.get("memoryMib")).longValue();
            if (vcpu > 0 || memory > 0) {
                assertEquals(vcpu * 1024 / 1000, memory, "1 GiB per vCPU booked: " + cell);
                booked.put(Instant.parse((String) cell.get("start")), vcpu);
            }
        }
        return booked;
    }

    /** One row of the ledger, as column → value; null when there is none. */
    static Map<String, Object> row(String sql, String key) {
        try (Connection c = database(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, key);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return null;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                    row.put(r.getMetaData().getColumnName(i), r.getObject(i));
                }
                return row;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static Connection database() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PostgresResource.PORT + "/pedregal",
                "pedregal", "pedregal");
    }

    static Instant instant(Object timestamp) {
        return timestamp instanceof java.time.OffsetDateTime t ? t.toInstant()
                : ((java.sql.Timestamp) timestamp).toInstant();
    }
}

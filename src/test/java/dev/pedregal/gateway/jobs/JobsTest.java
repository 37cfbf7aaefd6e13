package dev.pedregal.gateway.jobs;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;

import dev.pedregal.gateway.jobs.api.CheckRequest;
import dev.pedregal.gateway.jobs.api.EngineSpec;
import dev.pedregal.gateway.jobs.api.JobState;
import dev.pedregal.gateway.jobs.api.JobsGrpc;
import dev.pedregal.gateway.jobs.api.PodResources;
import dev.pedregal.gateway.jobs.api.ExecutorResources;
import dev.pedregal.gateway.jobs.api.ResourceSpec;
import dev.pedregal.gateway.jobs.api.SubmitRequest;
import dev.pedregal.gateway.jobs.api.SubmitResponse;
import dev.pedregal.gateway.jobs.api.WatchRequest;
import dev.pedregal.gateway.jobs.local.LocalJobRunner;
import dev.pedregal.gateway.support.KeycloakResource;
import dev.pedregal.gateway.support.Oidc;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
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

/**
 * Batch jobs against real PostgreSQL, real Keycloak tokens and real local Spark processes (the example job,
 * {@code src/jobs}): a Spark job end to end through gRPC Submit + Watch and REST; 50 concurrent duplicate submits;
 * cancel and timeout killing the process; retry after a platform failure; dead letter; user failure; the image
 * allowlist; team scoping.
 */
@QuarkusTest
@TestProfile(JobsTest.Jobs.class)
@QuarkusTestResource(value = KeycloakResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
class JobsTest {

    public static class Jobs implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Oidc.secured(
                    // No Spark Connect drivers: this suite runs batch jobs only.
                    Map.entry("pedregal.pool.warm-drivers", "0"),
                    Map.entry("pedregal.identity.teams.analytics.environments", "dev,test"),
                    Map.entry("pedregal.jobs.local.max-cores", "1"),
                    Map.entry("pedregal.jobs.local.driver-memory", "512m"));
        }
    }

    static final String MAIN = "dev.pedregal.jobs.PiEstimate";
    static String jar;
    static String alice;
    static String bob;
    static String erin;
    static ManagedChannel channel;

    @Inject
    LocalJobRunner runner;

    @Inject
    JobHistory history;

    @BeforeAll
    static void setUp() throws Exception {
        Path built = Path.of("target/example-jobs/pedregal-examples.jar");
        if (!Files.exists(built)) {
            Process p = new ProcessBuilder("src/jobs/build.sh").inheritIO().start();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, "src/jobs/build.sh failed");
        }
        jar = built.toAbsolutePath().toString();
        alice = KeycloakResource.token("alice");
        bob = KeycloakResource.token("bob");
        erin = KeycloakResource.token("erin");
        Operator.bearer = erin;
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", 15002).usePlaintext().build();
    }

    @AfterAll
    static void tearDown() {
        Operator.bearer = null;
        channel.shutdownNow();
    }

    static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    static String spec(String name, String args, String extra) {
        return """
                {"name": "%s", "team": "analytics", "owner": "alice@pedregal.dev", "environment": "dev",
                 "engine": {"version": "4.0"},
                 "resources": {"driver": {"cores": 1, "memory": "512m"},
                               "executor": {"cores": 1, "memory": "512m", "instances": 1}},
                 "mainClass": "%s", "applicationFile": "%s", "arguments": [%s]%s}"""
                .formatted(name, MAIN, jar, args, extra);
    }

    static String fastRetries(int maxRetries) {
        return ", \"retryPolicy\": {\"maxRetries\": " + maxRetries
                + ", \"interval\": \"PT1S\", \"backoffMultiplier\": 1.0, \"maxInterval\": \"PT1S\"}";
    }

    static ValidatableResponse submit(String token, String body) {
        return as(token).body(body).post("/api/v1/executions").then();
    }

    static String submitted(String body) {
        return submit(alice, body).statusCode(201).extract().path("execution.id");
    }

    static Map<String, Object> get(String id) {
        return as(alice).get("/api/v1/executions/" + id).then().statusCode(200).extract().as(Map.class);
    }

    static Map<String, Object> awaitState(String id, String state, Duration timeout) {
        Operator.await("execution " + id + " " + state, timeout, () -> {
            Object now = get(id).get("state");
            if (!state.equals(now) && Set.of("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "DEAD_LETTER").contains(now)) {
                throw new AssertionError("execution " + id + " ended " + now + ", not " + state + ": " + get(id));
            }
            return state.equals(now);
        });
        return get(id);
    }

    static List<String> events(String id) {
        return as(alice).get("/api/v1/executions/" + id + "/events").then().statusCode(200).extract().path("event");
    }

    static JobsGrpc.JobsBlockingStub grpc(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return JobsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static dev.pedregal.gateway.jobs.api.JobSpec.Builder grpcSpec(String name, String... args) {
        return dev.pedregal.gateway.jobs.api.JobSpec.newBuilder().setName(name).setTeam("analytics")
                .setOwner("alice@pedregal.dev").setEnvironment("dev").setEngine(EngineSpec.newBuilder().setVersion("4.0"))
                .setResources(ResourceSpec.newBuilder().setDriver(PodResources.newBuilder().setCores(1).setMemory("512m"))
                        .setExecutor(ExecutorResources.newBuilder().setCores(1).setMemory("512m").setInstances(1)))
                .setMainClass(MAIN).setApplicationFile(jar).addAllArguments(List.of(args));
    }

    /** The run's process: the shell wrapper and, below it, the Spark JVM. */
    long pid(String id) {
        String run = (String) get(id).get("vendorRunId");
        Operator.await("process of " + run, Duration.ofSeconds(30), () -> runner.pid(run).isPresent());
        return runner.pid(run).orElseThrow();
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void aRealSparkJobRunsEndToEndThroughGrpcSubmitAndWatchAndRest() {
        SubmitResponse submitted = grpc(alice).submit(SubmitRequest.newBuilder()
                .setSpec(grpcSpec("pi-estimate", "--slices", "2")).setIdempotencyKey("e2e-" + UUID.randomUUID()).build());
        assertEquals(JobState.JOB_STATE_SUBMITTED, submitted.getState());
        assertTrue(submitted.getVendorRunId().startsWith("pi-estimate-"), submitted.getVendorRunId());
        String id = submitted.getExecutionId();

        List<JobState> seen = new ArrayList<>();
        Iterator<dev.pedregal.gateway.jobs.api.ExecutionState> watch = grpc(alice).withDeadlineAfter(5, TimeUnit.MINUTES)
                .watch(WatchRequest.newBuilder().setExecutionId(id).build());
        dev.pedregal.gateway.jobs.api.ExecutionState last = null;
        while (watch.hasNext()) {
            last = watch.next();
            seen.add(last.getState());
        }
        assertEquals(JobState.JOB_STATE_SUCCEEDED, last.getState(), "the stream ends with the terminal state: " + seen);
        assertTrue(seen.contains(JobState.JOB_STATE_RUNNING), "the watch saw it run: " + seen);
        assertEquals(seen.indexOf(JobState.JOB_STATE_RUNNING), seen.lastIndexOf(JobState.JOB_STATE_RUNNING));
        assertTrue(last.hasStartedAt() && last.hasFinishedAt());
        assertEquals("/api/v1/executions/" + id + "/logs", last.getLogsUrl());

        assertEquals(List.of("SUBMITTED", "STARTED", "SUCCEEDED"), events(id));
        Map<String, Object> done = get(id);
        assertEquals("SUCCEEDED", done.get("state"));
        assertEquals(1, done.get("attempt"));
        as(alice).get("/api/v1/executions/" + id + "/logs").then().statusCode(200)
                .body("lines", hasItem(containsString("Pi is roughly")));
        as(alice).queryParam("name", "pi-estimate").queryParam("state", "succeeded").get("/api/v1/executions").then()
                .statusCode(200).body("items.id", hasItem(id));
        assertEquals(JobState.JOB_STATE_SUCCEEDED, grpc(alice).check(CheckRequest.newBuilder().setExecutionId(id).build())
                .getState());

        List<PastRun> runs = history.recent("analytics", "pi-estimate", 5).await().atMost(Duration.ofSeconds(10));
        assertEquals(id, runs.get(0).executionId());
        assertEquals(ExecutionState.SUCCEEDED, runs.get(0).state());
        assertEquals("8", runs.get(0).sparkConf().get("spark.sql.shuffle.partitions"), "the environment's defaults");
    }

    @Test
    void fiftyConcurrentDuplicateSubmitsMakeOneExecution() throws Exception {
        String key = "dup-" + UUID.randomUUID();
        String body = spec("duplicates", "\"--exit\", \"0\"", "");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Callable<Object[]>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(() -> {
                    var r = as(alice).header("Idempotency-Key", key).body(body).post("/api/v1/executions");
                    return new Object[] { r.statusCode(), r.path("execution.id") };
                });
            }
            List<Object[]> answers = new ArrayList<>();
            for (Future<Object[]> f : pool.invokeAll(calls)) {
                answers.add(f.get());
            }
            Set<Object> ids = answers.stream().map(a -> a[1]).collect(Collectors.toSet());
            assertEquals(1, ids.size(), "one execution for one key: " + ids);
            assertEquals(1, answers.stream().filter(a -> (int) a[0] == 201).count(), "exactly one created it");
            assertEquals(49, answers.stream().filter(a -> (int) a[0] == 200).count());
            String id = (String) ids.iterator().next();
            awaitState(id, "SUCCEEDED", Duration.ofMinutes(2));
            as(alice).queryParam("name", "duplicates").get("/api/v1/executions").then().statusCode(200)
                    .body("total", equalTo(1));
            List<String> events = events(id);
            // A run that ends within moments may be seen ending without being seen running.
            assertTrue(events.equals(List.of("SUBMITTED", "STARTED", "SUCCEEDED"))
                    || events.equals(List.of("SUBMITTED", "SUCCEEDED")), "one run: " + events);
            // The same key over gRPC is the same execution too.
            assertEquals(id, grpc(alice).submit(SubmitRequest.newBuilder().setSpec(grpcSpec("duplicates", "--exit", "0"))
                    .setIdempotencyKey(key).build()).getExecutionId());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cancellingARunningJobKillsItsProcess() {
        String id = submitted(spec("cancel-me", "\"--hold-seconds\", \"600\"", ""));
        awaitState(id, "RUNNING", Duration.ofMinutes(1));
        long pid = pid(id);
        List<ProcessHandle> tree = ProcessHandle.of(pid).map(p -> java.util.stream.Stream.concat(
                java.util.stream.Stream.of(p), p.descendants()).toList()).orElseThrow();
        assertTrue(tree.size() >= 2, "the wrapper and the Spark JVM run");

        as(alice).body("{\"reason\": \"wrong date\"}").post("/api/v1/executions/" + id + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED")).body("reason", containsString("wrong date"));
        Operator.await("the job's processes end", Duration.ofSeconds(30), () -> tree.stream().noneMatch(p -> p.isAlive()));
        // The killed process is not mistaken for a platform failure: no retry, still CANCELLED.
        Map<String, Object> after = get(id);
        assertEquals("CANCELLED", after.get("state"));
        assertEquals(1, after.get("attempt"));
        assertEquals(List.of("SUBMITTED", "STARTED", "CANCELLED"), events(id));
        as(alice).post("/api/v1/executions/" + id + "/cancel").then().statusCode(409)
                .contentType("application/problem+json");
    }

    @Test
    void aJobRunningPastItsTimeoutIsStoppedAndTimedOut() {
        String id = submitted(spec("too-slow", "\"--hold-seconds\", \"600\"", ", \"timeout\": \"PT8S\""));
        awaitState(id, "RUNNING", Duration.ofMinutes(1));
        long pid = pid(id);
        Map<String, Object> timedOut = awaitState(id, "TIMED_OUT", Duration.ofMinutes(1));
        assertTrue(((String) timedOut.get("reason")).contains("timeout of 8 s"), timedOut.toString());
        Operator.await("the job's process ends", Duration.ofSeconds(30), () -> !alive(pid));
        assertEquals(List.of("SUBMITTED", "STARTED", "TIMED_OUT"), events(id));
    }

    @Test
    void aPlatformFailureIsRetriedAndTheRetrySucceeds() throws Exception {
        Path marker = Files.createTempDirectory("pedregal-jobs").resolve("first-attempt-ran");
        String id = submitted(spec("flaky", "\"--exit-once\", \"" + marker + "\", \"--exit\", \"0\"", fastRetries(2)));
        Map<String, Object> done = awaitState(id, "SUCCEEDED", Duration.ofMinutes(2));
        assertEquals(2, done.get("attempt"));
        assertTrue(((String) done.get("vendorRunId")).endsWith("-2"), "the second attempt's run");
        List<String> events = events(id);
        assertEquals(1, events.stream().filter("RETRYING"::equals).count(), events.toString());
        assertTrue(events.indexOf("RETRYING") < events.indexOf("SUCCEEDED"), events.toString());
        assertEquals("SUCCEEDED", events.get(events.size() - 1));
    }

    @Test
    void aPlatformFailureOnTheLastAttemptIsDeadLetteredWithItsLogLines() {
        String id = submitted(spec("always-killed", "\"--exit\", \"137\"", fastRetries(1)));
        Map<String, Object> dead = awaitState(id, "DEAD_LETTER", Duration.ofMinutes(2));
        assertEquals(2, dead.get("attempt"));
        assertEquals("PLATFORM", dead.get("failureClass"));
        assertTrue(((String) dead.get("reason")).contains("no retries left"), dead.toString());
        assertTrue(((String) dead.get("hint")).contains("memoryOverhead"), dead.toString());
        assertTrue(((List<String>) dead.get("lastLogLines")).stream().anyMatch(l -> l.contains("exiting with code 137")),
                dead.toString());
        assertTrue(events(id).contains("RETRIES_EXHAUSTED"));
    }

    @Test
    void aUserFailureIsNotRetried() {
        String id = submitted(spec("buggy", "\"--exit\", \"3\"", fastRetries(2)));
        Map<String, Object> failed = awaitState(id, "FAILED", Duration.ofMinutes(2));
        assertEquals(1, failed.get("attempt"));
        assertEquals("USER", failed.get("failureClass"));
    }

    @Test
    void anImageOffTheAllowlistIsRefusedAndAudited() {
        String body = spec("evil", "", "").replace("\"version\": \"4.0\"",
                "\"version\": \"4.0\", \"image\": \"evil.example/miner:1\"");
        submit(alice, body).statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("engine.image"));
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> grpc(alice).submit(
                SubmitRequest.newBuilder().setSpec(grpcSpec("evil").setEngine(EngineSpec.newBuilder().setVersion("4.0")
                        .setImage("evil.example/miner:1"))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        BadRequest violations = StatusProto.fromThrowable(refused).getDetailsList().stream()
                .filter(d -> d.is(BadRequest.class)).map(d -> {
                    try {
                        return d.unpack(BadRequest.class);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).findFirst().orElseThrow();
        assertEquals("engine.image", violations.getFieldViolations(0).getField());
        Operator.await("the refusal is audited", Duration.ofSeconds(10), () -> !as(erin).queryParam("action", "job_submit")
                .queryParam("outcome", "denied").get("/api/v1/audit").then().statusCode(200).extract()
                .<List<String>> path("reason").stream().filter(r -> r != null && r.contains("evil.example/miner:1"))
                .toList().isEmpty());
    }

    @Test
    void anotherTeamsExecutionIsNotFound() {
        String id = submitted(spec("private", "\"--exit\", \"0\"", ""));
        as(bob).get("/api/v1/executions/" + id).then().statusCode(404);
        as(bob).post("/api/v1/executions/" + id + "/cancel").then().statusCode(404);
        as(bob).get("/api/v1/executions/" + id + "/logs").then().statusCode(404);
        as(bob).get("/api/v1/executions").then().statusCode(200).body("items.id", org.hamcrest.Matchers.not(hasItem(id)));
        StatusRuntimeException notFound = assertThrows(StatusRuntimeException.class,
                () -> grpc(bob).check(CheckRequest.newBuilder().setExecutionId(id).build()));
        assertEquals(Status.Code.NOT_FOUND, notFound.getStatus().getCode());
        // Bob cannot submit for a team he is not in; the platform admin sees everything.
        submit(bob, spec("intruder", "", "")).statusCode(403);
        assertEquals(id, as(erin).get("/api/v1/executions/" + id).then().statusCode(200).extract().path("id"));
        StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () -> JobsGrpc
                .newBlockingStub(channel).check(CheckRequest.newBuilder().setExecutionId(id).build()));
        assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
        assertNotNull(awaitState(id, "SUCCEEDED", Duration.ofMinutes(2)));
        assertFalse(id.isEmpty());
    }
}

package dev.pedregal.gateway.jobs.kubernetes;

import static dev.pedregal.gateway.backend.kubernetes.Eventually.eventually;
import static dev.pedregal.gateway.jobs.kubernetes.BatchApplicationTest.EXECUTION;
import static dev.pedregal.gateway.jobs.kubernetes.BatchApplicationTest.JVM;
import static dev.pedregal.gateway.jobs.kubernetes.BatchApplicationTest.NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.pedregal.gateway.backend.kubernetes.CallPolicy;
import dev.pedregal.gateway.backend.kubernetes.ClusterCalls;
import dev.pedregal.gateway.backend.kubernetes.MockKubernetes;
import dev.pedregal.gateway.backend.kubernetes.NamespacePolicy;
import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import dev.pedregal.gateway.jobs.FailureClass;
import dev.pedregal.gateway.jobs.FailureClassifier;
import dev.pedregal.gateway.jobs.RunRequest;
import dev.pedregal.gateway.jobs.RunUpdate;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.smallrye.mutiny.infrastructure.Infrastructure;

class SparkApplicationRunnerTest {

    static final NamespacePolicy POLICY = new NamespacePolicy("pedregal", "edit", "spark-team-", Map.of("pods", "200"),
            Map.of("cpu", "2"), Map.of("cpu", "1"));
    static final Duration WAIT = Duration.ofSeconds(15);
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private MockKubernetes mock;
    private SparkApplicationRunner runner;
    private SparkOperatorFlavor flavor;

    SparkApplicationRunner runner(SparkOperatorFlavor flavor) {
        this.flavor = flavor;
        mock = new MockKubernetes().withOperator(flavor);
        ClusterCalls calls = new ClusterCalls("k8s-a", CallPolicy.DEFAULTS, Infrastructure.getDefaultWorkerPool());
        runner = new SparkApplicationRunner(mock.client, flavor, POLICY, calls, clock, BatchApplicationTest.SETTINGS);
        return runner;
    }

    @AfterEach
    void close() {
        if (mock != null) {
            mock.close();
        }
    }

    @ParameterizedTest
    @EnumSource(SparkOperatorFlavor.class)
    void startCreatesTheApplicationInTheOnboardedTeamNamespace(SparkOperatorFlavor flavor) {
        SparkApplicationRunner runner = runner(flavor);
        assertEquals(NS + "/user-features-daily-7f3c9a2e-1", runner.start(JVM).await().atMost(WAIT));

        GenericKubernetesResource stored = application();
        GenericKubernetesResource expected = BatchApplicationTest.expected(flavor);
        assertEquals(expected.getMetadata().getLabels(), stored.getMetadata().getLabels());
        assertEquals(expected.getMetadata().getAnnotations(), stored.getMetadata().getAnnotations());
        assertEquals(expected.getAdditionalProperties(), stored.getAdditionalProperties());
        assertNotNull(mock.client.namespaces().withName(NS).get(), "the team namespace was onboarded");
        assertNotNull(mock.client.resourceQuotas().inNamespace(NS).withName("pedregal-quota").get());
    }

    @Test
    void startIsIdempotentForTheSameAttemptAndRefusesSomeoneElsesApplication() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        String first = runner.start(JVM).await().atMost(WAIT);
        String uid = application().getMetadata().getUid();
        assertEquals(first, runner.start(JVM).await().atMost(WAIT));
        assertEquals(uid, application().getMetadata().getUid(), "the existing application was kept, not replaced");

        // Same run name (job name, first 8 characters of the id, attempt), another execution.
        RunRequest other = new RunRequest("7f3c9a2e-ffff-0000-0000-000000000000", 1, JVM.team(), JVM.target(), JVM.job());
        assertEquals(JVM.runName(), other.runName());
        Throwable refused = assertThrows(RunNameTaken.class, () -> runner.start(other).await().atMost(WAIT));
        assertTrue(refused.getMessage().contains(EXECUTION + " attempt 1"), refused.getMessage());
    }

    @ParameterizedTest
    @EnumSource(SparkOperatorFlavor.class)
    void theWatchReportsStartedThenSucceeded(SparkOperatorFlavor flavor) {
        SparkApplicationRunner runner = runner(flavor);
        runner.start(JVM).await().atMost(WAIT);
        List<RunUpdate> updates = new CopyOnWriteArrayList<>();
        AtomicBoolean completed = new AtomicBoolean();
        watch(runner, updates, completed);

        setState("SUBMITTED", "Submitted", "");
        setState("RUNNING", "RunningHealthy", "");
        eventually("STARTED is reported", () -> updates.size() == 1);
        assertEquals(RunUpdate.Kind.STARTED, updates.get(0).kind());
        assertEquals(NOW, updates.get(0).at());
        if (flavor == SparkOperatorFlavor.KUBEFLOW_V1BETA2) {
            assertEquals("http://10.4.0.7:4040", updates.get(0).sparkUiUrl());
        }
        setState("RUNNING", "RunningHealthy", ""); // an unrelated change of a running application
        setState("COMPLETED", "Succeeded", "");
        eventually("the watch completes", completed::get);
        assertEquals(List.of(RunUpdate.Kind.STARTED, RunUpdate.Kind.SUCCEEDED),
                updates.stream().map(RunUpdate::kind).toList());
    }

    @ParameterizedTest
    @EnumSource(SparkOperatorFlavor.class)
    void aDriverKilledAtItsMemoryLimitFailsAsAPlatformFailure(SparkOperatorFlavor flavor) {
        SparkApplicationRunner runner = runner(flavor);
        runner.start(JVM).await().atMost(WAIT);
        Pod pod = mock.client.pods().inNamespace(NS).resource(driverPod("OOMKilled", 137)).create();
        String logPath = "/api/v1/namespaces/" + NS + "/pods/" + pod.getMetadata().getName()
                + "/log?pretty=false&container=spark-kubernetes-driver&tailLines=20";
        mock.server.expect().get().withPath(logPath).andReturn(200, "25/06/01 INFO starting\n25/06/01 INFO stage 3\n")
                .always();
        List<RunUpdate> updates = new CopyOnWriteArrayList<>();
        watch(runner, updates, new AtomicBoolean());
        setState("RUNNING", "RunningHealthy", "");
        setState("FAILED", "Failed", "driver container failed with ExitCode: 137, Reason: OOMKilled");

        eventually("FAILED is reported", () -> updates.size() == 2);
        RunUpdate failed = updates.get(1);
        assertEquals(RunUpdate.Kind.FAILED, failed.kind());
        assertEquals(OptionalInt.of(137), failed.finished().exitCode());
        assertEquals("OOMKilled", failed.finished().terminationReason());
        assertTrue(failed.finished().operatorMessage().startsWith(flavor == SparkOperatorFlavor.KUBEFLOW_V1BETA2
                ? "FAILED: driver container failed" : "Failed: driver container failed"),
                failed.finished().operatorMessage());
        assertEquals(List.of("25/06/01 INFO starting", "25/06/01 INFO stage 3"), failed.finished().lastLogLines());
        assertEquals(FailureClass.PLATFORM, new FailureClassifier().classify(failed.finished()).failureClass());
        assertEquals(List.of("25/06/01 INFO starting", "25/06/01 INFO stage 3"),
                runner.logs(JVM, 20).await().atMost(WAIT));
    }

    @Test
    void anEvictedDriverPodIsReportedByThePodsReason() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.APACHE_V1);
        runner.start(JVM).await().atMost(WAIT);
        Pod evicted = driverPod("Error", 143);
        evicted.getStatus().setReason("Evicted");
        mock.client.pods().inNamespace(NS).resource(evicted).create();
        setState("", "DriverEvicted", "");
        RunUpdate failed = runner.watch(JVM).collect().asList().await().atMost(WAIT).get(0);
        assertEquals("Evicted", failed.finished().terminationReason());
        assertEquals(OptionalInt.of(143), failed.finished().exitCode());
        assertEquals(FailureClass.PLATFORM, new FailureClassifier().classify(failed.finished()).failureClass());
    }

    @Test
    void deletingTheApplicationWhileItRunsFailsTheRun() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        runner.start(JVM).await().atMost(WAIT);
        setState("RUNNING", "", "");
        List<RunUpdate> updates = new CopyOnWriteArrayList<>();
        watch(runner, updates, new AtomicBoolean());
        eventually("STARTED is reported", () -> updates.size() == 1);

        mock.client.genericKubernetesResources(flavor.context()).inNamespace(NS).withName(JVM.runName()).delete();
        eventually("FAILED is reported", () -> updates.size() == 2);
        assertEquals(RunUpdate.Kind.FAILED, updates.get(1).kind());
        assertEquals("SparkApplication user-features-daily-7f3c9a2e-1 was deleted",
                updates.get(1).finished().operatorMessage());
    }

    @Test
    void aWatchTheServerEndsIsReestablishedWithoutLosingTheEnd() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        runner.start(JVM).await().atMost(WAIT);
        List<RunUpdate> updates = new CopyOnWriteArrayList<>();
        AtomicReference<RunWatch> watch = new AtomicReference<>();
        runner.watch(JVM, watch::set).subscribe().with(updates::add);
        eventually("the watch is open", () -> watch.get().connected());
        setState("RUNNING", "", "");
        eventually("STARTED is reported", () -> updates.size() == 1);

        // The connection drops and the application completes while no watch is open...
        watch.get().disconnect();
        setState("COMPLETED", "", "");
        assertEquals(1, updates.size());
        // ...then the API server's error reaches the watcher (410 Gone: the resourceVersion was compacted away).
        watch.get().connectionLost(new WatcherException("too old resource version",
                new KubernetesClientException(new StatusBuilder().withCode(410).build())));
        eventually("SUCCEEDED is reported after re-reading", () -> updates.size() == 2);
        assertEquals(RunUpdate.Kind.SUCCEEDED, updates.get(1).kind());
    }

    @Test
    void aRunWatchedAfterItEndedIsReportedFromItsStatus() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.APACHE_V1);
        runner.start(JVM).await().atMost(WAIT);
        // The Apache operator moves on to ResourceReleased; the history says how it ended.
        setStatus(Map.of("currentState", Map.of("currentStateSummary", "ResourceReleased"),
                "stateTransitionHistory", Map.of("0", Map.of("currentStateSummary", "RunningHealthy"),
                        "1", Map.of("currentStateSummary", "Succeeded"),
                        "2", Map.of("currentStateSummary", "ResourceReleased"))));
        assertEquals(List.of(RunUpdate.Kind.SUCCEEDED), runner.watch(JVM).map(RunUpdate::kind).collect().asList()
                .await().atMost(WAIT));
    }

    @Test
    void cancelDeletesTheApplicationAndSucceedsWhenNothingIsLeft() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.APACHE_V1);
        runner.start(JVM).await().atMost(WAIT);
        runner.cancel(JVM).await().atMost(WAIT);
        assertNull(application());
        runner.cancel(JVM).await().atMost(WAIT);
        RunUpdate update = runner.watch(JVM).collect().asList().await().atMost(WAIT).get(0);
        assertEquals(RunUpdate.Kind.FAILED, update.kind(), "a run whose application is gone cannot succeed");
        assertEquals(List.of(), runner.logs(JVM, 10).await().atMost(WAIT));
    }

    @Test
    void cleanupDeletesOnlyFinishedApplicationsPastTheRetention() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        runner.start(JVM).await().atMost(WAIT);
        setState("RUNNING", "", "");
        clock.set(NOW.plus(Duration.ofDays(3)));
        runner.cleanup(JVM, Duration.ofHours(1)).await().atMost(WAIT);
        assertNotNull(application(), "a running application is kept");

        clock.set(NOW);
        setState("COMPLETED", "", "");
        clock.set(NOW.plus(Duration.ofMinutes(61)));
        runner.cleanup(JVM, Duration.ofHours(1)).await().atMost(WAIT);
        assertNull(application(), "finished 61 minutes ago, retention 1 h: deleted at once");
        runner.cleanup(JVM, Duration.ofHours(1)).await().atMost(WAIT); // nothing left: no failure
    }

    @Test
    void cleanupBeforeTheRetentionHasPassedWaitsOutTheRestOfIt() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        runner.start(JVM).await().atMost(WAIT);
        setState("COMPLETED", "", "");
        // Finished one second short of the retention: the cleanup's timer waits for that second, then deletes.
        clock.set(NOW.plus(Duration.ofHours(1)).minusSeconds(1));
        runner.cleanup(JVM, Duration.ofHours(1)).await().atMost(WAIT);
        assertNull(application());
    }

    @Test
    void theSweepDeletesFinishedBatchApplicationsOfTheNamespaceOnly() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        RunRequest second = BatchApplicationTest.run("0a1b2c3d-0000-0000-0000-000000000000", 1, JVM.job().spec());
        RunRequest third = BatchApplicationTest.run("99887766-0000-0000-0000-000000000000", 1, JVM.job().spec());
        for (RunRequest run : List.of(JVM, second, third)) {
            runner.start(run).await().atMost(WAIT);
        }
        setState(JVM, kubeflowStatus("COMPLETED", "", NOW.minus(Duration.ofHours(2))));
        setState(second, kubeflowStatus("FAILED", "boom", NOW.minus(Duration.ofHours(3))));
        setState(third, kubeflowStatus("RUNNING", "", NOW.minus(Duration.ofHours(3))));
        // A Spark Connect driver of the same namespace that ended long ago: not the sweep's to delete.
        GenericKubernetesResource driver = new GenericKubernetesResourceBuilder()
                .withApiVersion(flavorApiVersion()).withKind("SparkApplication")
                .withNewMetadata().withName("drv-1-abc").withNamespace(NS)
                .addToLabels("app.kubernetes.io/managed-by", "pedregal-gateway").endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of(), "status",
                        kubeflowStatus("FAILED", "", NOW.minus(Duration.ofDays(2)))))
                .build();
        applications().resource(driver).create();

        assertEquals(0, runner.sweep(NS, Duration.ofHours(4)).await().atMost(WAIT));
        assertEquals(2, runner.sweep(NS, Duration.ofHours(1)).await().atMost(WAIT));
        assertEquals(List.of("drv-1-abc", third.runName()), applications().list().getItems().stream()
                .map(a -> a.getMetadata().getName()).sorted().toList());
        assertEquals(0, runner.sweep(null, Duration.ofHours(1)).await().atMost(WAIT));
    }

    @Test
    void aClusterThatKeepsFailingFailsTheStartAsUnavailable() {
        SparkApplicationRunner runner = runner(SparkOperatorFlavor.KUBEFLOW_V1BETA2);
        mock.server.expect().post().withPath("/apis/sparkoperator.k8s.io/v1beta2/namespaces/" + NS + "/sparkapplications")
                .andReturn(503, "overloaded").always();
        Throwable failure = assertThrows(RuntimeException.class, () -> runner.start(JVM).await().atMost(WAIT));
        assertInstanceOf(dev.pedregal.gateway.backend.kubernetes.ClusterUnavailable.class, failure);
    }

    // Helpers.

    /**
     * Watches the run and returns once its watch is open: the mock API server does not replay changes made between
     * the watch's first read and its connection, as a real one does from the resourceVersion.
     */
    private void watch(SparkApplicationRunner runner, List<RunUpdate> updates, AtomicBoolean completed) {
        AtomicReference<RunWatch> watch = new AtomicReference<>();
        runner.watch(JVM, watch::set).subscribe().with(updates::add, failure -> {
        }, () -> completed.set(true));
        eventually("the watch is open", () -> watch.get().connected());
    }

    private String flavorApiVersion() {
        return flavor.apiVersion();
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList, io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> applications() {
        return mock.client.genericKubernetesResources(flavor.context()).inNamespace(NS);
    }

    private GenericKubernetesResource application() {
        return applications().withName(JVM.runName()).get();
    }

    /** Sets the operator's state: {@code kubeflow} or {@code apache} by the flavour under test (empty: unchanged). */
    private void setState(String kubeflow, String apache, String message) {
        if (flavor == SparkOperatorFlavor.KUBEFLOW_V1BETA2 && !kubeflow.isEmpty()) {
            setState(JVM, kubeflowStatus(kubeflow, message, clock.instant()));
        } else if (flavor == SparkOperatorFlavor.APACHE_V1 && !apache.isEmpty()) {
            setStatus(Map.of("currentState", Map.of("currentStateSummary", apache, "message", message,
                    "lastTransitionTime", clock.instant().toString())));
        }
    }

    private void setStatus(Map<String, Object> status) {
        setState(JVM, status);
    }

    private void setState(RunRequest run, Map<String, Object> status) {
        GenericKubernetesResource application = applications().withName(run.runName()).get();
        application.setAdditionalProperty("status", status);
        applications().resource(application).update();
    }

    static Map<String, Object> kubeflowStatus(String state, String message, Instant at) {
        return Map.of("applicationState", Map.of("state", state, "errorMessage", message),
                "driverInfo", Map.of("podName", JVM.runName() + "-driver", "webUIAddress", "10.4.0.7:4040"),
                "terminationTime", at.toString());
    }

    static Pod driverPod(String reason, int exitCode) {
        return new PodBuilder()
                .withNewMetadata().withName(JVM.runName() + "-driver").withNamespace(NS)
                .withLabels(BatchApplication.labels(JVM)).addToLabels("spark-role", "driver").endMetadata()
                .withNewSpec().addNewContainer().withName("spark-kubernetes-driver").withImage("spark").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Failed")
                .addNewContainerStatus().withName("spark-kubernetes-driver").withNewState().withNewTerminated()
                .withExitCode(exitCode).withReason(reason).endTerminated().endState().endContainerStatus()
                .endStatus()
                .build();
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

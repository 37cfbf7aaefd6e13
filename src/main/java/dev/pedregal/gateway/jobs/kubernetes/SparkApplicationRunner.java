package dev.pedregal.gateway.jobs.kubernetes;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.backend.kubernetes.ClusterCalls;
import dev.pedregal.gateway.backend.kubernetes.NamespaceOnboarding;
import dev.pedregal.gateway.backend.kubernetes.NamespacePolicy;
import dev.pedregal.gateway.backend.kubernetes.SparkConnectCluster;
import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import dev.pedregal.gateway.jobs.FinishedAttempt;
import dev.pedregal.gateway.jobs.JobRunner;
import dev.pedregal.gateway.jobs.RunRequest;
import dev.pedregal.gateway.jobs.RunUpdate;
import dev.pedregal.gateway.placement.PoolKey;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Runs batch job attempts as SparkApplications on one Kubernetes cluster, in the team's namespace
 * ({@link BatchApplication}). Every API call goes through the cluster's {@link ClusterCalls}: off the event loop,
 * retried on 429/5xx, behind the cluster's circuit breaker. The vendor run id is {@code <namespace>/<name>}.
 *
 * <p>
 * The team namespace is onboarded ({@link NamespaceOnboarding}) before its first run from this runner.
 * Finished applications are kept for their status and driver log until {@link #cleanup} (per run) or a sweep
 * ({@link #finished} then {@link #delete}, scheduled by {@link ApplicationSweeper}) deletes them after the retention.
 */
public final class SparkApplicationRunner implements JobRunner {

    private static final Logger LOG = Logger.getLogger(SparkApplicationRunner.class);

    private final KubernetesClient client;
    private final SparkOperatorFlavor flavor;
    private final NamespaceOnboarding onboarding;
    private final ClusterCalls calls;
    private final Clock clock;
    private final BatchSettings settings;
    private final DriverPod driverPod;
    private final Set<String> onboarded = ConcurrentHashMap.newKeySet();

    public SparkApplicationRunner(KubernetesClient client, SparkOperatorFlavor flavor, NamespacePolicy namespaces,
            ClusterCalls calls, Clock clock, BatchSettings settings) {
        this.client = client;
        this.flavor = flavor;
        this.onboarding = new NamespaceOnboarding(client, calls, namespaces);
        this.calls = calls;
        this.clock = clock;
        this.settings = settings;
        this.driverPod = new DriverPod(client);
    }

    public static String vendorRunId(RunRequest run) {
        return BatchApplication.namespace(run) + "/" + run.runName();
    }

    /**
     * Creates the attempt's SparkApplication. If one of that name exists already (a retried create whose first
     * try went through, or a second gateway replica), it is this run when it carries the same execution id and
     * attempt; otherwise the start fails with {@link RunNameTaken}.
     */
    @Override
    public Uni<String> start(RunRequest run) {
        GenericKubernetesResource application = BatchApplication.build(flavor, run, settings);
        return onboard(run)
                .chain(() -> calls.call("create SparkApplication " + run.runName(), () -> createOrAdopt(application, run)))
                .map(created -> vendorRunId(run));
    }

    private GenericKubernetesResource createOrAdopt(GenericKubernetesResource application, RunRequest run) {
        try {
            return applications(BatchApplication.namespace(run)).resource(application).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            GenericKubernetesResource existing = application(run).get();
            if (existing == null) {
                throw e; // deleted in between: the caller may start again
            }
            if (!BatchApplication.isRun(existing, run)) {
                throw new RunNameTaken(BatchApplication.namespace(run), run.runName(),
                        BatchApplication.describeRun(existing), run.executionId() + " attempt " + run.attempt());
            }
            return existing;
        }
    }

    private Uni<Void> onboard(RunRequest run) {
        PoolKey pool = new PoolKey(run.team(), run.job().spec().environment());
        if (onboarded.contains(pool.namespace())) {
            return Uni.createFrom().voidItem();
        }
        return onboarding.onboard(pool).invoke(() -> onboarded.add(pool.namespace()));
    }

    @Override
    public Multi<RunUpdate> watch(RunRequest run) {
        return watch(run, w -> {
        });
    }

    /** {@link #watch(RunRequest)}, handing the watch to {@code opened} first: tests use it to drop connections. */
    Multi<RunUpdate> watch(RunRequest run, Consumer<RunWatch> opened) {
        return Multi.createFrom().emitter(emitter -> {
            RunWatch watch = new RunWatch(this, run, emitter, settings.rewatchDelay());
            emitter.onTermination(watch::close);
            opened.accept(watch);
            watch.connect();
        });
    }

    /** Deletes the run's application; Kubernetes deletes its pods with it. Nothing to delete is success. */
    @Override
    public Uni<Void> cancel(RunRequest run) {
        return calls.call("delete SparkApplication " + run.runName(), () -> application(run).delete())
                .replaceWithVoid();
    }

    @Override
    public Uni<List<String>> logs(RunRequest run, int lines) {
        return calls.call("read driver log of " + run.runName(), () -> {
            GenericKubernetesResource application = application(run).get();
            String named = application == null ? "" : ApplicationStatus.of(flavor, application).driverPod();
            return driverPod.find(run, named).map(pod -> driverPod.tail(pod, lines)).orElse(List.of());
        });
    }

    /**
     * Deletes the run's application once it has been finished for {@code retention}: at once when that time has
     * passed, else after a timer for the rest of it (the driver calls this when the execution ends, so usually the
     * whole retention). An application that has not finished is left alone, and so is one replaced meanwhile.
     */
    @Override
    public Uni<Void> cleanup(RunRequest run, Duration retention) {
        return read(run).chain(application -> {
            Optional<Duration> wait = application == null ? Optional.empty() : untilExpired(application, retention);
            if (wait.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            Uni<Void> delete = calls.call("clean up SparkApplication " + run.runName(),
                    () -> deleteUnlessReplaced(FinishedApplication.of(application))).replaceWithVoid();
            return wait.get().isZero() ? delete : Uni.createFrom().voidItem().onItem().delayIt().by(wait.get())
                    .chain(() -> delete);
        });
    }

    /** A finished batch application the sweep found, and the execution it ran an attempt of. */
    public record FinishedApplication(String namespace, String name, String uid, String executionId) {
        static FinishedApplication of(GenericKubernetesResource application) {
            return new FinishedApplication(application.getMetadata().getNamespace(),
                    application.getMetadata().getName(), application.getMetadata().getUid(),
                    BatchApplication.executionId(application));
        }
    }

    /**
     * Deletes every finished batch application in {@code namespace} (null: in every namespace, which needs list and
     * delete rights cluster-wide; the gateway's, by their labels; Spark Connect drivers are never touched) that
     * finished longer than {@code retention} ago.
     *
     * @return how many were deleted
     */
    public Uni<Integer> sweep(String namespace, Duration retention) {
        return finished(namespace, retention).chain(this::delete);
    }

    /**
     * The batch applications of {@code namespace} (null: of every namespace, which needs list rights cluster-wide)
     * that finished longer than {@code retention} ago.
     */
    public Uni<List<FinishedApplication>> finished(String namespace, Duration retention) {
        return calls.call("list SparkApplications of " + (namespace == null ? "all namespaces" : namespace), () -> {
            var all = client.genericKubernetesResources(flavor.context());
            var selected = (namespace == null ? all.inAnyNamespace() : all.inNamespace(namespace))
                    .withLabel(SparkConnectCluster.MANAGED_BY, SparkConnectCluster.MANAGER)
                    .withLabel(BatchApplication.EXECUTION);
            return selected.list().getItems().stream().filter(a -> expired(a, retention))
                    .map(FinishedApplication::of).toList();
        });
    }

    /** Deletes the applications, except one replaced since it was listed (same name, another uid); answers how many. */
    public Uni<Integer> delete(List<FinishedApplication> applications) {
        if (applications.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return calls.call("delete " + applications.size() + " finished SparkApplications", () -> {
            int deleted = 0;
            for (FinishedApplication application : applications) {
                deleted += deleteUnlessReplaced(application) ? 1 : 0;
            }
            if (deleted > 0) {
                LOG.infof("Deleted %d finished SparkApplications", deleted);
            }
            return deleted;
        });
    }

    private boolean deleteUnlessReplaced(FinishedApplication application) {
        Resource<GenericKubernetesResource> named = applications(application.namespace()).withName(application.name());
        GenericKubernetesResource now = named.get();
        if (now == null || !Objects.equals(application.uid(), now.getMetadata().getUid())) {
            return false;
        }
        named.delete();
        return true;
    }

    private boolean expired(GenericKubernetesResource application, Duration retention) {
        return untilExpired(application, retention).map(Duration::isZero).orElse(false);
    }

    /**
     * How long until the application has been finished for the retention (zero: it has); empty when it has not
     * finished. When the operator gives no end time, the creation time stands in for it: an application always
     * ends after it was created, and retentions are hours.
     */
    private Optional<Duration> untilExpired(GenericKubernetesResource application, Duration retention) {
        ApplicationStatus status = ApplicationStatus.of(flavor, application);
        if (!status.phase().terminal()) {
            return Optional.empty();
        }
        return status.finishedAt().or(() -> created(application)).map(ended -> {
            Duration left = Duration.between(clock.instant(), ended.plus(retention));
            return left.isNegative() ? Duration.ZERO : left;
        });
    }

    private static Optional<Instant> created(GenericKubernetesResource application) {
        try {
            String created = application.getMetadata().getCreationTimestamp();
            return created == null ? Optional.empty() : Optional.of(Instant.parse(created));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    // What RunWatch needs.

    SparkOperatorFlavor flavor() {
        return flavor;
    }

    ClusterCalls calls() {
        return calls;
    }

    Clock clock() {
        return clock;
    }

    Resource<GenericKubernetesResource> application(RunRequest run) {
        return applications(BatchApplication.namespace(run)).withName(run.runName());
    }

    /** The run's application, or null when it does not exist. */
    Uni<GenericKubernetesResource> read(RunRequest run) {
        return calls.call("read SparkApplication " + run.runName(), () -> application(run).get());
    }

    /** What is known about a failed attempt: the operator's message, and the driver pod's exit, reason and log. */
    Uni<FinishedAttempt> finishedAttempt(RunRequest run, ApplicationStatus status, String operatorMessage) {
        return calls.call("read driver pod of " + run.runName(), () -> driverPod.finished(
                driverPod.find(run, status.driverPod()), operatorMessage, settings.failureLogLines()));
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> applications(
            String namespace) {
        return client.genericKubernetesResources(flavor.context()).inNamespace(namespace);
    }
}

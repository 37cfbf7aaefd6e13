package dev.pedregal.gateway.jobs.kubernetes;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.jobs.executions.ExecutionStore;
import dev.pedregal.gateway.jobs.executions.JobsConfig;
import dev.pedregal.gateway.jobs.kubernetes.SparkApplicationRunner.FinishedApplication;
import dev.pedregal.gateway.provisioning.ClusterPlacement;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Deletes finished batch SparkApplications past {@code pedregal.jobs.retention} on every configured Kubernetes
 * cluster, at startup and every {@code pedregal.jobs.sweep-interval}: the retention timer started when an execution
 * ends lives in the gateway process, so an application whose execution ended shortly before a restart would
 * otherwise stay. It lists across namespaces (the gateway's ClusterRole may).
 *
 * <p>
 * Safe with several replicas sweeping at once: an application is deleted only while it is the one listed (same
 * uid), and deleting one that is gone already is no error. And never under a replica that drives its execution: an
 * application whose execution is still unfinished in PostgreSQL is kept, because the replica driving it (or about to
 * take it over) still has to read its outcome, and would start the attempt again if it found no application.
 */
@ApplicationScoped
public class ApplicationSweeper {

    private static final Logger LOG = Logger.getLogger(ApplicationSweeper.class);

    private final ClusterPlacement clusters;
    private final ExecutionStore executions;
    private final JobsConfig config;
    private final Vertx vertx;
    private final boolean databaseActive;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile long timer = -1;

    public ApplicationSweeper(ClusterPlacement clusters, ExecutionStore executions, JobsConfig config, Vertx vertx,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean databaseActive) {
        this.clusters = clusters;
        this.executions = executions;
        this.config = config;
        this.vertx = vertx;
        this.databaseActive = databaseActive;
    }

    void onStart(@Observes StartupEvent event) {
        if (databaseActive && !clusters.kubernetesTargets().isEmpty()) {
            timer = vertx.setPeriodic(1, config.sweepInterval().toMillis(), id -> {
                // Skip a tick while the previous sweep still runs.
                if (sweeping.compareAndSet(false, true)) {
                    sweep().eventually(() -> sweeping.set(false)).subscribe().with(deleted -> {
                    }, failure -> LOG.warnf("Sweeping finished SparkApplications failed: %s", failure.getMessage()));
                }
            });
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** One sweep of every Kubernetes cluster, one after another; answers how many applications were deleted. */
    public Uni<Integer> sweep() {
        return Multi.createFrom().iterable(clusters.kubernetesTargets())
                .onItem().transformToUniAndConcatenate(target -> sweep(clusters.jobRunner(target))
                        .onFailure().invoke(f -> LOG.warnf("Could not sweep finished SparkApplications on %s: %s",
                                target, f.getMessage()))
                        .onFailure().recoverWithItem(0))
                .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue));
    }

    private Uni<Integer> sweep(SparkApplicationRunner runner) {
        return runner.finished(null, config.retention()).chain(found -> executions.unfinished(ids(found))
                .map(unfinished -> deletable(found, unfinished))).chain(runner::delete);
    }

    private static List<FinishedApplication> deletable(List<FinishedApplication> found, Set<UUID> unfinished) {
        return found.stream().filter(a -> id(a) != null && !unfinished.contains(id(a))).toList();
    }

    private static Set<UUID> ids(List<FinishedApplication> found) {
        return found.stream().map(ApplicationSweeper::id).filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.toSet());
    }

    /** The application's execution id; null when it carries none that parses (then it is left alone). */
    private static UUID id(FinishedApplication application) {
        try {
            return UUID.fromString(application.executionId());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

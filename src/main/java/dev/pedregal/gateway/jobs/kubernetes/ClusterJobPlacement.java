package dev.pedregal.gateway.jobs.kubernetes;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.jobs.JobRunner;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.executions.JobPlacement;
import dev.pedregal.gateway.jobs.local.LocalJobRunner;
import dev.pedregal.gateway.provisioning.ClusterPlacement;
import io.smallrye.mutiny.Uni;

/**
 * Jobs go where clusters go: the best healthy Kubernetes cluster serving the job's environment (cluster selection
 * with failover, as for Spark Connect clusters) runs it as a SparkApplication; with no Kubernetes cluster
 * configured, the local target runs it as a local Spark process.
 */
@ApplicationScoped
public class ClusterJobPlacement implements JobPlacement {

    private final ClusterPlacement clusters;
    private final LocalJobRunner local;

    public ClusterJobPlacement(ClusterPlacement clusters, LocalJobRunner local) {
        this.clusters = clusters;
        this.local = local;
    }

    @Override
    public Uni<String> target(ResolvedJob job) {
        return Uni.createFrom().item(() -> clusters.jobTarget(job.spec().environment()).orElse(LOCAL));
    }

    @Override
    public JobRunner runner(String target) {
        JobRunner runner = LOCAL.equals(target) ? null : clusters.jobRunner(target);
        return runner != null ? runner : local;
    }
}

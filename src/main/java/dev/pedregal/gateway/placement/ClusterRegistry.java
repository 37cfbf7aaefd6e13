package dev.pedregal.gateway.placement;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.arc.Unremovable;

import dev.pedregal.gateway.config.ClusterHealthConfig;
import dev.pedregal.gateway.config.ClustersConfig;

/**
 * The clusters drivers may run on, as configured under {@code pedregal.clusters.*}, or the implicit local one.
 * Unremovable because injecting both mappings is what registers them with Quarkus: without it, while nothing
 * uses this bean yet, any {@code pedregal.clusters.*} key would fail the start as unknown.
 */
@ApplicationScoped
@Unremovable
public class ClusterRegistry {

    private final List<ClusterTarget> targets;
    private final ClusterHealthConfig health;

    public ClusterRegistry(ClustersConfig clusters, ClusterHealthConfig health) {
        this.targets = ClusterTarget.fromConfig(clusters);
        this.health = health;
    }

    public List<ClusterTarget> targets() {
        return targets;
    }

    /** How the clusters' health is judged. */
    public ClusterHealthConfig healthConfig() {
        return health;
    }
}

package dev.pedregal.gateway.provisioning;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** The JSON of the cluster API. Memory is in MiB; durations are ISO-8601 ({@code PT4H}) or {@code 90m}, {@code 4h}, {@code 2d}. */
public final class ClusterApi {

    private ClusterApi() {
    }

    /**
     * A new cluster. Only {@code environment} and {@code template} are required: the team defaults to the
     * caller's only team, the region to the first configured, the name to {@code <team>-<env>[-<region>]},
     * the TTL and the warm drivers to the environment's defaults.
     */
    public record CreateCluster(String name, String team, String environment, String region, String template,
            Overrides overrides, String ttl, Integer warmDrivers, Integer minDrivers, Integer maxDrivers) {
    }

    /** Changes to the template's sizes, each within the template's bounds; Spark settings win over the template's. */
    public record Overrides(Integer driverCores, Integer driverMemoryMib, Integer executorCores, Integer executorMemoryMib,
            Integer executorsMin, Integer executorsMax, Boolean dynamicAllocation, Map<String, String> sparkConf) {
    }

    /** New pool sizes; fields left out keep their value. */
    public record Scale(Integer warmDrivers, Integer minDrivers, Integer maxDrivers) {
    }

    /** Pushes the expiry later by {@code extendBy}, up to the longest TTL allowed from now. */
    public record ExtendTtl(String extendBy) {
    }

    /** A cluster as the API shows it. */
    public record Cluster(UUID id, String name, String team, String environment, String region, String template,
            String state, String reason, String endpoint, String target, ClusterShape shape, int warmDrivers,
            int minDrivers, int maxDrivers, Integer readyDrivers, String createdBy, Instant createdAt,
            Instant updatedAt, Instant expiresAt, Instant deletedAt) {
    }

    /** A page of clusters, newest first. */
    public record ClusterPage(java.util.List<Cluster> items, int page, int size, long total) {
    }
}

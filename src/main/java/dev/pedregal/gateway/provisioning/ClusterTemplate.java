package dev.pedregal.gateway.provisioning;

import java.util.List;
import java.util.Map;

/**
 * A named starting point for a cluster: default sizes and the bounds within which a request may override
 * them. The four sizes are built in; platform admins add custom templates ({@code /api/v1/templates}).
 */
public record ClusterTemplate(String name, String description, ClusterShape defaults, Limits limits) {

    /** Largest values an override may ask for; the smallest are one core and 512 MiB. */
    public record Limits(int driverCores, int driverMemoryMib, int executorCores, int executorMemoryMib, int executors) {
    }

    public static final List<ClusterTemplate> BUILT_IN = List.of(
            size("small", "Exploration and small data: 1-core driver, up to 2 one-core executors",
                    1, 2048, 1, 2048, 0, 2, new Limits(2, 4096, 2, 4096, 4)),
            size("medium", "Team notebooks and daily jobs: 2-core driver, up to 5 two-core executors",
                    2, 4096, 2, 4096, 1, 5, new Limits(4, 8192, 4, 8192, 10)),
            size("large", "Heavy joins and backfills: 4-core driver, up to 10 four-core executors",
                    4, 8192, 4, 8192, 2, 10, new Limits(8, 16384, 8, 16384, 20)),
            size("xlarge", "The largest interactive workloads: 8-core driver, up to 20 eight-core executors",
                    8, 16384, 8, 16384, 5, 20, new Limits(16, 65536, 16, 65536, 50)));

    private static ClusterTemplate size(String name, String description, int driverCores, int driverMemoryMib,
            int executorCores, int executorMemoryMib, int executorsMin, int executorsMax, Limits limits) {
        return new ClusterTemplate(name, description, new ClusterShape(driverCores, driverMemoryMib, executorCores,
                executorMemoryMib, executorsMin, executorsMax, true, Map.of()), limits);
    }

    public boolean builtIn() {
        return BUILT_IN.stream().anyMatch(t -> t.name.equals(name));
    }
}

package dev.pedregal.gateway.placement;

import io.smallrye.mutiny.Uni;

/** One active health check of a cluster. Must not block the calling thread. */
@FunctionalInterface
public interface ClusterProbe {

    Uni<Result> probe();

    /** What a check found, with a reason an operator can act on. */
    record Result(ClusterHealth.State state, String reason) {

        public static Result healthy() {
            return new Result(ClusterHealth.State.HEALTHY, "checks passed");
        }

        public static Result unhealthy(String reason) {
            return new Result(ClusterHealth.State.UNHEALTHY, reason);
        }

        /** The cluster answers but cannot run drivers, e.g. its Spark operator's CRD is missing. */
        public static Result unusable(String reason) {
            return new Result(ClusterHealth.State.UNUSABLE, reason);
        }
    }
}

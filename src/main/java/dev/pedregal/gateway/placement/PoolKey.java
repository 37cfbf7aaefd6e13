package dev.pedregal.gateway.placement;

/**
 * A pool is one team's drivers for one environment: the team's hot pool ({@code cluster} empty), or a
 * cluster the team provisioned through the REST API. Its drivers run in namespace {@code sjns-<team>-<env>}
 * on Kubernetes.
 */
public record PoolKey(String team, String environment, String cluster) {

    /** The one pool of a gateway running without identity (development on loopback). */
    public static final PoolKey UNTENANTED = new PoolKey("default", "dev");

    /** The hot pool of a team and environment. */
    public PoolKey(String team, String environment) {
        this(team, environment, "");
    }

    /** The pool of a provisioned cluster. */
    public static PoolKey ofCluster(String team, String environment, String cluster) {
        return new PoolKey(team, environment, cluster);
    }

    public boolean isCluster() {
        return !cluster.isEmpty();
    }

    public String name() {
        return isCluster() ? team + "/" + environment + "/" + cluster : team + "/" + environment;
    }

    /** The Kubernetes namespace of the pool's drivers. */
    public String namespace() {
        return "sjns-" + team + "-" + environment;
    }

    @Override
    public String toString() {
        return name();
    }
}

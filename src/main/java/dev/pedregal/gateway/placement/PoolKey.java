package dev.pedregal.gateway.placement;

/**
 * A pool is one team's drivers for one environment. Its drivers run in namespace {@code sjns-<team>-<env>}
 * on Kubernetes.
 */
public record PoolKey(String team, String environment) {

    /** The one pool of a gateway running without identity (development on loopback). */
    public static final PoolKey UNTENANTED = new PoolKey("default", "dev");

    public String name() {
        return team + "/" + environment;
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

package dev.pedregal.gateway.session;

import dev.pedregal.gateway.placement.PoolKey;

/**
 * What the shared session store needs to know of drivers: where this replica's drivers listen (written beside
 * a binding), and how to make a driver another replica placed a session on reachable from here.
 */
public interface DriverLocator {

    /** {@code host:port} of a driver this replica started, or null when it is not one of its own. */
    String endpointOf(String driverId);

    /** Makes a driver of another replica reachable here as a peer (its registry entry may not be read yet). */
    void reach(PoolKey pool, String driverId, String endpoint);
}

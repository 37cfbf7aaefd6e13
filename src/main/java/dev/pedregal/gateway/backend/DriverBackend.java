package dev.pedregal.gateway.backend;

import java.util.List;

import io.smallrye.mutiny.Uni;

/**
 * Where drivers run. A backend starts Spark Connect servers and tells when one ends; whether a started
 * driver is ready is judged by the pool through the driver's own RPCs.
 */
public interface DriverBackend {

    /** Short name shown to operators, e.g. {@code local}. */
    String name();

    /** Starts a driver. The returned handle's endpoint may not accept RPCs yet. */
    Uni<DriverHandle> start(DriverSpec spec);

    /** Stops a driver and waits until it is gone. Idempotent. */
    Uni<Void> stop(DriverHandle driver);

    /** Drivers of this backend that are running now. */
    List<DriverHandle> list();
}

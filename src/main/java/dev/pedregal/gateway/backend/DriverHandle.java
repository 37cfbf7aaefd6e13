package dev.pedregal.gateway.backend;

import java.util.concurrent.CompletionStage;

/** A driver a backend started: where it listens, and a stage completing when it ends. */
public interface DriverHandle {

    String driverId();

    /** Host of the driver's Spark Connect endpoint. */
    String host();

    /** Port of the driver's Spark Connect endpoint. */
    int port();

    /** Backend-specific identity for operators (a pid, a pod name). */
    String describe();

    /** Completes, with the reason, once the driver has ended for whatever cause. */
    CompletionStage<String> terminated();
}

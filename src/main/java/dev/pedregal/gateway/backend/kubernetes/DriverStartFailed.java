package dev.pedregal.gateway.backend.kubernetes;

/** A driver's SparkApplication was created but no usable driver pod came of it; the application is deleted. */
public final class DriverStartFailed extends RuntimeException {

    public DriverStartFailed(String message) {
        super(message);
    }
}

package dev.pedregal.gateway.placement;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.pedregal.gateway.backend.DriverHandle;

/**
 * A driver another gateway replica started, known from the shared driver registry or from a binding naming it.
 * This replica forwards to it and health-checks it, but never starts or stops it; it ends when the registry
 * says so (or stops mentioning it).
 */
final class PeerHandle implements DriverHandle {

    private final String driverId;
    private final String host;
    private final int port;
    private final CompletableFuture<String> terminated = new CompletableFuture<>();
    private volatile String owner;
    private volatile long seenAtMillis = System.currentTimeMillis();

    PeerHandle(String driverId, String host, int port, String owner) {
        this.driverId = driverId;
        this.host = host;
        this.port = port;
        this.owner = owner;
    }

    @Override
    public String driverId() {
        return driverId;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String describe() {
        return "peer of replica " + owner;
    }

    @Override
    public CompletionStage<String> terminated() {
        return terminated;
    }

    void seen(String owner) {
        this.owner = owner;
        this.seenAtMillis = System.currentTimeMillis();
    }

    long seenAtMillis() {
        return seenAtMillis;
    }

    void end(String reason) {
        terminated.complete(reason);
    }
}

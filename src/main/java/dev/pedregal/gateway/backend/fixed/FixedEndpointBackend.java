package dev.pedregal.gateway.backend.fixed;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import dev.pedregal.gateway.backend.DriverBackend;
import dev.pedregal.gateway.backend.DriverHandle;
import dev.pedregal.gateway.backend.DriverSpec;
import io.smallrye.mutiny.Uni;

/**
 * Drivers that already run: Spark Connect servers listed in configuration, handed out one per started driver.
 * Nothing is launched or killed — start claims the next endpoint not in use, stop releases it. An attached
 * server cannot be given the pool's driver secret, so it must accept calls without
 * {@code spark.connect.authenticate.token} (keep it on loopback or a private network).
 */
public class FixedEndpointBackend implements DriverBackend {

    private final List<Endpoint> endpoints;
    private final Map<Endpoint, AttachedDriver> inUse = new ConcurrentHashMap<>();

    public FixedEndpointBackend(List<String> endpoints) {
        this.endpoints = endpoints.stream().map(String::trim).filter(e -> !e.isEmpty()).map(Endpoint::parse).toList();
        if (this.endpoints.isEmpty()) {
            throw new IllegalArgumentException("pedregal.backend.fixed-endpoints lists no endpoint");
        }
    }

    @Override
    public String name() {
        return "fixed";
    }

    @Override
    public Uni<DriverHandle> start(DriverSpec spec) {
        return Uni.createFrom().item(() -> claim(spec.driverId()));
    }

    private synchronized DriverHandle claim(String driverId) {
        for (Endpoint endpoint : endpoints) {
            if (!inUse.containsKey(endpoint)) {
                AttachedDriver driver = new AttachedDriver(driverId, endpoint);
                inUse.put(endpoint, driver);
                return driver;
            }
        }
        throw new EndpointsExhausted(endpoints.size());
    }

    @Override
    public Uni<Void> stop(DriverHandle driver) {
        return Uni.createFrom().item(() -> {
            if (driver instanceof AttachedDriver attached && inUse.remove(attached.endpoint, attached)) {
                attached.released.complete("released by the gateway; " + attached.endpoint + " keeps running");
            }
            return null;
        });
    }

    @Override
    public List<DriverHandle> list() {
        return new ArrayList<>(inUse.values());
    }

    /** Every configured endpoint serves a driver already. */
    public static final class EndpointsExhausted extends IllegalStateException {
        EndpointsExhausted(int count) {
            super("all " + count + " fixed Spark Connect endpoint(s) are in use (pedregal.backend.fixed-endpoints)");
        }
    }

    record Endpoint(String host, int port) {
        static Endpoint parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new IllegalArgumentException("fixed endpoint '" + text + "' is not host:port");
            }
            try {
                return new Endpoint(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("fixed endpoint '" + text + "' has no numeric port", e);
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    private static final class AttachedDriver implements DriverHandle {
        private final String driverId;
        private final Endpoint endpoint;
        // Completes only when the gateway releases the endpoint: the server's own life is not ours to watch.
        private final CompletableFuture<String> released = new CompletableFuture<>();

        AttachedDriver(String driverId, Endpoint endpoint) {
            this.driverId = driverId;
            this.endpoint = endpoint;
        }

        @Override
        public String driverId() {
            return driverId;
        }

        @Override
        public String host() {
            return endpoint.host();
        }

        @Override
        public int port() {
            return endpoint.port();
        }

        @Override
        public String describe() {
            return "attached " + endpoint;
        }

        @Override
        public CompletionStage<String> terminated() {
            return released;
        }
    }
}

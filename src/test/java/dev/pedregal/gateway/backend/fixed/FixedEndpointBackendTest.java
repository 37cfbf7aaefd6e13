package dev.pedregal.gateway.backend.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.backend.DriverHandle;
import dev.pedregal.gateway.backend.DriverSpec;

class FixedEndpointBackendTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final FixedEndpointBackend backend = new FixedEndpointBackend(List.of("127.0.0.1:26210", " 10.0.0.7:15002 "));

    private DriverHandle start(String id) {
        return backend.start(new DriverSpec(id, "pool", Map.of())).await().atMost(WAIT);
    }

    @Test
    void handsOutEachEndpointOnceThenRefuses() {
        DriverHandle first = start("d1");
        DriverHandle second = start("d2");
        assertEquals("127.0.0.1:26210", first.host() + ":" + first.port());
        assertEquals("10.0.0.7:15002", second.host() + ":" + second.port());
        assertEquals(2, backend.list().size());
        assertThrows(FixedEndpointBackend.EndpointsExhausted.class, () -> start("d3"));
    }

    @Test
    void stopReleasesTheEndpointAndEndsOnlyThatDriver() {
        DriverHandle first = start("d1");
        DriverHandle second = start("d2");
        assertFalse(first.terminated().toCompletableFuture().isDone(), "an attached driver never ends on its own");

        backend.stop(first).await().atMost(WAIT);

        assertTrue(first.terminated().toCompletableFuture().isDone());
        assertFalse(second.terminated().toCompletableFuture().isDone());
        DriverHandle reused = start("d3");
        assertEquals(26210, reused.port());
        assertEquals("d3", reused.driverId());
        backend.stop(first).await().atMost(WAIT); // idempotent: does not release d3's claim
        assertEquals(2, backend.list().size());
    }

    @Test
    void refusesMalformedEndpoints() {
        assertThrows(IllegalArgumentException.class, () -> new FixedEndpointBackend(List.of("localhost")));
        assertThrows(IllegalArgumentException.class, () -> new FixedEndpointBackend(List.of("localhost:http")));
        assertThrows(IllegalArgumentException.class, () -> new FixedEndpointBackend(List.of(" ")));
    }
}

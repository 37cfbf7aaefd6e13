package dev.pedregal.gateway.observability;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void keepsPlainIdsOnly() {
        assertTrue(RequestIds.plausible("req-42"));
        assertTrue(RequestIds.plausible("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        assertFalse(RequestIds.plausible(null));
        assertFalse(RequestIds.plausible(""));
        assertFalse(RequestIds.plausible("x".repeat(129)));
        assertFalse(RequestIds.plausible("eyJhbGciOiJSUzI1NiJ9.e30.sig"), "a JWT never reaches logs as a request id");
        assertFalse(RequestIds.plausible("Bearer abc"));
        assertFalse(RequestIds.plausible("a\nforged log line"));
    }
}

package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RequestIdTest {

    @Test
    void keepsPlainIdsOnly() {
        assertTrue(FrontDoor.plausibleRequestId("req-42"));
        assertTrue(FrontDoor.plausibleRequestId("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        assertFalse(FrontDoor.plausibleRequestId(null));
        assertFalse(FrontDoor.plausibleRequestId(""));
        assertFalse(FrontDoor.plausibleRequestId("x".repeat(129)));
        assertFalse(FrontDoor.plausibleRequestId("eyJhbGciOiJSUzI1NiJ9.e30.sig"), "a JWT never reaches logs as a request id");
        assertFalse(FrontDoor.plausibleRequestId("Bearer abc"));
        assertFalse(FrontDoor.plausibleRequestId("a\nforged log line"));
    }
}

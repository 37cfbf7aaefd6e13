package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SessionIdTest {

    @Test
    void acceptsUuids() {
        for (int i = 0; i < 100; i++) {
            assertTrue(SessionRouter.isUuid(UUID.randomUUID().toString()));
        }
        assertTrue(SessionRouter.isUuid("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "not-a-uuid", "1-1-1-1-1", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f00",
            "0f1e2d3c+4b5a-6978-8796-a5b4c3d2e1f0", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg", "../../etc/passwd" })
    void rejectsEverythingElse(String id) {
        assertFalse(SessionRouter.isUuid(id));
    }
}

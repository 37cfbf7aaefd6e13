package dev.pedregal.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.KeycloakResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A gateway pinned to another audience refuses tokens the same provider issued for the Spark gateway:
 * signed correctly, by the right issuer, but not meant for it.
 */
@QuarkusTest
@TestProfile(AudiencePinningTest.OtherAudience.class)
@QuarkusTestResource(value = KeycloakResource.class, restrictToAnnotatedClass = true)
class AudiencePinningTest {

    public static class OtherAudience implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.identity.mode", "oidc",
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.token.audience", "some-other-api",
                    "quarkus.datasource.active", "false",
                    "quarkus.hibernate-orm.active", "false",
                    "pedregal.pool.warm-drivers", "0",
                    "pedregal.identity.teams.analytics.environments", "dev");
        }
    }

    @Test
    void aTokenForAnotherAudienceIsUnauthenticated() throws Exception {
        try (ConnectClient client = new ConnectClient()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> client.getAllAs(KeycloakResource.token("alice"), "alice"));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("audience"), e.getStatus().getDescription());
        }
    }
}

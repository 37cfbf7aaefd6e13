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

/** A gateway pinned to another issuer refuses tokens signed with the keys it fetched, naming the issuer. */
@QuarkusTest
@TestProfile(IssuerPinningTest.OtherIssuer.class)
@QuarkusTestResource(value = KeycloakResource.class, restrictToAnnotatedClass = true)
class IssuerPinningTest {

    public static class OtherIssuer implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.identity.mode", "oidc",
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.token.issuer", "https://idp.example.com/oauth2/other",
                    "quarkus.datasource.active", "false",
                    "quarkus.hibernate-orm.active", "false",
                    "pedregal.pool.warm-drivers", "0",
                    "pedregal.identity.teams.analytics.environments", "dev");
        }
    }

    @Test
    void aTokenFromAnotherIssuerIsUnauthenticated() throws Exception {
        try (ConnectClient client = new ConnectClient()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> client.getAllAs(KeycloakResource.token("alice"), "alice"));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("issuer"), e.getStatus().getDescription());
        }
    }
}

package dev.pedregal.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.KeycloakResource;
import dev.pedregal.gateway.support.Oidc;
import dev.pedregal.gateway.support.PostgresResource;
import dev.pedregal.gateway.support.RedisResource;
import dev.pedregal.gateway.support.TlsCertificates;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The packaged gateway as `make run` starts it — TLS on a non-loopback listener, OIDC tokens on every RPC,
 * one pool per team, the audit in PostgreSQL, every session admitted through the capacity calendar in Redis —
 * driven by the real pyspark client with real tokens from a real Keycloak. Pool local-staging sells its capacity
 * (a team has none there without a purchase), and marketing may use staging, for the capacity test.
 */
@QuarkusIntegrationTest
@TestProfile(SecureEndToEndIT.Secure.class)
@QuarkusTestResource(value = KeycloakResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TlsCertificates.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
class SecureEndToEndIT {

    public static class Secure implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Oidc.secured(
                    Map.entry("quarkus.grpc.server.host", "0.0.0.0"),
                    Map.entry("pedregal.pool.warm-drivers", "1"),
                    Map.entry("pedregal.pool.max-drivers", "2"),
                    Map.entry("pedregal.local.work-dir", "target/drivers-secure-it"),
                    Map.entry("pedregal.provisioning.reap-interval", "2s"),
                    Map.entry("pedregal.capacity.pools.local-staging.require-purchase", "true"),
                    Map.entry("pedregal.identity.teams.marketing.environments", "dev,staging"));
        }
    }

    @Test
    void pysparkWithTokensOverTls() throws Exception {
        EndToEndIT.awaitReady();
        ProcessBuilder pytest = new ProcessBuilder(".local/venv/bin/python", "-m", "pytest", "-q", "-p",
                "no:cacheprovider", "src/test/python/secure");
        pytest.environment().put("GATEWAY_REMOTE", EndToEndIT.REMOTE);
        pytest.environment().put("GATEWAY_HTTP", EndToEndIT.HTTP);
        pytest.environment().put("KEYCLOAK_ISSUER", KeycloakResource.ISSUER);
        // The operator API is for platform admins: erin is one.
        pytest.environment().put("GATEWAY_OPERATOR_TOKEN", KeycloakResource.token("erin"));
        pytest.environment().put("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", TlsCertificates.DIR.resolve("ca.crt").toString());
        assertEquals(0, EndToEndIT.run(pytest, 900), "the secure pyspark suite failed (see its output above)");
    }

}

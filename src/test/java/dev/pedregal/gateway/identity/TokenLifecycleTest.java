package dev.pedregal.gateway.identity;

import static dev.pedregal.gateway.support.ConnectClient.newSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.TestIssuer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The life of signing keys and tokens, against an issuer the test controls (reliability matrix rows 17–21):
 * key rotation, a flood of unknown kids, the IdP going down, tokens not yet valid or without expiry, and a
 * token expiring while its session still runs. Every refused call leaves the drivers untouched.
 */
@QuarkusTest
@TestProfile(TokenLifecycleTest.ControlledIssuer.class)
@QuarkusTestResource(value = TestIssuer.class, restrictToAnnotatedClass = true)
class TokenLifecycleTest {

    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(4);
    static final int GRACE_SECONDS = 1;
    static final String ANALYTICS = "spark-team-analytics";

    public static class ControlledIssuer implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.identity.mode", "oidc",
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.token.forced-jwk-refresh-interval", REFRESH_INTERVAL.toSeconds() + "S",
                    "quarkus.oidc.token.lifespan-grace", String.valueOf(GRACE_SECONDS),
                    "quarkus.datasource.active", "false",
                    "quarkus.hibernate-orm.active", "false",
                    "pedregal.pool.warm-drivers", "1",
                    "pedregal.pool.max-drivers", "1",
                    "pedregal.pool.max-sessions-per-driver", "1000",
                    "pedregal.identity.teams.analytics.environments", "dev");
        }
    }

    ConnectClient client;

    @BeforeEach
    void connect() {
        Operator.awaitReadyDrivers(1);
        client = new ConnectClient();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestIssuer.down(false);
        client.close();
    }

    void refused(String reasonPart, String token) {
        long before = Operator.forwardedRpcs();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.getAllAs(token, "x"));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().contains(reasonPart), e.getStatus().getDescription());
        assertEquals(before, Operator.forwardedRpcs(), "no driver was called");
    }

    /** Waits until a forced JWKS refresh is allowed again. */
    static void refreshIntervalPasses() throws InterruptedException {
        Thread.sleep(REFRESH_INTERVAL.toMillis() + 500);
    }

    @Test
    void aRotatedKeyIsFetchedOnceThenAccepted() throws InterruptedException {
        refreshIntervalPasses();
        String kid = TestIssuer.rotateKey();
        int before = TestIssuer.jwksFetches();
        client.getAllAs(TestIssuer.token("alice", ANALYTICS, ""), "alice");
        assertEquals(before + 1, TestIssuer.jwksFetches(), "one JWKS fetch for the new kid " + kid);
        client.getAllAs(TestIssuer.token("carol", ANALYTICS, ""), "carol");
        assertEquals(before + 1, TestIssuer.jwksFetches(), "the new key is cached after that fetch");
    }

    @Test
    void aFloodOfUnknownKidsFetchesTheKeysAtMostOncePerIntervalAndOthersAreUnaffected() throws InterruptedException {
        refreshIntervalPasses();
        int before = TestIssuer.jwksFetches();
        long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            refused("key", TestIssuer.token("mallory", ANALYTICS, "kid=" + UUID.randomUUID()));
            if (i % 50 == 0) {
                client.getAllAs(TestIssuer.token("alice", ANALYTICS, ""), "alice");
            }
        }
        long intervals = 1 + (System.nanoTime() - start) / REFRESH_INTERVAL.toNanos();
        int fetches = TestIssuer.jwksFetches() - before;
        assertTrue(fetches >= 1 && fetches <= intervals,
                fetches + " JWKS fetches for 200 unknown kids over " + intervals + " refresh intervals");
    }

    @Test
    void whileTheIdpIsDownCachedKeysKeepValidatingAndUnknownKidsFailClosed() throws InterruptedException {
        refreshIntervalPasses();
        TestIssuer.down(true);
        int before = TestIssuer.jwksFetches();
        // A token never seen before, signed with a key fetched earlier: validated locally.
        client.getAllAs(TestIssuer.token("alice", ANALYTICS, ""), "alice");
        refused("key", TestIssuer.token("alice", ANALYTICS, "kid=rotated-while-down"));
        assertEquals(before, TestIssuer.jwksFetches(), "no JWKS was served while down");
        client.getAllAs(TestIssuer.token("carol", ANALYTICS, ""), "carol");
    }

    @Test
    void tokensNotYetValidOrWithoutExpiryAreRefused() {
        refused("not valid", TestIssuer.token("alice", ANALYTICS, "nbf=120"));
        refused("not valid", TestIssuer.token("alice", ANALYTICS, "iat=120"));
        refused("not valid", TestIssuer.token("alice", ANALYTICS, "exp=none"));
        refused("expired", TestIssuer.token("alice", ANALYTICS, "exp=-60"));
        // Within the configured clock-skew grace, a token just past its expiry still passes.
        client.getAllAs(TestIssuer.token("alice", ANALYTICS, "exp=0"), "alice");
    }

    @Test
    void aQueryThatOutlivesItsTokenFailsAtTheNextReattachSayingTheTokenExpired() throws InterruptedException {
        String token = TestIssuer.token("alice", ANALYTICS, "exp=3");
        String session = newSession();
        String operation = UUID.randomUUID().toString();
        ExecutePlanRequest query = ConnectClient.sql("alice", session, "select id from range(10)").toBuilder()
                .setOperationId(operation)
                .addRequestOptions(ExecutePlanRequest.RequestOption.newBuilder()
                        .setReattachOptions(org.apache.spark.connect.proto.ReattachOptions.newBuilder().setReattachable(true)))
                .build();
        var responses = client.authorized(token, Map.of()).executePlan(query);
        assertTrue(responses.hasNext(), "the query runs while the token is valid");
        responses.next();

        Thread.sleep((3 + GRACE_SECONDS + 1) * 1000L);
        long before = Operator.forwardedRpcs();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.authorized(token, Map.of())
                .reattachExecute(ReattachExecuteRequest.newBuilder().setSessionId(session)
                        .setUserContext(ConnectClient.user("alice")).setOperationId(operation).build())
                .hasNext());
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().contains("expired"), e.getStatus().getDescription());
        assertFalse(e.getStatus().getDescription().contains(token.substring(0, 10)), "no token in the message");
        assertEquals(before, Operator.forwardedRpcs(), "the reattach never reached the driver");
    }
}

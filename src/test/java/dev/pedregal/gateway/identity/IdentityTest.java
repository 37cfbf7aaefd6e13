package dev.pedregal.gateway.identity;

import static dev.pedregal.gateway.support.ConnectClient.newSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ConfigResponse;
import org.apache.spark.connect.proto.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.KeycloakResource;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Identity on the front door with real tokens from a real Keycloak: who may call, which team's pool a call
 * reaches, and the user id the driver sees. Every refused call must leave the drivers untouched.
 */
@QuarkusTest
@TestProfile(IdentityTest.Oidc.class)
@QuarkusTestResource(value = KeycloakResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
class IdentityTest {

    public static class Oidc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.identity.mode", "oidc",
                    "quarkus.http.auth.permission.operator.policy", "platform-admin",
                    "quarkus.oidc.token.lifespan-grace", "5",
                    "quarkus.oidc.tenant-enabled", "true",
                    "pedregal.pool.warm-drivers", "1",
                    "pedregal.pool.max-drivers", "2",
                    "pedregal.identity.teams.analytics.environments", "dev",
                    "pedregal.identity.teams.marketing.environments", "dev");
        }
    }

    ConnectClient client;

    @BeforeEach
    void connect() {
        Operator.bearer = KeycloakResource.token("erin");
        Operator.awaitReadyDrivers(1);
        client = new ConnectClient();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
        Operator.bearer = null;
    }

    @Test
    void theOperatorApiIsForPlatformAdmins() {
        io.restassured.RestAssured.given().get("/api/v1/sessions").then().statusCode(401);
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + KeycloakResource.token("alice"))
                .get("/api/v1/sessions").then().statusCode(403);
        io.restassured.RestAssured.given().header("Authorization", "Bearer " + KeycloakResource.token("erin"))
                .get("/api/v1/sessions").then().statusCode(200);
        io.restassured.RestAssured.given().get("/q/health/ready").then().statusCode(200);
    }

    ConfigResponse setAs(String token, Map<String, String> headers, String session, String key, String value) {
        return client.authorized(token, headers)
                .config(ConfigRequest.newBuilder().setSessionId(session)
                        .setUserContext(ConnectClient.user("victim"))
                        .setOperation(ConfigRequest.Operation.newBuilder().setSet(ConfigRequest.Set.newBuilder()
                                .addPairs(KeyValue.newBuilder().setKey(key).setValue(value))))
                        .build());
    }

    void refused(Status.Code code, String messagePart, Runnable call) {
        long before = Operator.forwardedRpcs();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().contains(messagePart), e.getStatus().getDescription());
        assertEquals(before, Operator.forwardedRpcs(), "no driver was called");
    }

    @Test
    void aTeamMemberReachesItsTeamsPoolAsItself() {
        String session = newSession();
        setAs(KeycloakResource.token("alice"), Map.of(), session, "spark.sql.shuffle.partitions", "7");
        Map<String, Object> bound = Operator.session(session, "alice");
        assertNotNull(bound, "bound under the verified user, not the claimed 'victim'");
        assertEquals("analytics", bound.get("team"));
        assertEquals("dev", bound.get("environment"));
        assertTrue(Operator.sessions().stream().noneMatch(s -> "victim".equals(s.get("userId"))));
    }

    @Test
    void sessionsAndRefusalsAreAuditedDurablyWithoutTokens() {
        String session = newSession();
        setAs(KeycloakResource.token("alice"), Map.of(), session, "spark.sql.shuffle.partitions", "5");
        refused(Status.Code.UNAUTHENTICATED, "no bearer token", () -> setAs(null, Map.of(), session, "k", "v"));
        refused(Status.Code.PERMISSION_DENIED, "spark-team-marketing", () -> setAs(KeycloakResource.token("alice"),
                Map.of("x-spark-team", "marketing"), newSession(), "k", "v"));
        String admin = "Bearer " + KeycloakResource.token("erin");
        Operator.await("the audit rows to be written", java.time.Duration.ofSeconds(10), () -> io.restassured.RestAssured
                .given().header("Authorization", admin).queryParam("session", session).get("/api/v1/audit")
                .then().statusCode(200).extract().jsonPath().getList("$").size() >= 2);
        var rows = io.restassured.RestAssured.given().header("Authorization", admin).queryParam("session", session)
                .get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
        java.util.List<String> actions = rows.getList("action");
        assertTrue(actions.contains("session_start"), actions.toString());
        assertTrue(rows.getList("reason").contains("missing_token"), rows.prettify());
        java.util.Map<String, Object> start = rows.getList("findAll { it.action == 'session_start' }", java.util.Map.class).get(0);
        assertEquals("alice", start.get("userId"));
        assertEquals("analytics", start.get("team"));
        assertNotNull(start.get("driverId"));
        assertNotNull(start.get("requestId"));
        var denied = io.restassured.RestAssured.given().header("Authorization", admin).queryParam("reason", "not_in_team")
                .get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
        assertTrue(denied.getList("userId").contains("alice"), denied.prettify());
        String all = io.restassured.RestAssured.given().header("Authorization", admin).queryParam("size", "1000")
                .get("/api/v1/audit").then().statusCode(200).extract().asString();
        assertTrue(!all.contains("eyJ") && !all.contains("Bearer"), "no token in the audit");
    }

    @Test
    void theServiceAccountRunsLikeAUser() {
        String session = newSession();
        setAs(KeycloakResource.token("ci-analytics"), Map.of(), session, "spark.sql.shuffle.partitions", "3");
        assertTrue(Operator.sessions().stream().anyMatch(s -> session.equals(s.get("sessionId"))
                && "analytics".equals(s.get("team"))));
    }

    @Test
    void aUserOutsideTheTeamIsDeniedNamingTheTeamAndGroup() {
        refused(Status.Code.PERMISSION_DENIED, "spark-team-analytics", () -> setAs(KeycloakResource.token("bob"),
                Map.of("x-spark-team", "analytics"), newSession(), "k", "v"));
    }

    @Test
    void aUserInNoTeamGetsNoDefaultTenant() {
        refused(Status.Code.PERMISSION_DENIED, "belongs to no Spark team",
                () -> setAs(KeycloakResource.token("dave"), Map.of(), newSession(), "k", "v"));
    }

    @Test
    void aMemberOfTwoTeamsMustChoose() {
        refused(Status.Code.PERMISSION_DENIED, "x-spark-team",
                () -> setAs(KeycloakResource.token("carol"), Map.of(), newSession(), "k", "v"));
        String session = newSession();
        setAs(KeycloakResource.token("carol"), Map.of("x-spark-team", "marketing"), session, "k", "v");
        assertEquals("marketing", Operator.session(session, "carol").get("team"));
    }

    @Test
    void aSessionIdPresentedByAnotherUserIsAnotherSession() {
        String session = newSession();
        setAs(KeycloakResource.token("alice"), Map.of(), session, "spark.sql.shuffle.partitions", "7");
        setAs(KeycloakResource.token("carol"), Map.of("x-spark-team", "analytics"), session, "spark.sql.shuffle.partitions", "9");
        assertNotNull(Operator.session(session, "alice"));
        assertNotNull(Operator.session(session, "carol"));
    }

    @Test
    void badTokensAreUnauthenticated() {
        String alice = KeycloakResource.token("alice");
        refused(Status.Code.UNAUTHENTICATED, "no bearer token", () -> setAs(null, Map.of(), newSession(), "k", "v"));
        refused(Status.Code.UNAUTHENTICATED, "not valid", () -> setAs("not-a-jwt", Map.of(), newSession(), "k", "v"));
        String[] parts = alice.split("\\.");
        String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        refused(Status.Code.UNAUTHENTICATED, "", () -> setAs(none, Map.of(), newSession(), "k", "v"));
        String tampered = parts[0] + "." + b64(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"alice\"", "\"erin\"")) + "." + parts[2];
        refused(Status.Code.UNAUTHENTICATED, "", () -> setAs(tampered, Map.of(), newSession(), "k", "v"));
    }

    @Test
    void aTokenSignedWithAKeyTheProviderDoesNotPublishIsRefused() throws Exception {
        // Same claims as a real token, re-signed (RS256) with a key of our own under a random kid.
        String[] real = KeycloakResource.token("alice").split("\\.");
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.security.KeyPair keys = generator.generateKeyPair();
        String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + java.util.UUID.randomUUID() + "\"}");
        java.security.Signature rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initSign(keys.getPrivate());
        rsa.update((header + "." + real[1]).getBytes(StandardCharsets.US_ASCII));
        String forged = header + "." + real[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rsa.sign());
        refused(Status.Code.UNAUTHENTICATED, "", () -> setAs(forged, Map.of(), newSession(), "k", "v"));
        // The real token still works: the refusal did not poison the key cache.
        setAs(KeycloakResource.token("alice"), Map.of(), newSession(), "spark.sql.shuffle.partitions", "4");
    }

    @Test
    void hs256SignedWithTheProvidersPublicKeyIsRefused() throws Exception {
        // The classic algorithm-confusion forgery: HMAC keyed with the RSA public key the JWKS publishes.
        String jwks = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(KeycloakResource.ISSUER + "/protocol/openid-connect/certs")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher n = java.util.regex.Pattern.compile("\"n\":\"([^\"]+)\"").matcher(jwks);
        java.util.regex.Matcher e = java.util.regex.Pattern.compile("\"e\":\"([^\"]+)\"").matcher(jwks);
        assertTrue(n.find() && e.find(), "the provider publishes an RSA key");
        java.security.PublicKey publicKey = java.security.KeyFactory.getInstance("RSA").generatePublic(
                new java.security.spec.RSAPublicKeySpec(new java.math.BigInteger(1, Base64.getUrlDecoder().decode(n.group(1))),
                        new java.math.BigInteger(1, Base64.getUrlDecoder().decode(e.group(1)))));
        String[] real = KeycloakResource.token("alice").split("\\.");
        String header = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(publicKey.getEncoded(), "HmacSHA256"));
        String forged = header + "." + real[1] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal((header + "." + real[1]).getBytes(StandardCharsets.US_ASCII)));
        refused(Status.Code.UNAUTHENTICATED, "", () -> setAs(forged, Map.of(), newSession(), "k", "v"));
    }

    @Test
    void anExpiredTokenSaysSo() throws Exception {
        String shortLived = KeycloakResource.shortLivedToken("alice");
        String session = newSession();
        setAs(shortLived, Map.of(), session, "spark.sql.shuffle.partitions", "2");
        Thread.sleep(15_000 + 5_000 + 1_500); // 15 s lifespan + the 5 s clock-skew grace of this profile
        refused(Status.Code.UNAUTHENTICATED, "expired",
                () -> setAs(shortLived, Map.of(), session, "spark.sql.shuffle.partitions", "3"));
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

}

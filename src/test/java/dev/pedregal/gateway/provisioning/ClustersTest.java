package dev.pedregal.gateway.provisioning;

import static dev.pedregal.gateway.support.ConnectClient.newSession;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.KeyValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.KeycloakResource;
import dev.pedregal.gateway.support.Oidc;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/**
 * The cluster API against real PostgreSQL, real Keycloak tokens and real local Spark drivers: create
 * (idempotently), see, connect, scale, extend, expire and delete; templates, bounds, quotas and tenancy.
 */
@QuarkusTest
@TestProfile(ClustersTest.Clusters.class)
@QuarkusTestResource(value = KeycloakResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = true)
class ClustersTest {

    public static class Clusters implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Oidc.secured(
                    Map.entry("pedregal.pool.warm-drivers", "0"),
                    Map.entry("pedregal.pool.max-drivers", "3"),
                    Map.entry("pedregal.provisioning.reap-interval", "1s"),
                    Map.entry("pedregal.provisioning.quotas.marketing.vcpu", "20"),
                    Map.entry("pedregal.provisioning.quotas.analytics.clusters", "3"),
                    Map.entry("pedregal.identity.teams.analytics.environments", "dev,test"),
                    Map.entry("pedregal.identity.teams.marketing.environments", "dev"));
        }
    }

    static String alice;
    static String bob;
    static String carol;
    static String erin;

    @BeforeAll
    static void tokens() {
        alice = KeycloakResource.token("alice");
        bob = KeycloakResource.token("bob");
        carol = KeycloakResource.token("carol");
        erin = KeycloakResource.token("erin");
        Operator.bearer = erin;
    }

    @AfterAll
    static void forget() {
        Operator.bearer = null;
    }

    static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token).contentType("application/json");
    }

    static ValidatableResponse create(String token, String body) {
        return as(token).body(body).post("/api/v1/clusters").then();
    }

    static Map<String, Object> awaitState(String token, String id, String state) {
        Operator.await("cluster " + id + " " + state, Duration.ofSeconds(180),
                () -> state.equals(as(token).get("/api/v1/clusters/" + id).then().extract().path("state")));
        return as(token).get("/api/v1/clusters/" + id).then().statusCode(200).extract().as(Map.class);
    }

    static String confIn(String cluster, String token, String session, String key) {
        try (ConnectClient client = new ConnectClient()) {
            return client.authorized(token, Map.of("x-spark-cluster", cluster)).config(ConfigRequest.newBuilder()
                    .setSessionId(session).setUserContext(ConnectClient.user("alice"))
                    .setOperation(ConfigRequest.Operation.newBuilder().setGet(ConfigRequest.Get.newBuilder().addKeys(key)))
                    .build()).getPairs(0).getValue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aTeamCreatesConnectsToScalesAndDeletesItsCluster() {
        String body = """
                {"name": "analytics-nb", "environment": "dev", "template": "small", "ttl": "2h", "warmDrivers": 1,
                 "maxDrivers": 2, "overrides": {"executorsMax": 1, "sparkConf": {"spark.pedregal.marker": "nb"}}}""";
        Map<String, Object> created = create(alice, body).statusCode(201).header("Location", containsString("/api/v1/clusters/"))
                .body("team", equalTo("analytics")).body("endpoint", equalTo("sc://analytics-nb.spark.pedregal.local:15002"))
                .extract().as(Map.class);
        String id = (String) created.get("id");
        // The same request again without a key is a duplicate name; with none of these it is a new cluster.
        create(alice, body).statusCode(409).contentType("application/problem+json").body("detail", containsString("analytics-nb"));

        Map<String, Object> ready = awaitState(alice, id, "READY");
        assertEquals(1, ready.get("readyDrivers"));
        assertEquals("local", ready.get("target"));

        // The cluster's drivers run the template, the environment's settings and the overrides.
        String session = newSession();
        assertEquals("8", confIn("analytics-nb", alice, session, "spark.sql.shuffle.partitions"));
        assertEquals("nb", confIn("analytics-nb", alice, session, "spark.pedregal.marker"));
        Map<String, Object> bound = Operator.session(session, "alice");
        assertEquals("analytics-nb", bound.get("cluster"));
        assertTrue(Operator.drivers("analytics/dev/analytics-nb").stream().anyMatch(d -> d.get("id").equals(bound.get("driverId"))));

        // Another team neither sees it nor reaches it.
        as(bob).get("/api/v1/clusters/" + id).then().statusCode(404);
        as(bob).delete("/api/v1/clusters/" + id).then().statusCode(404);
        as(bob).get("/api/v1/clusters").then().statusCode(200).body("items.id", org.hamcrest.Matchers.not(hasItem(id)));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> confIn("analytics-nb", bob, newSession(), "spark.sql.shuffle.partitions"));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("spark-team-analytics"), e.getStatus().getDescription());

        // Scale: two warm drivers, within the team's quota.
        as(alice).body("{\"warmDrivers\": 2, \"maxDrivers\": 3}").post("/api/v1/clusters/" + id + "/scale").then()
                .statusCode(202).body("state", equalTo("SCALING"));
        assertEquals(2, awaitState(alice, id, "READY").get("readyDrivers"));

        // Extend the TTL, within the longest allowed.
        Instant before = Instant.parse((String) ready.get("expiresAt"));
        Instant after = Instant.parse(as(alice).body("{\"extendBy\": \"1h\"}").post("/api/v1/clusters/" + id + "/ttl")
                .then().statusCode(200).extract().path("expiresAt"));
        assertEquals(Duration.ofHours(1), Duration.between(before, after));
        as(alice).body("{\"extendBy\": \"30d\"}").post("/api/v1/clusters/" + id + "/ttl").then().statusCode(400)
                .body("errors[0].field", equalTo("extendBy"));

        // Delete: the drivers stop and the session is told why at its next call.
        as(alice).delete("/api/v1/clusters/" + id).then().statusCode(202).body("state", equalTo("DELETING"));
        awaitState(alice, id, "DELETED");
        assertTrue(Operator.drivers("analytics/dev/analytics-nb").isEmpty());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                () -> confIn("analytics-nb", alice, session, "spark.sql.shuffle.partitions"));
        assertTrue(gone.getStatus().getDescription().contains("deleted by alice"), gone.getStatus().getDescription());

        // Every action is in the audit.
        List<String> actions = RestAssured.given().header("Authorization", "Bearer " + erin)
                .queryParam("team", "analytics").get("/api/v1/audit").then().statusCode(200).extract().path("action");
        assertTrue(actions.containsAll(List.of("cluster_create", "cluster_scale", "cluster_extend_ttl", "cluster_delete")),
                actions.toString());
        List<String> denied = RestAssured.given().header("Authorization", "Bearer " + erin)
                .queryParam("team", "analytics").queryParam("outcome", "denied").get("/api/v1/audit").then()
                .extract().path("action");
        assertTrue(denied.contains("cluster_get") && denied.contains("cluster_delete"), denied.toString());
    }

    @Test
    void aClusterWhoseTtlEndsIsReapedAndItsSessionsAreToldWhy() {
        String id = create(alice, """
                {"name": "analytics-short", "environment": "test", "template": "small", "ttl": "25s", "warmDrivers": 1}""")
                .statusCode(201).body("environment", equalTo("test")).extract().path("id");
        awaitState(alice, id, "READY");
        String session = newSession();
        assertEquals("8", confIn("analytics-short", alice, session, "spark.sql.shuffle.partitions"));

        Map<String, Object> deleted = awaitState(alice, id, "DELETED");
        assertTrue(((String) deleted.get("reason")).contains("TTL ended"), deleted.toString());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> confIn("analytics-short", alice, session, "spark.sql.shuffle.partitions"));
        assertEquals(Status.Code.ABORTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("expired: its TTL ended"), e.getStatus().getDescription());
        StatusRuntimeException fresh = assertThrows(StatusRuntimeException.class,
                () -> confIn("analytics-short", alice, newSession(), "spark.sql.shuffle.partitions"));
        assertEquals(Status.Code.NOT_FOUND, fresh.getStatus().getCode());
        assertTrue(fresh.getStatus().getDescription().contains("expired"), fresh.getStatus().getDescription());
    }

    @Test
    void badRequestsNameTheFieldAndTheBound() {
        problem(create(alice, "{\"name\": \"Not_A_Name\", \"environment\": \"dev\", \"template\": \"small\"}"), "name", "DNS-1123");
        problem(create(alice, "{\"environment\": \"dev\", \"template\": \"huge\"}"), "template", "unknown template");
        problem(create(alice, "{\"environment\": \"qa\", \"template\": \"small\"}"), "environment", "unknown environment");
        problem(create(alice, "{\"environment\": \"dev\", \"region\": \"mars-1\", \"template\": \"small\"}"), "region", "us-west-2");
        problem(create(alice, "{\"environment\": \"dev\", \"template\": \"small\", \"overrides\": {\"driverCores\": 64}}"),
                "overrides.driverCores", "between 1 and 2");
        problem(create(alice, "{\"environment\": \"dev\", \"template\": \"small\", \"overrides\": {\"sparkConf\": "
                + "{\"spark.connect.authenticate.token\": \"x\"}}}"), "overrides.sparkConf.spark.connect.authenticate.token",
                "set by the platform");
        problem(create(alice, "{\"environment\": \"dev\", \"template\": \"small\", \"warmDrivers\": 5, \"maxDrivers\": 2}"),
                "warmDrivers", "between 0 and maxDrivers");
        problem(create(alice, "{\"environment\": \"dev\", \"template\": \"small\", \"ttl\": \"forever\"}"), "ttl", "not a duration");
        problem(create(alice, "{\"environment\": \"dev\", \"template\": \"small\", \"colour\": \"blue\"}"), "colour", "unknown field");
        problem(create(alice, "{\"environment\": \"dev\", \"template\": \"small\", \"warmDrivers\": \"many\"}"), "warmDrivers",
                "wrong type");
        create(alice, "{\"environment\": ").statusCode(400).contentType("application/problem+json");
        create(alice, "{\"environment\": \"dev\", \"template\": \"small\", \"team\": \"marketing\"}").statusCode(403)
                .body("detail", containsString("spark-team-marketing"));
        as(alice).get("/api/v1/clusters/not-a-uuid").then().statusCode(404).contentType("application/problem+json");
        RestAssured.given().contentType("application/json").body("{}").post("/api/v1/clusters").then().statusCode(401);
    }

    static void problem(ValidatableResponse response, String field, String message) {
        response.statusCode(400).contentType("application/problem+json").body("status", equalTo(400))
                .body("errors.field", hasItem(field)).body("errors.message", hasItem(containsString(message)));
    }

    @Test
    void aTeamOverItsQuotaIsToldWhichQuota() {
        create(bob, "{\"environment\": \"dev\", \"template\": \"large\", \"warmDrivers\": 0, \"maxDrivers\": 1}")
                .statusCode(409).contentType("application/problem+json").body("quota", equalTo("vcpu"))
                .body("limit", equalTo(20)).body("requested", equalTo(44)).body("detail", containsString("marketing"));
    }

    @Test
    void concurrentDuplicateCreatesWithOneIdempotencyKeyMakeOneCluster() throws Exception {
        String body = "{\"name\": \"mkt-idem\", \"team\": \"marketing\", \"environment\": \"dev\", \"template\": \"small\","
                + " \"warmDrivers\": 0, \"maxDrivers\": 1}";
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<io.restassured.response.Response>> replies = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                Callable<io.restassured.response.Response> post = () -> as(carol).header("Idempotency-Key", "nightly-42")
                        .body(body).post("/api/v1/clusters");
                replies.add(pool.submit(post));
            }
            Set<String> ids = new HashSet<>();
            int created = 0;
            for (Future<io.restassured.response.Response> reply : replies) {
                io.restassured.response.Response r = reply.get();
                assertTrue(r.statusCode() == 201 || r.statusCode() == 200, r.asString());
                created += r.statusCode() == 201 ? 1 : 0;
                ids.add(r.path("id"));
            }
            assertEquals(1, ids.size(), "one cluster for one key: " + ids);
            assertEquals(1, created, "exactly one request created it");
        } finally {
            pool.shutdownNow();
        }
        List<String> names = as(carol).queryParam("team", "marketing").get("/api/v1/clusters").then().statusCode(200)
                .extract().path("items.name");
        assertEquals(1, names.stream().filter("mkt-idem"::equals).count());
    }

    @Test
    void platformAdminsManageCustomTemplatesAndTeamsUseThem() {
        String template = """
                {"description": "one small driver, no executors",
                 "defaults": {"driverCores": 1, "driverMemoryMib": 1024, "executorCores": 1, "executorMemoryMib": 1024,
                              "executorsMin": 0, "executorsMax": 0, "dynamicAllocation": false, "sparkConf": {}},
                 "limits": {"driverCores": 1, "driverMemoryMib": 2048, "executorCores": 1, "executorMemoryMib": 1024,
                            "executors": 0}}""";
        as(alice).body(template).put("/api/v1/templates/tiny").then().statusCode(403);
        as(erin).body(template).put("/api/v1/templates/small").then().statusCode(409);
        as(erin).body(template).put("/api/v1/templates/tiny").then().statusCode(200).body("name", equalTo("tiny"));
        List<String> names = as(alice).get("/api/v1/templates").then().statusCode(200).extract().path("name");
        assertEquals(List.of("small", "medium", "large", "xlarge", "tiny"), names);

        create(bob, "{\"name\": \"mkt-tiny\", \"environment\": \"dev\", \"template\": \"tiny\", \"warmDrivers\": 0,"
                + " \"maxDrivers\": 1, \"overrides\": {\"driverMemoryMib\": 4096}}").statusCode(400)
                .body("errors[0].field", equalTo("overrides.driverMemoryMib"))
                .body("errors[0].message", containsString("between 512 and 2048"));
        Map<String, Object> made = create(bob, "{\"name\": \"mkt-tiny\", \"environment\": \"dev\", \"template\": \"tiny\","
                + " \"warmDrivers\": 0, \"maxDrivers\": 1}").statusCode(201).extract().as(Map.class);
        assertEquals("tiny", made.get("template"));
        assertNotNull(made.get("shape"));

        as(erin).delete("/api/v1/templates/tiny").then().statusCode(204);
        as(erin).delete("/api/v1/templates/tiny").then().statusCode(404);
    }

    @Test
    void theApiIsDescribedByOpenApi() {
        String spec = RestAssured.given().get("/q/openapi").then().statusCode(200).extract().asString();
        for (String path : List.of("/api/v1/clusters", "/api/v1/clusters/{id}", "/api/v1/clusters/{id}/scale",
                "/api/v1/clusters/{id}/ttl", "/api/v1/templates")) {
            assertTrue(spec.contains(path), path);
        }
        assertFalse(spec.isBlank());
    }
}

package dev.pedregal.gateway.admission;

import static dev.pedregal.gateway.support.ConnectClient.newSession;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.rpc.RetryInfo;

import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.RedisResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** Rate limits kept in a real Redis: a burst of one, then one request every 20 s (3 a minute). */
@QuarkusTest
@TestProfile(RateLimitTest.ThreeAMinute.class)
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
class RateLimitTest {

    public static class ThreeAMinute implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.pool.warm-drivers", "1",
                    "pedregal.capacity.sessions-per-minute", "3",
                    "pedregal.capacity.rest-calls-per-minute", "3");
        }
    }

    @Inject
    CapacityCalendar calendar;

    @Test
    void aTeamOpeningSessionsFasterThanItsLimitIsToldWhenToRetry() throws Exception {
        RedisResource.awaitCalendarReady(calendar);
        try (ConnectClient client = new ConnectClient()) {
            String first = newSession();
            client.set("ann", first, "spark.sql.shuffle.partitions", "3");
            // Later RPCs of an admitted session are never rate limited.
            for (int i = 0; i < 5; i++) {
                assertEquals("3", client.get("ann", first, "spark.sql.shuffle.partitions"));
            }
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> client.set("ben", newSession(), "spark.sql.shuffle.partitions", "4"));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("faster than its limit of 3 a minute"),
                    e.getStatus().getDescription());
            RetryInfo retry = StatusProto.fromThrowable(e).getDetails(0).unpack(RetryInfo.class);
            assertTrue(retry.getRetryDelay().getSeconds() > 0 && retry.getRetryDelay().getSeconds() <= 20,
                    "retry within one interval: " + retry);
        }
    }

    @Test
    void restCallersOverTheirLimitGet429WithRetryAfterAndEveryAnswerCarriesRateLimitHeaders() {
        Response first = given().get("/api/v1/capacity/pools");
        assertNotEquals(429, first.statusCode());
        assertEquals("1", first.header("RateLimit-Limit"));
        assertEquals("0", first.header("RateLimit-Remaining"));
        given().get("/api/v1/capacity/pools").then()
                .statusCode(429)
                .header("Retry-After", notNullValue())
                .header("RateLimit-Remaining", equalTo("0"))
                .body("type", containsString("rate-limited"))
                .body("detail", containsString("more than 3 requests a minute"));
    }
}

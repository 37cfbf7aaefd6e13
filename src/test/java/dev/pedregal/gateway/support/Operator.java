package dev.pedregal.gateway.support;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The operator API, as tests read it. */
public final class Operator {

    /** A platform admin's token for suites where the operator API requires one; null where it is open. */
    public static volatile String bearer;

    private Operator() {
    }

    static io.restassured.specification.RequestSpecification given() {
        io.restassured.specification.RequestSpecification request = io.restassured.RestAssured.given();
        String token = bearer;
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> drivers() {
        List<Map<String, Object>> pools = given().get("/api/v1/pools").then().statusCode(200).extract().as(List.class);
        return pools.stream().flatMap(p -> ((List<Map<String, Object>>) p.get("members")).stream()).toList();
    }

    /** The drivers of one pool, by name ({@code team/env} or {@code team/env/cluster}); empty when it has none. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> drivers(String pool) {
        List<Map<String, Object>> pools = given().get("/api/v1/pools").then().statusCode(200).extract().as(List.class);
        return pools.stream().filter(p -> pool.equals(p.get("name")))
                .flatMap(p -> ((List<Map<String, Object>>) p.get("members")).stream()).toList();
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> sessions() {
        return given().get("/api/v1/sessions").then().statusCode(200).extract().as(List.class);
    }

    public static Map<String, Object> session(String sessionId, String userId) {
        return sessions().stream()
                .filter(s -> sessionId.equals(s.get("sessionId")) && userId.equals(s.get("userId")))
                .findFirst().orElse(null);
    }

    public static Map<String, Object> driver(String id) {
        return drivers().stream().filter(d -> id.equals(d.get("id"))).findFirst().orElse(null);
    }

    public static long readyDrivers() {
        return drivers().stream().filter(d -> "READY".equals(d.get("state"))).count();
    }

    /** Total RPCs forwarded to drivers. */
    public static long forwardedRpcs() {
        return drivers().stream().mapToLong(d -> ((Number) d.get("rpcs")).longValue()).sum();
    }

    /** The pid of a local driver, from its {@code process} description ("pid N, log ..."). */
    public static long pid(Map<String, Object> driver) {
        String process = (String) driver.get("process");
        return Long.parseLong(process.substring(4, process.indexOf(',')));
    }

    /** Polls until the condition holds, failing after the timeout. */
    public static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public static void awaitReadyDrivers(int n) {
        await(n + " ready drivers", Duration.ofSeconds(180), () -> readyDrivers() >= n);
    }

}

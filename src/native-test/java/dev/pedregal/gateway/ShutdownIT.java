package dev.pedregal.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.KeyValue;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * SIGTERM on the packaged gateway: a running stream drains up to the timeout and is then told clearly, and
 * every driver process the gateway started is gone when it exits — no orphan JVMs.
 */
class ShutdownIT {

    static final int GRPC = 25102;
    static final int HTTP = 28181;

    @Test
    void sigtermDrainsAndLeavesNoOrphanDrivers() throws Exception {
        Path workDir = Path.of("target/drivers-shutdown").toAbsolutePath();
        Path log = Path.of("target/shutdown-it-gateway.log");
        Process gateway = new ProcessBuilder(EndToEndIT.java(),
                "-Dquarkus.grpc.server.port=" + GRPC, "-Dquarkus.http.port=" + HTTP,
                "-Dquarkus.grpc.server.host=127.0.0.1", "-Dpedregal.identity.mode=none",
                "-Dquarkus.oidc.tenant-enabled=false", "-Dquarkus.http.auth.permission.operator.policy=permit",
                "-Dquarkus.datasource.active=false", "-Dquarkus.hibernate-orm.active=false",
                "-Dpedregal.capacity.enabled=false",
                "-Dpedregal.pool.warm-drivers=1", "-Dpedregal.local.driver-memory=512m",
                "-Dpedregal.connect.drain-timeout=3s", "-Dpedregal.local.work-dir=" + workDir,
                "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", GRPC).usePlaintext().build();
        try {
            awaitReady();
            List<Long> driverPids = driverPids();
            assertEquals(1, driverPids.size(), "one warm driver");

            String session = UUID.randomUUID().toString();
            UserContext user = UserContext.newBuilder().setUserId("sam").build();
            var stub = SparkConnectServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            stub.config(ConfigRequest.newBuilder().setSessionId(session).setUserContext(user)
                    .setOperation(ConfigRequest.Operation.newBuilder().setSet(ConfigRequest.Set.newBuilder()
                            .addPairs(KeyValue.newBuilder().setKey("spark.sql.shuffle.partitions").setValue("2"))))
                    .build());
            var running = stub.executePlan(ExecutePlanRequest.newBuilder().setSessionId(session).setUserContext(user)
                    .setOperationId(UUID.randomUUID().toString())
                    .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder()
                            .setSql(SQL.newBuilder().setQuery("select count(*) from range(0, 300000000000)"))))
                    .build());
            Thread.sleep(1000);

            gateway.destroy(); // SIGTERM
            StatusRuntimeException drained = null;
            try {
                running.forEachRemaining(r -> {
                });
            } catch (StatusRuntimeException e) {
                drained = e;
            }
            assertTrue(drained != null, "the endless query was ended by the drain timeout");
            assertEquals(Status.Code.UNAVAILABLE, drained.getStatus().getCode(), drained.toString());
            assertTrue(drained.getStatus().getDescription().contains("shutting down"), drained.toString());

            assertTrue(gateway.waitFor(60, TimeUnit.SECONDS), "the gateway exited");
            for (long pid : driverPids) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "driver " + pid + " is gone");
            }
            try (Stream<Path> files = Files.list(workDir)) {
                assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".pid")).toList(), "pid files removed");
            }
            String output = Files.readString(log);
            assertTrue(output.contains("All drivers stopped"), "orderly shutdown logged");
        } finally {
            channel.shutdownNow();
            if (gateway.isAlive()) {
                gateway.descendants().forEach(ProcessHandle::destroyForcibly);
                gateway.destroyForcibly();
            }
        }
    }

    static void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            try {
                if (get("/q/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the gateway did not become ready within 180 s");
    }

    static List<Long> driverPids() throws Exception {
        List<Long> pids = new ArrayList<>();
        Matcher m = Pattern.compile("\"process\":\"pid (\\d+)").matcher(get("/api/v1/pools").body());
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
        }
        return pids;
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

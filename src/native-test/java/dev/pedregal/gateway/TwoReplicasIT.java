package dev.pedregal.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.RedisServer;

/**
 * Two gateway instances sharing Redis: a pyspark session's RPCs alternate between them and still reach one
 * driver. Two packaged gateways (store=redis, one pool secret key, each with its own local driver pool) and
 * a real Redis; the pyspark script {@code two_replicas.py} drives one session through both.
 */
class TwoReplicasIT {

    static final int REDIS = 27402;
    static final int GRPC_A = 27410;
    static final int HTTP_A = 27411;
    static final int GRPC_B = 27420;
    static final int HTTP_B = 27421;

    @Test
    void aSessionsRpcsAlternateBetweenTwoReplicasAndReachOneDriver() throws Exception {
        Path python = Path.of(".local/venv/bin/python");
        assertTrue(Files.isExecutable(python), "run `make deps` first: " + python + " is missing");
        List<Process> gateways = new ArrayList<>();
        RedisServer redis = RedisServer.start(REDIS);
        try {
            gateways.add(gateway("a", GRPC_A, HTTP_A, redis));
            gateways.add(gateway("b", GRPC_B, HTTP_B, redis));
            awaitReady(HTTP_A);
            awaitReady(HTTP_B);

            int exit = EndToEndIT.run(List.of(python.toString(), "src/native-test/resources/two_replicas.py",
                    "127.0.0.1:" + GRPC_A, "127.0.0.1:" + GRPC_B), 600);
            assertEquals(0, exit, "the two-replica pyspark script failed (see its output above)");

            // Both replicas route the session to the same driver: one replica's own, the other's peer.
            List<String> onA = sessionDrivers(HTTP_A);
            List<String> onB = sessionDrivers(HTTP_B);
            assertEquals(1, onA.size(), "one session seen on A: " + onA);
            assertEquals(onA, onB, "both replicas route the session to one driver");
            String driver = "\"id\":\"" + onA.get(0) + "\"";
            boolean ownedByA = get(HTTP_A, "/api/v1/pools").contains(driver);
            assertTrue(ownedByA != get(HTTP_B, "/api/v1/pools").contains(driver), "exactly one replica started it");
            String peerLog = Files.readString(Path.of("target/replica-" + (ownedByA ? "b" : "a") + "-gateway.log"));
            assertTrue(peerLog.contains("Driver " + onA.get(0) + " of replica"), "the other replica reached it as a peer");
            for (String replica : List.of("a", "b")) {
                String output = Files.readString(Path.of("target/replica-" + replica + "-gateway.log"));
                assertTrue(!output.contains("pedregal-e2e-shared-key"), "the shared key is never logged");
            }
        } finally {
            for (Process gateway : gateways) {
                gateway.destroy();
            }
            for (Process gateway : gateways) {
                if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
                    gateway.descendants().forEach(ProcessHandle::destroyForcibly);
                    gateway.destroyForcibly();
                }
            }
            redis.close();
        }
    }

    private static Process gateway(String name, int grpc, int http, RedisServer redis) throws IOException {
        Path workDir = Path.of("target/drivers-replica-" + name).toAbsolutePath();
        return new ProcessBuilder(EndToEndIT.java(),
                "-Dquarkus.grpc.server.port=" + grpc, "-Dquarkus.http.port=" + http,
                "-Dquarkus.grpc.server.host=127.0.0.1", "-Dpedregal.identity.mode=none",
                "-Dquarkus.oidc.tenant-enabled=false", "-Dquarkus.http.auth.permission.operator.policy=permit",
                "-Dquarkus.http.auth.permission.selfservice.policy=permit",
                "-Dquarkus.datasource.active=false", "-Dquarkus.hibernate-orm.active=false",
                "-Dpedregal.capacity.enabled=false",
                "-Dpedregal.pool.warm-drivers=1", "-Dpedregal.pool.max-drivers=2", "-Dpedregal.pool.health-interval=2s",
                "-Dpedregal.local.driver-memory=768m", "-Dpedregal.local.work-dir=" + workDir,
                "-Dpedregal.pool.spark-conf.\"spark.connect.execute.reattachable.senderMaxStreamDuration\"=1s",
                "-Dpedregal.pool.spark-conf.\"spark.connect.execute.reattachable.senderMaxStreamSize\"=200k",
                "-Dpedregal.sessions.store=redis", "-Dpedregal.sessions.replica=" + name,
                "-Dquarkus.redis.hosts=" + redis.url(), "-Dpedregal.pool.secret-key=pedregal-e2e-shared-key",
                "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(Path.of("target/replica-" + name + "-gateway.log").toFile())
                .start();
    }

    private static List<String> sessionDrivers(int http) throws Exception {
        List<String> drivers = new ArrayList<>();
        Matcher m = Pattern.compile("\"userId\":\"replica-e2e\".*?\"driverId\":\"([^\"]+)\"")
                .matcher(get(http, "/api/v1/sessions"));
        while (m.find()) {
            drivers.add(m.group(1));
        }
        return drivers;
    }

    private static void awaitReady(int http) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            try {
                if (HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + http + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the gateway on :" + http + " did not become ready within 240 s");
    }

    private static String get(int http, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + path))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}

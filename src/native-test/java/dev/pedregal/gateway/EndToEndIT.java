package dev.pedregal.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * The packaged gateway (profile "it": two warm local drivers, tiny reattach limits) driven by the real
 * Spark Connect clients a data engineer uses: the JVM client, then the pyspark suite in src/test/python.
 */
@QuarkusIntegrationTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {

    static final String REMOTE = "sc://127.0.0.1:15002";
    static final String HTTP = "http://127.0.0.1:8081";

    @Test
    @Order(1)
    void theJvmClientWorksThroughTheGateway() throws Exception {
        awaitReady();
        Path clientJars = Path.of(".local/spark-client-4.0.1/jars");
        Path sparkCore = Path.of(".local/spark-4.0.1/jars/spark-core_2.13-4.0.1.jar");
        assertTrue(Files.isDirectory(clientJars), "run `make deps` first: " + clientJars + " is missing");
        // spark-core stands in for spark-connect-shims (placeholder SparkContext/RDD classes), not on our registry.
        String classPath = clientJars.toAbsolutePath() + "/*" + java.io.File.pathSeparator + sparkCore.toAbsolutePath();
        int exit = run(List.of(java(), "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", classPath,
                "src/native-test/resources/JvmClientSmoke.java", REMOTE), 300);
        assertEquals(0, exit, "the JVM client's checks failed (see output above)");
    }

    @Test
    @Order(2)
    void thePysparkSuitePasses() throws Exception {
        awaitReady();
        Path python = Path.of(".local/venv/bin/python");
        assertTrue(Files.isExecutable(python), "run `make deps` first: " + python + " is missing");
        ProcessBuilder pytest = new ProcessBuilder(python.toString(), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "src/test/python", "--ignore=src/test/python/secure");
        pytest.environment().put("GATEWAY_REMOTE", REMOTE);
        pytest.environment().put("GATEWAY_HTTP", HTTP);
        int exit = run(pytest, 1500);
        assertEquals(0, exit, "the pyspark end-to-end suite failed (see its output above)");
    }

    static void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            try {
                var response = java.net.http.HttpClient.newHttpClient().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(HTTP + "/q/health/ready")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the gateway did not become ready within 180 s");
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int run(List<String> command, int timeoutSeconds) throws Exception {
        return run(new ProcessBuilder(command), timeoutSeconds);
    }

    /** Runs a client; its output is echoed through this JVM so the test report and the console carry it. */
    static int run(ProcessBuilder builder, int timeoutSeconds) throws Exception {
        Process process = builder.redirectErrorStream(true).start();
        Thread echo = new Thread(() -> {
            try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
                lines.lines().forEach(System.out::println);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        echo.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(builder.command() + " did not finish within " + timeoutSeconds + " s");
        }
        echo.join(5000);
        return process.exitValue();
    }
}

package dev.pedregal.gateway.support;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real PostgreSQL for the audit (src/local-stack/postgres.sh: Debian's server, installed by `make deps`
 * when missing), on its own port and data directory, reset for every run.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    public static final int PORT = 15432;
    static final Path DATA = Path.of("target/pg-test").toAbsolutePath();

    @Override
    public Map<String, String> start() {
        run(List.of("src/local-stack/postgres.sh", "reset", "--port", Integer.toString(PORT), "--data", DATA.toString()));
        run(List.of("src/local-stack/postgres.sh", "start", "--port", Integer.toString(PORT), "--data", DATA.toString()));
        return Map.of(
                "quarkus.datasource.active", "true",
                "quarkus.hibernate-orm.active", "true",
                "quarkus.datasource.username", "pedregal",
                "quarkus.datasource.password", "pedregal",
                "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + PORT + "/pedregal",
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + PORT + "/pedregal");
    }

    @Override
    public void stop() {
        run(List.of("src/local-stack/postgres.sh", "stop", "--port", Integer.toString(PORT)));
    }

    /** Crashes the suite's PostgreSQL (immediate shutdown: connections cut, no checkpoint). */
    public static void kill() {
        run(List.of("src/local-stack/postgres.sh", "kill", "--port", Integer.toString(PORT)));
    }

    /** Starts it again on its data: it recovers from its WAL, so everything committed is there. */
    public static void restart() {
        run(List.of("src/local-stack/postgres.sh", "start", "--port", Integer.toString(PORT), "--data", DATA.toString()));
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target/postgres-resource.log").toFile()))
                    .start();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed; see target/postgres-resource.log");
            }
        } catch (Exception e) {
            throw new IllegalStateException("PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }
}

package dev.pedregal.gateway.support;

import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server for tests, through src/local-stack/redis.sh (which installs Redis with apt-get when the
 * machine has none). Empty on every start (no persistence); {@link #kill()} is a kill -9 of exactly the server
 * this started, for crash tests.
 */
public final class RedisServer implements AutoCloseable {

    private static final String SCRIPT = "src/local-stack/redis.sh";
    private static final Path LOG = Path.of("target/redis-server.log");

    private final int port;
    private final Path dir;
    /** Null for a standalone server. */
    private final Duration nodeTimeout;

    private RedisServer(int port, Duration nodeTimeout) {
        this.port = port;
        this.dir = Path.of("target/redis-" + port).toAbsolutePath();
        this.nodeTimeout = nodeTimeout;
    }

    /** Starts (installing Redis first if needed) an empty server on 127.0.0.1:port. */
    public static RedisServer start(int port) {
        return start(port, null);
    }

    /**
     * Starts an empty Redis Cluster node (in no cluster yet: see {@link RedisClusterServer}) on 127.0.0.1:port;
     * the cluster deems it failed once it has not answered for {@code nodeTimeout}.
     */
    public static RedisServer startClusterNode(int port, Duration nodeTimeout) {
        return start(port, nodeTimeout);
    }

    private static RedisServer start(int port, Duration nodeTimeout) {
        RedisServer server = new RedisServer(port, nodeTimeout);
        server.run("stop");
        server.restart();
        return server;
    }

    /** The server already started on this port (by a test resource, in another class loader): to kill or restart it. */
    public static RedisServer attach(int port) {
        return new RedisServer(port, null);
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** kill -9 of the server: connections drop, all data is gone. */
    public void kill() {
        run("kill");
    }

    /** Starts the server again on the same port, empty (a cluster node also forgets its cluster). */
    public void restart() {
        if (nodeTimeout != null) {
            run("start", "--dir", dir.toString(), "--cluster", "--node-timeout", Long.toString(nodeTimeout.toMillis()));
        } else {
            run("start", "--dir", dir.toString());
        }
    }

    /**
     * Starts a cluster node that was killed again, back in its cluster, empty: a primary without persistence
     * that restarts (it serves its slots again if no replica took them over).
     */
    public void rejoin() {
        run("start", "--dir", dir.toString(), "--cluster", "--node-timeout", Long.toString(nodeTimeout.toMillis()), "--rejoin");
    }

    @Override
    public void close() {
        run("stop");
    }

    private void run(String subcommand, String... more) {
        List<String> arguments = new java.util.ArrayList<>(List.of(subcommand, "--port", Integer.toString(port)));
        arguments.addAll(List.of(more));
        script(arguments);
    }

    /** Runs {@code redis.sh} with these arguments; fails unless it exits 0. Its output goes to target/redis-server.log. */
    static void script(List<String> arguments) {
        List<String> command = new java.util.ArrayList<>(List.of(SCRIPT));
        command.addAll(arguments);
        try {
            Files.createDirectories(LOG.getParent());
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(LOG.toFile()))
                    .start();
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed; see " + LOG);
            }
        } catch (Exception e) {
            throw new IllegalStateException("Redis for the tests: " + e.getMessage(), e);
        }
    }
}

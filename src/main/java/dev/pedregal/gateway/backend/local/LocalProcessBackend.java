package dev.pedregal.gateway.backend.local;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.backend.DriverBackend;
import dev.pedregal.gateway.backend.DriverHandle;
import dev.pedregal.gateway.backend.DriverSpec;
import dev.pedregal.gateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Runs each driver as a child JVM: Apache Spark's SparkSubmit launching
 * {@code org.apache.spark.sql.connect.service.SparkConnectServer} on a loopback port. Process starts and
 * stops run on worker threads, never on an event loop. A pid file per driver lets the next gateway start
 * reap drivers a crashed gateway left behind.
 */
@ApplicationScoped
public class LocalProcessBackend implements DriverBackend {

    private static final Logger LOG = Logger.getLogger(LocalProcessBackend.class);
    static final String SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer";
    private static final String PID_SUFFIX = ".pid";

    private final GatewayConfig.Local config;
    private final Map<String, LocalDriver> running = new ConcurrentHashMap<>();
    private final Path workDir;

    public LocalProcessBackend(GatewayConfig config) {
        this.config = config.local();
        this.workDir = Path.of(this.config.workDir()).toAbsolutePath();
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public Uni<DriverHandle> start(DriverSpec spec) {
        return Uni.createFrom().<DriverHandle> item(() -> launch(spec))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    public Uni<Void> stop(DriverHandle driver) {
        return Uni.createFrom().<Void> item(() -> {
            LocalDriver local = running.get(driver.driverId());
            if (local != null) {
                terminate(local.process.toHandle());
            }
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    public List<DriverHandle> list() {
        return new ArrayList<>(running.values());
    }

    /** Stops every driver this backend started; used at shutdown. Blocks until they are gone. */
    public void stopAll() {
        running.values().forEach(d -> d.process.toHandle().destroy());
        running.values().forEach(d -> terminate(d.process.toHandle()));
    }

    /** Kills drivers that a previous gateway process left running (found through their pid files). */
    public int reapOrphans() {
        if (!Files.isDirectory(workDir)) {
            return 0;
        }
        int reaped = 0;
        try (Stream<Path> files = Files.list(workDir)) {
            for (Path pidFile : files.filter(p -> p.toString().endsWith(PID_SUFFIX)).toList()) {
                long[] pids = readPids(pidFile);
                if (pids.length == 2 && ProcessHandle.of(pids[1]).map(ProcessHandle::isAlive).orElse(false)) {
                    continue; // its gateway still runs: not an orphan
                }
                Optional<ProcessHandle> orphan = (pids.length > 0 ? ProcessHandle.of(pids[0]) : Optional.<ProcessHandle> empty())
                        .filter(h -> h.info().commandLine().map(c -> c.contains(SERVER_CLASS)).orElse(false));
                if (orphan.isPresent()) {
                    LOG.warnf("Stopping orphaned driver process %d left by an earlier gateway", orphan.get().pid());
                    terminate(orphan.get());
                    reaped++;
                }
                Files.deleteIfExists(pidFile);
            }
        } catch (IOException e) {
            LOG.warnf("Could not scan %s for orphaned drivers: %s", workDir, e.getMessage());
        }
        return reaped;
    }

    private LocalDriver launch(DriverSpec spec) {
        Path jars = Path.of(config.sparkHome(), "jars").toAbsolutePath();
        if (!Files.isDirectory(jars)) {
            throw new IllegalStateException("Spark jars not found in " + jars + ": run `make spark`");
        }
        int port = freePort();
        List<String> command = new ArrayList<>();
        String javaHome = config.javaHome().orElse(System.getProperty("java.home"));
        command.add(Path.of(javaHome, "bin", "java").toString());
        command.add("-Xmx" + config.driverMemory());
        command.addAll(config.jvmOptions());
        command.add("-cp");
        command.add(jars + File.separator + "*");
        command.add("org.apache.spark.deploy.SparkSubmit");
        command.add("--master");
        command.add(config.master());
        command.add("--class");
        command.add(SERVER_CLASS);
        command.add("--name");
        command.add("pedregal-" + spec.pool() + "-" + spec.driverId());
        conf(command, "spark.connect.grpc.binding.address", "127.0.0.1");
        conf(command, "spark.connect.grpc.binding.port", Integer.toString(port));
        conf(command, "spark.ui.enabled", "false");
        conf(command, "spark.driver.host", "127.0.0.1");
        spec.sparkConf().forEach((k, v) -> conf(command, k, v));
        command.add("spark-internal");

        try {
            Files.createDirectories(workDir);
            Path log = workDir.resolve(spec.driverId() + ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .directory(workDir.toFile());
            builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            Process process = builder.start();
            Path pidFile = workDir.resolve(spec.driverId() + PID_SUFFIX);
            // "<driver pid> <gateway pid>": a later gateway reaps the driver only once its owner is gone.
            Files.writeString(pidFile, process.pid() + " " + ProcessHandle.current().pid());
            LocalDriver driver = new LocalDriver(spec.driverId(), port, process, log);
            running.put(spec.driverId(), driver);
            process.onExit().thenAccept(p -> {
                running.remove(spec.driverId());
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException ignored) {
                    // best effort
                }
                driver.exited.complete("driver process " + p.pid() + " exited with code " + p.exitValue());
            });
            LOG.infof("Started driver %s (pid %d) on 127.0.0.1:%d, log %s", spec.driverId(), process.pid(), port, log);
            return driver;
        } catch (IOException e) {
            throw new IllegalStateException("could not start driver " + spec.driverId() + ": " + e.getMessage(), e);
        }
    }

    private static void conf(List<String> command, String key, String value) {
        command.add("--conf");
        command.add(key + "=" + value);
    }

    private static void terminate(ProcessHandle process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            process.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private static long[] readPids(Path pidFile) {
        try {
            return java.util.Arrays.stream(Files.readString(pidFile).trim().split("\\s+")).mapToLong(Long::parseLong)
                    .toArray();
        } catch (IOException | NumberFormatException e) {
            return new long[0];
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    static final class LocalDriver implements DriverHandle {
        private final String driverId;
        private final int port;
        private final Process process;
        private final Path log;
        private final CompletableFuture<String> exited = new CompletableFuture<>();

        LocalDriver(String driverId, int port, Process process, Path log) {
            this.driverId = driverId;
            this.port = port;
            this.process = process;
            this.log = log;
        }

        @Override
        public String driverId() {
            return driverId;
        }

        @Override
        public String host() {
            return "127.0.0.1";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public String describe() {
            return "pid " + process.pid() + ", log " + log;
        }

        @Override
        public CompletionStage<String> terminated() {
            return exited;
        }
    }
}

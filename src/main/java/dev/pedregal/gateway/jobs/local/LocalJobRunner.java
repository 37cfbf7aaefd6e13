package dev.pedregal.gateway.jobs.local;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.jobs.FinishedAttempt;
import dev.pedregal.gateway.jobs.JobRunner;
import dev.pedregal.gateway.jobs.RunRequest;
import dev.pedregal.gateway.jobs.RunUpdate;
import dev.pedregal.gateway.jobs.executions.JobsConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Runs each attempt as a local Spark application: Apache Spark's SparkSubmit with {@code --master local[n]} from
 * the Spark 4.0.1 jars {@code make deps} fetched, in a work directory of its own named after the run. A small shell
 * wrapper writes the exit code to {@code exit-code}, so an attempt's outcome survives a gateway restart; the pid
 * file lets a restarted gateway find and watch a run that is still going. The process is watched through its exit
 * future ({@link ProcessHandle#onExit}), never polled. Process starts, stops and file reads run on worker threads.
 */
@ApplicationScoped
public class LocalJobRunner implements JobRunner {

    private static final Logger LOG = Logger.getLogger(LocalJobRunner.class);
    static final String LOG_FILE = "driver.log";
    static final String PID_FILE = "pid";
    static final String EXIT_FILE = "exit-code";
    static final String UI_FILE = "spark-ui";
    /** Runs the command, then records its exit code atomically next to its log. */
    private static final String WRAPPER = "\"$@\"; code=$?; echo $code > " + EXIT_FILE + ".tmp && mv " + EXIT_FILE
            + ".tmp " + EXIT_FILE + "; exit $code";

    private final GatewayConfig.Local spark;
    private final JobsConfig.Local config;
    private final int logLines;
    private final Path workDir;
    private final Map<String, LocalRun> runs = new ConcurrentHashMap<>();

    public LocalJobRunner(GatewayConfig gateway, JobsConfig jobs) {
        this.spark = gateway.local();
        this.config = jobs.local();
        this.logLines = jobs.logLines();
        this.workDir = Path.of(config.workDir()).toAbsolutePath();
    }

    @Override
    public Uni<String> start(RunRequest run) {
        return worker(() -> {
            runs.computeIfAbsent(run.runName(), name -> attach(name).orElseGet(() -> launch(run)));
            return run.runName();
        });
    }

    @Override
    public Multi<RunUpdate> watch(RunRequest run) {
        return Multi.createFrom().<RunUpdate> emitter(emitter -> {
            LocalRun local = runs.computeIfAbsent(run.runName(), name -> attach(name).orElse(null));
            if (local == null) {
                emitter.emit(failed(OptionalInt.empty(), "no local run " + run.runName() + " exists", List.of()));
                emitter.complete();
                return;
            }
            if (!local.exit.isDone()) {
                emitter.emit(new RunUpdate(RunUpdate.Kind.STARTED, Instant.now(), null, local.sparkUi, ""));
            }
            local.exit.whenComplete((code, error) -> Infrastructure.getDefaultWorkerPool().execute(() -> {
                if (code != null && code == 0) {
                    emitter.emit(new RunUpdate(RunUpdate.Kind.SUCCEEDED, Instant.now(), null, local.sparkUi, ""));
                } else {
                    emitter.emit(failed(code == null ? OptionalInt.empty() : OptionalInt.of(code), "",
                            tail(local.dir.resolve(LOG_FILE), logLines)));
                }
                emitter.complete();
            }));
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()); // attaching reads the run's files
    }

    @Override
    public Uni<Void> cancel(RunRequest run) {
        return worker(() -> {
            LocalRun local = runs.get(run.runName());
            Optional<ProcessHandle> process = Optional.ofNullable(local).or(() -> attach(run.runName()))
                    .map(r -> r.process);
            process.filter(ProcessHandle::isAlive).ifPresent(p -> {
                LOG.infof("Stopping local run %s (pid %d)", run.runName(), p.pid());
                terminate(p);
            });
            return null;
        });
    }

    @Override
    public Uni<List<String>> logs(RunRequest run, int lines) {
        return worker(() -> tail(workDir.resolve(run.runName()).resolve(LOG_FILE), lines));
    }

    @Override
    public Uni<Void> cleanup(RunRequest run, Duration retention) {
        return Uni.createFrom().voidItem().onItem().delayIt().by(retention).flatMap(v -> worker(() -> {
            LocalRun local = runs.get(run.runName());
            if (local != null && !local.exit.isDone()) {
                return null; // still running: nothing to remove
            }
            runs.remove(run.runName());
            delete(workDir.resolve(run.runName()));
            return null;
        }));
    }

    /** The pid of a run's process while this gateway knows it; for tests and diagnostics. */
    public Optional<Long> pid(String runName) {
        return Optional.ofNullable(runs.get(runName)).map(r -> r.process).map(ProcessHandle::pid);
    }

    /** A run an earlier start (in this or a previous gateway process) left: running, or finished with an exit code. */
    private Optional<LocalRun> attach(String runName) {
        Path dir = workDir.resolve(runName);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        String ui = read(dir.resolve(UI_FILE)).orElse("");
        Optional<Integer> exit = read(dir.resolve(EXIT_FILE)).map(Integer::parseInt);
        // A pid can be reused after a reboot: the process must still be this run's.
        Optional<ProcessHandle> process = read(dir.resolve(PID_FILE)).map(Long::parseLong).flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(h -> h.info().commandLine().map(c -> c.contains(runName)).orElse(false));
        if (exit.isEmpty() && process.isEmpty()) {
            // Its process ended without recording an exit code (killed with the machine): report it as vanished.
            LocalRun vanished = new LocalRun(dir, null, ui);
            vanished.exit.complete(null);
            return Optional.of(vanished);
        }
        LocalRun run = new LocalRun(dir, process.orElse(null), ui);
        if (exit.isPresent()) {
            run.exit.complete(exit.get());
        } else {
            process.get().onExit().thenRun(() -> run.exit.complete(read(dir.resolve(EXIT_FILE)).map(Integer::parseInt)
                    .orElse(null)));
        }
        return Optional.of(run);
    }

    private LocalRun launch(RunRequest run) {
        Path jars = Path.of(spark.sparkHome(), "jars").toAbsolutePath();
        if (!Files.isDirectory(jars)) {
            throw new IllegalStateException("Spark jars not found in " + jars + ": run `make spark`");
        }
        var job = run.job();
        int cores = Math.max(1, Math.min(job.spec().resources().driver().cores(), config.maxCores()));
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", WRAPPER, "sh"));
        command.add(Path.of(spark.javaHome().orElse(System.getProperty("java.home")), "bin", "java").toString());
        command.add("-Xmx" + config.driverMemory());
        command.addAll(spark.jvmOptions());
        command.addAll(List.of("-cp", jars + File.separator + "*", "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[" + cores + "]", "--name", run.runName()));
        if (!job.spec().mainClass().isEmpty()) {
            command.addAll(List.of("--class", job.spec().mainClass()));
        }
        String ui = "";
        job.sparkConf().forEach((k, v) -> command.addAll(List.of("--conf", k + "=" + v)));
        command.addAll(List.of("--conf", "spark.driver.host=127.0.0.1"));
        if (config.sparkUi()) {
            int port = freePort();
            ui = "http://127.0.0.1:" + port;
            command.addAll(List.of("--conf", "spark.ui.port=" + port));
        } else {
            command.addAll(List.of("--conf", "spark.ui.enabled=false"));
        }
        command.add(applicationFile(job.spec().applicationFile()));
        command.addAll(job.spec().arguments());

        Path dir = workDir.resolve(run.runName());
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(UI_FILE), ui);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(LOG_FILE).toFile()).directory(dir.toFile());
            builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
            Process process = builder.start();
            Files.writeString(dir.resolve(PID_FILE), Long.toString(process.pid()));
            LocalRun local = new LocalRun(dir, process.toHandle(), ui);
            process.onExit().thenAccept(p -> local.exit.complete(p.exitValue()));
            LOG.infof("Started local run %s (pid %d), log %s", run.runName(), process.pid(), dir.resolve(LOG_FILE));
            return local;
        } catch (IOException e) {
            throw new IllegalStateException("could not start local run " + run.runName() + ": " + e.getMessage(), e);
        }
    }

    /** {@code local:///p} and {@code file:///p} name a path on this machine; a relative path is the gateway's. */
    static String applicationFile(String file) {
        for (String scheme : List.of("local://", "file://")) {
            if (file.startsWith(scheme)) {
                return file.substring(scheme.length());
            }
        }
        return file.contains("://") ? file : Path.of(file).toAbsolutePath().toString();
    }

    private static RunUpdate failed(OptionalInt exitCode, String message, List<String> lines) {
        return new RunUpdate(RunUpdate.Kind.FAILED, Instant.now(), new FinishedAttempt(exitCode, "", message, lines),
                "", "");
    }

    /** The last {@code lines} lines of a file, reading at most its last 256 KiB. */
    static List<String> tail(Path file, int lines) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            int size = (int) Math.min(length, 256 * 1024);
            byte[] bytes = new byte[size];
            f.seek(length - size);
            f.readFully(bytes);
            List<String> all = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\r?\n"));
            if (size < length && !all.isEmpty()) {
                all = all.subList(1, all.size()); // the first line is cut
            }
            return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void terminate(ProcessHandle process) {
        List<ProcessHandle> tree = Stream.concat(process.descendants(), Stream.of(process)).toList();
        tree.forEach(ProcessHandle::destroy);
        try {
            CompletableFuture.allOf(tree.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            tree.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static Optional<String> read(Path file) {
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file).trim()).filter(s -> !s.isEmpty())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("Could not remove %s: %s", dir, e.getMessage());
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    private static <T> Uni<T> worker(java.util.function.Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /**
     * A run's directory, its process (the shell wrapper; null when it ended before this gateway attached) and its
     * exit code once it ended (null: unknown).
     */
    private static final class LocalRun {
        final Path dir;
        final ProcessHandle process;
        final String sparkUi;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

        LocalRun(Path dir, ProcessHandle process, String sparkUi) {
            this.dir = dir;
            this.process = process;
            this.sparkUi = sparkUi;
        }
    }
}

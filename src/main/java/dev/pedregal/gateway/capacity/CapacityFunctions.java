package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The Redis Functions library {@code pedregal_capacity} ({@code capacity/calendar.lua}) and the one place that
 * talks to Redis for it: every call is one FCALL, bounded by the Redis timeout, sent to the primary of its keys'
 * slot ({@link Primaries}). Connection trouble, timeouts and Redis's own transient errors become
 * {@link CapacityUnavailable}.
 *
 * <p>The library is loaded on every primary that can be reached ({@link #load}), never over a newer version
 * ({@link FunctionsLibrary}). A primary that was not reached, or lost the library (restarted empty, a replica
 * promoted that never had it, a new primary), answers "Function not found"; the library is then loaded again on
 * every primary, once for all concurrent callers, and the call retried once. A function still missing after that
 * belongs to a newer library that no longer serves this gateway's call: the call fails closed, and the error log
 * says to upgrade this gateway.
 */
public final class CapacityFunctions {

    private static final Logger LOG = Logger.getLogger(CapacityFunctions.class);
    static final String LIBRARY_RESOURCE = "capacity/calendar.lua";
    /** Replies that mean the call itself is wrong (a bug here), not that Redis is in trouble. */
    private static final List<String> REFUSALS = List.of("ERR", "WRONGTYPE");
    /** The timers bounding every call, shared by all instances. */
    private static final Timeouts TIMEOUTS = new Timeouts();

    private final Primaries primaries;
    private final FunctionsLibrary library;
    private final Duration timeout;
    private final Duration retryAfter;
    private final SingleFlight<LibraryReport> reloading = new SingleFlight<>();
    private final AtomicLong loads = new AtomicLong();
    /** The newest library version a primary held at the last load. */
    private volatile int newest;
    private final AtomicReference<String> lastLogged = new AtomicReference<>();

    /** On a client whose one server holds the library (standalone, sentinel, replication). */
    public CapacityFunctions(Redis redis, CapacityConfig config) {
        this(Primaries.single(redis), config);
    }

    /** FCALLs to the primary of their keys; the library loaded on each of {@code primaries}. */
    public CapacityFunctions(Primaries primaries, CapacityConfig config) {
        this(primaries, config, FunctionsLibrary.fromResource(LIBRARY_RESOURCE));
    }

    /** With another library text than the one shipped (tests: a gateway of another version). */
    CapacityFunctions(Primaries primaries, CapacityConfig config, FunctionsLibrary library) {
        this.primaries = primaries;
        this.library = library;
        this.timeout = config.redisTimeout();
        this.retryAfter = config.unavailableRetryAfter();
    }

    /**
     * Loads the library on every primary it can reach, unless one holds it already or a newer one; call at start.
     * Answers what each primary holds. Fails ({@link CapacityUnavailable}) only when no primary could be reached:
     * one that was not gets the library when a call there first meets "Function not found".
     */
    public Uni<LibraryReport> load() {
        return bounded(primaries::each)
                .chain(each -> Multi.createFrom().iterable(each)
                        .onItem().transformToUniAndMerge(this::installOn)
                        .collect().asList())
                .map(this::loaded);
    }

    /** How many times the library was loaded (start plus reloads after Redis lost it). */
    public long loads() {
        return loads.get();
    }

    /** FCALL function with its keys and arguments; reloads the library once if Redis no longer has it. */
    Uni<Response> call(String function, List<String> keys, List<Object> args) {
        String key = keys.get(0);
        return send(key, () -> fcall(function, keys, args))
                .onFailure(CapacityFunctions::isFunctionMissing)
                .recoverWithUni(() -> reloading.run(this::load).chain(() -> send(key, () -> fcall(function, keys, args))))
                .onFailure(CapacityFunctions::isFunctionMissing)
                .transform(missing -> missingAfterReload(function, missing));
    }

    /** A plain command to the primary of {@code key}, bounded and failing as an FCALL does. */
    Uni<Response> command(String key, Request request) {
        return send(key, () -> request);
    }

    Duration retryAfter() {
        return retryAfter;
    }

    private static Request fcall(String function, List<String> keys, List<Object> args) {
        Request request = Request.cmd(Command.FCALL).arg(function).arg(keys.size());
        keys.forEach(request::arg);
        for (Object a : args) {
            // Numbers go out as their decimal digits either way; this skips making a String of each.
            if (a instanceof Long || a instanceof Integer) {
                request.arg(((Number) a).longValue());
            } else {
                request.arg(String.valueOf(a));
            }
        }
        return request;
    }

    private Uni<Response> send(String key, Supplier<Request> request) {
        return bounded(() -> primaries.send(key, request.get()));
    }

    private Uni<LibraryReport.OnPrimary> installOn(Primary primary) {
        return bounded(() -> library.installOn(primary))
                .<LibraryReport.OnPrimary> map(held -> held)
                .onFailure().recoverWithItem(failure -> new LibraryReport.Failed(primary.name(), failure.getMessage()));
    }

    private LibraryReport loaded(List<LibraryReport.OnPrimary> outcomes) {
        LibraryReport report = new LibraryReport(library.name(), library.version(), outcomes);
        if (report.held().isEmpty()) {
            throw new CapacityUnavailable("the Functions library could not be loaded: " + report, retryAfter, null);
        }
        loads.incrementAndGet();
        newest = report.newest();
        if (!report.failed().isEmpty()) {
            LOG.warnf("Capacity library %s; a primary it failed on gets it at its first call there that meets 'Function not found'", report);
        } else if (report.held().stream().anyMatch(held -> held.version() != library.version())) {
            // Newer: loaded by a newer gateway, used by this one. Older: an older gateway kept loading its own.
            LOG.infof("Capacity library %s", report);
        } else {
            LOG.debugf("Capacity library %s", report);
        }
        return report;
    }

    private CapacityUnavailable missingAfterReload(String function, Throwable missing) {
        int held = newest;
        String reason = held > library.version()
                ? String.format("Redis holds the Functions library %s v%d, loaded by a newer gateway, which no longer has"
                        + " the function '%s' this gateway (v%d) calls: upgrade this gateway", library.name(), held, function,
                        library.version())
                : "the function '" + function + "' is still missing after loading " + library.name() + " again: " + missing.getMessage();
        if (!reason.equals(lastLogged.getAndSet(reason))) {
            LOG.error(reason + "; the capacity calls that need it fail closed");
        }
        return new CapacityUnavailable(reason, retryAfter, missing);
    }

    /** One exchange with Redis, bounded by the timeout, its failures sorted into trouble and refusals. */
    private <T> Uni<T> bounded(Supplier<Uni<? extends T>> exchange) {
        return Uni.createFrom().<T> deferred(exchange)
                .ifNoItem().after(timeout).on(TIMEOUTS)
                .failWith(() -> new CapacityUnavailable("no answer from Redis within " + timeout.toMillis() + " ms", retryAfter, null))
                .onFailure(this::isTrouble)
                .transform(failure -> new CapacityUnavailable(String.valueOf(failure.getMessage()), retryAfter, failure))
                .onFailure(failure -> isRefusal(failure) && !isFunctionMissing(failure))
                .transform(failure -> new IllegalStateException("Redis refused a capacity call: " + failure.getMessage(), failure));
    }

    /**
     * Anything but a refusal: transport failures (connection refused, reset, pool exhausted), the client's own
     * CONNECTION_CLOSED, and Redis's transient states (LOADING, READONLY, MASTERDOWN, CLUSTERDOWN, BUSY, OOM...).
     */
    private boolean isTrouble(Throwable failure) {
        return !(failure instanceof CapacityUnavailable) && !isRefusal(failure) && !isFunctionMissing(failure);
    }

    private static boolean isRefusal(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        return failure instanceof io.vertx.redis.client.Response && REFUSALS.stream().anyMatch(message::startsWith);
    }

    static boolean isFunctionMissing(Throwable failure) {
        String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
        return failure instanceof io.vertx.redis.client.Response
                && (message.contains("function not found") || message.startsWith("noscript"));
    }

    /**
     * Timers for the bound on every call. Mutiny's default scheduler keeps the timer of a call that answered
     * until it is due and then still hands it to a worker thread: a queued timer and a thread hand-off per
     * Redis call, for nothing. Here a timer is removed as soon as its call answers; one that does expire is
     * handed to Mutiny's worker pool, as before, so the failure never runs on the timer thread.
     */
    private static final class Timeouts extends ScheduledThreadPoolExecutor {

        Timeouts() {
            super(1, task -> {
                Thread thread = new Thread(task, "pedregal-capacity-timeouts");
                thread.setDaemon(true);
                return thread;
            });
            setRemoveOnCancelPolicy(true);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return super.schedule(() -> Infrastructure.getDefaultExecutor().execute(command), delay, unit);
        }
    }
}

package dev.pedregal.gateway.capacity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.redis.client.Command;

/**
 * The Redis Functions library {@code pedregal_capacity} ({@code capacity/calendar.lua}) and the one place that
 * talks to Redis for it: every call is one FCALL, bounded by the Redis timeout. The library is loaded on every
 * {@link Primaries primary} (all of them on a Redis Cluster, where each FCALL goes to the primary of its pool's
 * slot). A Redis that lost the library (restart, failover to a replica that never had it, a new primary)
 * answers "Function not found"; the library is then loaded again on every primary, once for all concurrent
 * callers, and the call retried once. Connection trouble, timeouts and Redis's own transient errors become
 * {@link CapacityUnavailable}.
 */
public final class CapacityFunctions {

    static final String LIBRARY_RESOURCE = "capacity/calendar.lua";
    /** Replies that mean the call itself is wrong (a bug here), not that Redis is in trouble. */
    private static final List<String> REFUSALS = List.of("ERR", "WRONGTYPE");
    /** The timers bounding every call, shared by all instances. */
    private static final Timeouts TIMEOUTS = new Timeouts();

    private final Redis redis;
    private final Primaries primaries;
    private final Duration timeout;
    private final Duration retryAfter;
    private final String library;
    private final AtomicReference<CompletableFuture<Void>> loading = new AtomicReference<>();
    private final AtomicLong loads = new AtomicLong();

    /** On a client whose one server holds the library (standalone, sentinel, replication). */
    public CapacityFunctions(Redis redis, CapacityConfig config) {
        this(redis, Primaries.single(redis), config);
    }

    /** FCALLs through {@code redis}; the library loaded on each of {@code primaries}. */
    public CapacityFunctions(Redis redis, Primaries primaries, CapacityConfig config) {
        this.redis = redis;
        this.primaries = primaries;
        this.timeout = config.redisTimeout();
        this.retryAfter = config.unavailableRetryAfter();
        this.library = readLibrary();
    }

    /** Loads (or replaces) the library on every primary; call at start. */
    public Uni<Void> load() {
        return bounded(() -> primaries.sendToEach(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library)))
                .invoke(ignored -> loads.incrementAndGet())
                .replaceWithVoid();
    }

    /** How many times the library was loaded (start plus reloads after Redis lost it). */
    public long loads() {
        return loads.get();
    }

    /** FCALL function with its keys and arguments; reloads the library once if Redis no longer has it. */
    Uni<Response> call(String function, List<String> keys, List<Object> args) {
        return send(() -> fcall(function, keys, args))
                .onFailure(CapacityFunctions::isFunctionMissing)
                .recoverWithUni(() -> reload().chain(() -> send(() -> fcall(function, keys, args))));
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

    // Concurrent callers that all met "Function not found" share one FUNCTION LOAD.
    private Uni<Void> reload() {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> current = loading.compareAndExchange(null, mine);
            if (current != null) {
                return Uni.createFrom().completionStage(current);
            }
            load().subscribe().with(
                    ok -> {
                        loading.set(null);
                        mine.complete(null);
                    },
                    failure -> {
                        loading.set(null);
                        mine.completeExceptionally(failure);
                    });
            return Uni.createFrom().completionStage(mine);
        });
    }

    private Uni<Response> send(Supplier<Request> request) {
        return bounded(() -> redis.send(request.get()));
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

    private static String readLibrary() {
        try (InputStream in = CapacityFunctions.class.getClassLoader().getResourceAsStream(LIBRARY_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(LIBRARY_RESOURCE + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

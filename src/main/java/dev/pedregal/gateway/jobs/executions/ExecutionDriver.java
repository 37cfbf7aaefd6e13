package dev.pedregal.gateway.jobs.executions;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.capacity.CapacityUnavailable;
import dev.pedregal.gateway.jobs.Classification;
import dev.pedregal.gateway.jobs.ExecutionEvent;
import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.FailureClassifier;
import dev.pedregal.gateway.jobs.FinishedAttempt;
import dev.pedregal.gateway.jobs.JobRunner;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.RunRequest;
import dev.pedregal.gateway.jobs.RunUpdate;
import dev.pedregal.gateway.provisioning.DatabaseFailures;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;

/**
 * Drives executions from what their runners report: starts each attempt, turns the run's watch into state changes,
 * classifies failed attempts, retries platform failures after the retry policy's backoff, and ends the execution at
 * its deadline. Waiting is done with Vert.x timers, never by blocking; each execution's changes are applied one after
 * another, in the order they were observed.
 *
 * <p>
 * A replica drives the executions whose lease it holds ({@link ExecutionLeases}): the ones it submitted and the ones
 * {@link LeaseKeeper} claimed ({@link #reattach}). The state changes it makes from what it observes apply only while
 * it holds the lease; when it learns that it lost the lease, or that the execution ended elsewhere (a cancel served
 * by another replica), it stops driving ({@link #release}) without touching the run.
 */
@ApplicationScoped
public class ExecutionDriver {

    private static final Logger LOG = Logger.getLogger(ExecutionDriver.class);
    static final Duration ADMISSION_RETRY_FIRST = Duration.ofSeconds(1);
    static final Duration ADMISSION_RETRY_MAX = Duration.ofSeconds(30);
    static final Duration CHANGE_RETRY_FIRST = Duration.ofMillis(500);
    static final Duration CHANGE_RETRY_MAX = Duration.ofSeconds(15);
    static final Duration CHANGE_RETRY_FOR = Duration.ofHours(1);

    private final ExecutionStore store;
    private final JobPlacement placement;
    private final JobAdmission admission;
    private final JobsConfig config;
    private final Vertx vertx;
    private final ExecutionLeases leases;
    private final ExecutionChanges changes;
    private final String holder;
    private final FailureClassifier classifier = new FailureClassifier();
    private final Map<UUID, Live> live = new ConcurrentHashMap<>();

    public ExecutionDriver(ExecutionStore store, JobPlacement placement, JobAdmission admission, JobsConfig config,
            Vertx vertx, ExecutionLeases leases, ExecutionChanges changes) {
        this.leases = leases;
        this.changes = changes;
        this.holder = leases.holder();
        this.store = store;
        this.placement = placement;
        this.admission = admission;
        this.config = config;
        this.vertx = vertx;
    }

    /** What this gateway does for one unfinished execution: its job, deadline timer, retry timer and watch. */
    private static final class Live {
        final ResolvedJob job;
        volatile long deadlineTimer = -1;
        volatile long retryTimer = -1;
        volatile Cancellable watch;
        /** Stops listening for the execution's changes (it ending elsewhere). */
        volatile Runnable unlisten = () -> {
        };
        /** Changes of this execution, applied in order. */
        CompletableFuture<Void> changes = CompletableFuture.completedFuture(null);

        Live(ResolvedJob job) {
            this.job = job;
        }
    }

    /** A new execution is driven by this replica: its row goes in with this replica's lease. */
    void takeLease(Execution e) {
        leases.take(e);
    }

    /**
     * A new execution: admit it, then start its first attempt; it ends at its deadline whatever happens. While the
     * capacity calendar or ledger cannot answer (Redis or PostgreSQL away), admission is asked again with backoff
     * until the deadline: an outage delays a job, it does not fail it.
     */
    void begin(Execution e, ResolvedJob job) {
        admitThenStart(e, track(e, job), job);
    }

    private void admitThenStart(Execution e, Live l, ResolvedJob job) {
        admission.admit(job, e.id.toString())
                .onFailure(CapacityUnavailable.class).invoke(f -> LOG.infof("Execution %s waits for admission: %s", e.id,
                        f.getMessage()))
                .onFailure(CapacityUnavailable.class).retry().withBackOff(ADMISSION_RETRY_FIRST, ADMISSION_RETRY_MAX)
                .expireAt(e.deadlineAt.toEpochMilli())
                .subscribe().with(v -> {
                    if (live.get(e.id) == l) {
                        startAttempt(e.id, e.target, l, 1);
                    } else {
                        // Ended (cancelled, timed out) while it waited: give back what admission just took.
                        admission.ended(job, e.id.toString(), ExecutionState.CANCELLED).subscribe().with(x -> {
                        }, f -> LOG.warnf("Could not release the capacity of %s: %s", e.id, f.getMessage()));
                    }
                },
                refused -> store.transition(e.id, holder, 1, ExecutionEvent.FAILED, "not admitted", x -> {
                    x.reason = "not admitted: " + refused.getMessage();
                    x.hint = "retry later, or ask for capacity";
                    x.finishedAt = Instant.now();
                }).subscribe().with(this::ended, f -> LOG.warnf("Could not refuse %s: %s", e.id, f.getMessage())));
    }

    /**
     * Drives an unfinished execution whose lease this replica has just claimed (another replica died, or this one
     * restarted): its deadline, its pending retry, or {@code start} (the runner answers the existing run) and
     * {@code watch} of its current attempt. One this replica drives already is left as it is.
     */
    void reattach(Execution e) {
        if (live.containsKey(e.id)) {
            return;
        }
        LOG.infof("Driving execution %s (%s, attempt %d), its lease taken over", e.id, e.state, e.attempt);
        ResolvedJob job;
        try {
            job = store.job(e);
        } catch (IllegalStateException unreadable) {
            LOG.warnf("Cannot drive execution %s: %s", e.id, unreadable.getMessage());
            return;
        }
        Live l = track(e, job);
        Instant next = e.nextAttemptAt;
        if (e.state == ExecutionState.SUBMITTED && e.attempt == 1 && next == null) {
            // Its first attempt may never have been admitted (the replica died in between). Admission is idempotent
            // by the execution's id: one that was admitted is answered as before, and books nothing more.
            admitThenStart(e, l, job);
        } else if (e.state == ExecutionState.SUBMITTED && next != null && next.isAfter(Instant.now())) {
            l.retryTimer = vertx.setTimer(Math.max(1, Duration.between(Instant.now(), next).toMillis()),
                    t -> startAttempt(e.id, e.target, l, e.attempt));
        } else {
            startAttempt(e.id, e.target, l, e.attempt); // the runner answers an existing run
        }
    }

    /** The executions this replica drives now. */
    Set<UUID> driven() {
        return Set.copyOf(live.keySet());
    }

    /**
     * Stops driving an execution (its lease was lost, or it ended elsewhere): its timers and watch go, the run and
     * the capacity are left to whoever drives or ended it.
     */
    void release(UUID id) {
        Live l = live.remove(id);
        if (l != null) {
            LOG.infof("No longer driving execution %s: another replica drives or ended it", id);
            stopTracking(l);
        }
    }

    /** Stops driving everything (shutdown): as if the leases were all lost. */
    void releaseAll() {
        live.keySet().forEach(this::release);
    }

    private Live track(Execution e, ResolvedJob job) {
        Live l = live.computeIfAbsent(e.id, id -> new Live(job));
        long untilDeadline = Duration.between(Instant.now(), e.deadlineAt).toMillis();
        l.deadlineTimer = vertx.setTimer(Math.max(1, untilDeadline), t -> timedOut(e.id, job));
        // Ended by another replica (a cancel served there): heard through ReplicaChanges, so driving stops at once
        // rather than at the next renewal. Later, not in the publisher's call: an end this replica made goes
        // through ended() first.
        l.unlisten = changes.listen(e.id, view -> {
            if (view.state().terminal()) {
                vertx.runOnContext(v -> release(e.id));
            }
        });
        return l;
    }

    private void stopTracking(Live l) {
        l.unlisten.run();
        vertx.cancelTimer(l.deadlineTimer);
        if (l.retryTimer >= 0) {
            vertx.cancelTimer(l.retryTimer);
        }
        if (l.watch != null) {
            l.watch.cancel();
        }
    }

    private void startAttempt(UUID id, String target, Live l, int attempt) {
        l.retryTimer = -1;
        RunRequest run = new RunRequest(id.toString(), attempt, l.job.spec().team(), target, l.job);
        JobRunner runner = placement.runner(target);
        runner.start(run).call(vendorRunId -> stopIfEndedMeanwhile(id, run, runner)).subscribe().with(vendorRunId -> {
            AtomicBoolean ended = new AtomicBoolean();
            l.watch = runner.watch(run).subscribe().with(update -> {
                if (update.terminal()) {
                    ended.set(true);
                }
                inOrder(id, l, () -> observed(run, runner, vendorRunId, update));
            }, failure -> inOrder(id, l, () -> observed(run, runner, vendorRunId,
                    vanished("the run's watch failed: " + failure.getMessage()))), () -> {
                        if (!ended.get()) {
                            inOrder(id, l, () -> observed(run, runner, vendorRunId,
                                    vanished("the run's watch ended without its outcome")));
                        }
                    });
        }, failure -> inOrder(id, l, () -> observed(run, runner, run.runName(),
                vanished("the run could not be started: " + failure.getMessage()))));
    }

    /**
     * A cancel (or timeout) committed while the attempt was being started, on any replica, stopped the run that
     * existed then, not this one: it is stopped here. One committed later stops this run itself.
     */
    private Uni<Void> stopIfEndedMeanwhile(UUID id, RunRequest run, JobRunner runner) {
        return store.find(id).flatMap(now -> now == null || !now.state.terminal() ? Uni.createFrom().voidItem()
                : runner.cancel(run).invoke(() -> LOG.infof("Execution %s ended while attempt %d started: stopped it",
                        id, run.attempt())));
    }

    private static RunUpdate vanished(String why) {
        return new RunUpdate(RunUpdate.Kind.FAILED, Instant.now(), new FinishedAttempt(OptionalInt.empty(), "", why,
                List.of()), "", "");
    }

    /** Applies one observation of an attempt to the execution. */
    private Uni<?> observed(RunRequest run, JobRunner runner, String vendorRunId, RunUpdate update) {
        UUID id = UUID.fromString(run.executionId());
        return switch (update.kind()) {
            case STARTED -> store.transition(id, holder, run.attempt(), ExecutionEvent.STARTED, vendorRunId, e -> {
                e.vendorRunId = vendorRunId;
                e.startedAt = e.startedAt == null ? update.at() : e.startedAt;
                e.nextAttemptAt = null;
                e.sparkUiUrl = blankToNull(update.sparkUiUrl(), e.sparkUiUrl);
                e.logsUrl = blankToNull(update.logsUrl(), e.logsUrl);
            });
            case SUCCEEDED -> store.transition(id, holder, run.attempt(), ExecutionEvent.SUCCEEDED, vendorRunId, e -> {
                e.finishedAt = update.at();
                e.reason = null;
                e.hint = null;
                e.failureClass = null;
                e.lastLogLines = null;
            }).invoke(this::ended);
            case FAILED -> lastLines(run, runner, update.finished()).flatMap(lines -> failed(run, update, lines));
        };
    }

    private Uni<Execution> failed(RunRequest run, RunUpdate update, List<String> lines) {
        FinishedAttempt finished = update.finished() == null ? new FinishedAttempt(OptionalInt.empty(), "", "", lines)
                : new FinishedAttempt(update.finished().exitCode(), update.finished().terminationReason(),
                        update.finished().operatorMessage(), lines);
        Classification c = classifier.classify(finished);
        ExecutionEvent event = run.job().retryPolicy().afterFailure(c.failureClass(), run.attempt());
        Duration delay = run.job().retryPolicy().delay(run.attempt());
        RunRequest next = new RunRequest(run.executionId(), run.attempt() + 1, run.team(), run.target(), run.job());
        String detail = c.failureClass() + ": " + c.reason() + (finished.operatorMessage().isEmpty() ? ""
                : " (" + finished.operatorMessage() + ")");
        UUID id = UUID.fromString(run.executionId());
        return store.transition(id, holder, run.attempt(), event, detail, e -> {
            e.failureClass = c.failureClass();
            e.hint = c.hint();
            e.lastLogLines = store.write(lines);
            switch (event) {
                case RETRYING -> {
                    e.reason = "attempt " + run.attempt() + " failed: " + c.reason() + "; attempt " + next.attempt()
                            + " starts in " + delay.toSeconds() + " s";
                    e.attempt = next.attempt();
                    e.nextAttemptAt = Instant.now().plus(delay);
                    e.vendorRunId = next.runName();
                }
                case RETRIES_EXHAUSTED -> {
                    e.reason = "attempt " + run.attempt() + " of " + (run.job().retryPolicy().maxRetries() + 1)
                            + " failed, no retries left: " + c.reason();
                    e.finishedAt = update.at();
                }
                default -> {
                    e.reason = c.reason();
                    e.finishedAt = update.at();
                }
            }
        }).invoke(e -> {
            if (e == null) {
                return;
            }
            if (e.state.terminal()) {
                ended(e);
            } else {
                retryLater(e, delay);
            }
        });
    }

    /** The failed attempt's last log lines: the runner's report, or else what its logs still hold. */
    private Uni<List<String>> lastLines(RunRequest run, JobRunner runner, FinishedAttempt finished) {
        if (finished != null && !finished.lastLogLines().isEmpty()) {
            return Uni.createFrom().item(finished.lastLogLines());
        }
        return runner.logs(run, config.logLines()).onFailure().recoverWithItem(List.of());
    }

    private void retryLater(Execution e, Duration delay) {
        Live l = live.get(e.id);
        if (l == null) {
            return; // no longer driven here
        }
        int attempt = e.attempt;
        String target = e.target;
        LOG.infof("Execution %s: attempt %d starts in %s", e.id, attempt, delay);
        l.retryTimer = vertx.setTimer(Math.max(1, delay.toMillis()), t -> store.find(e.id).subscribe().with(now -> {
            // Cancelled, timed out or taken over while waiting: nothing to start.
            if (now != null && now.state == ExecutionState.SUBMITTED && now.attempt == attempt
                    && holder.equals(now.drivenBy)) {
                startAttempt(e.id, target, l, attempt);
            }
        }, f -> LOG.warnf("Could not start attempt %d of %s: %s", attempt, e.id, f.getMessage())));
    }

    /** The deadline passed: the execution ends TIMED_OUT and its run is stopped (by the replica driving it). */
    private void timedOut(UUID id, ResolvedJob job) {
        stop(id, holder, ExecutionEvent.TIMED_OUT, "ran longer than its timeout of " + job.timeout().toSeconds() + " s",
                "raise timeout (at most " + config.maxTimeout().toHours() + " h), or make the job faster")
                .subscribe().with(e -> {
                }, f -> LOG.warnf("Could not time out %s: %s", id, f.getMessage()));
    }

    /**
     * Ends an execution on a caller's behalf, whichever replica drives it: the state changes first, so whatever the
     * run's watch reports afterwards (a killed driver looks like a platform failure) is dropped, then the run is
     * stopped from here (runners stop a run from any replica). The replica driving it hears that it ended and stops
     * driving. Answers the ended row, or null when the execution had already ended.
     */
    Uni<Execution> cancel(UUID id, String reason) {
        return stop(id, ExecutionStore.ANY_REPLICA, ExecutionEvent.CANCELLED, reason, null);
    }

    private Uni<Execution> stop(UUID id, String drivenBy, ExecutionEvent event, String reason, String hint) {
        return store.transition(id, drivenBy, ExecutionStore.ANY_ATTEMPT, event, reason, e -> {
            e.reason = reason;
            e.hint = hint;
            e.failureClass = null;
            e.finishedAt = Instant.now();
            e.nextAttemptAt = null;
        }).call(e -> {
            if (e == null) {
                return Uni.createFrom().voidItem();
            }
            ResolvedJob job = store.job(e);
            return placement.runner(e.target).cancel(ExecutionStore.run(e, job, e.attempt))
                    .onFailure().invoke(f -> LOG.warnf("Could not stop the run of %s: %s", id, f.getMessage()))
                    .onFailure().recoverWithNull().invoke(() -> ended(e));
        });
    }

    /** The execution reached a terminal state: stop its timers and watch, release capacity, clean up later. */
    private void ended(Execution e) {
        if (e == null) {
            return;
        }
        Live l = live.remove(e.id);
        if (l != null) {
            stopTracking(l);
        }
        ResolvedJob job = l != null ? l.job : store.job(e);
        LOG.infof("Execution %s ended %s after %d attempt(s)%s", e.id, e.state, e.attempt,
                e.reason == null ? "" : ": " + e.reason);
        admission.ended(job, e.id.toString(), e.state).subscribe().with(v -> {
        }, f -> LOG.warnf("Could not release the capacity of %s: %s", e.id, f.getMessage()));
        JobRunner runner = placement.runner(e.target);
        for (int attempt = 1; attempt <= e.attempt; attempt++) {
            runner.cleanup(ExecutionStore.run(e, job, attempt), config.retention()).subscribe().with(v -> {
            }, f -> LOG.debugf("Could not clean up after %s: %s", e.id, f.getMessage()));
        }
    }

    /**
     * Applies an execution's changes one after another, in the order they were observed. A change the database could
     * not take (down, failing over) is tried again with backoff, and the later ones wait for it: an outcome observed
     * during an outage is recorded once the database is back, not lost. (Should the lease run out meanwhile, the
     * retried change is refused and the replica that claims the execution reads the outcome from the run.)
     */
    private void inOrder(UUID id, Live l, Supplier<Uni<?>> change) {
        synchronized (l) {
            l.changes = l.changes.thenCompose(v -> Uni.createFrom().deferred(change)
                    .onFailure(DatabaseFailures::unavailable).invoke(f -> LOG.warnf(
                            "Execution %s: a change waits for the database (%s)", id, f.getMessage()))
                    .onFailure(DatabaseFailures::unavailable).retry().withBackOff(CHANGE_RETRY_FIRST, CHANGE_RETRY_MAX)
                    .expireIn(CHANGE_RETRY_FOR.toMillis())
                    .replaceWithVoid().onFailure().invoke(f -> LOG.warnf(
                            "Could not record a change of execution %s: %s", id, f.getMessage())).onFailure()
                    .recoverWithNull().subscribeAsCompletionStage());
        }
    }

    private static String blankToNull(String value, String otherwise) {
        return value == null || value.isBlank() ? otherwise : value;
    }
}

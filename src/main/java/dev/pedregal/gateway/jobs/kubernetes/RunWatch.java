package dev.pedregal.gateway.jobs.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.jobs.FinishedAttempt;
import dev.pedregal.gateway.jobs.RunRequest;
import dev.pedregal.gateway.jobs.RunUpdate;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;

/**
 * Follows one run's SparkApplication with a Kubernetes watch and tells the emitter STARTED (once, when the driver
 * runs) and then exactly one terminal update. Each (re-)connection first reads the application, so that a state
 * reached while no watch was open is never missed, then watches from that read's resourceVersion. A watch the
 * API server ends with an error (410 Gone after compaction, or fabric8 giving up its own reconnects) is
 * re-established the same way, with a growing delay.
 *
 * <p>
 * Threading: watch events arrive on fabric8's threads and reads complete on worker threads; the state below is
 * guarded by this object's lock, so updates are emitted one at a time and in order.
 */
final class RunWatch {

    private static final Logger LOG = Logger.getLogger(RunWatch.class);

    private final SparkApplicationRunner runner;
    private final RunRequest run;
    private final MultiEmitter<? super RunUpdate> emitter;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private Connection connection;
    private boolean started;
    private boolean finished;
    private boolean closed;
    private int failures;

    RunWatch(SparkApplicationRunner runner, RunRequest run, MultiEmitter<? super RunUpdate> emitter, Duration firstDelay) {
        this.runner = runner;
        this.run = run;
        this.emitter = emitter;
        this.firstDelay = firstDelay;
        this.maxDelay = firstDelay.multipliedBy(30);
    }

    /** Reads the application, reports its state, and watches it from there. */
    void connect() {
        synchronized (this) {
            if (closed || finished) {
                return;
            }
        }
        runner.read(run)
                .chain(application -> {
                    if (application == null) {
                        deleted();
                        return Uni.createFrom().nullItem();
                    }
                    observe(application);
                    Connection next = new Connection();
                    synchronized (this) {
                        if (closed || finished) {
                            return Uni.createFrom().nullItem();
                        }
                        connection = next; // before the watch opens: its first events may precede watch()'s return
                    }
                    String version = application.getMetadata().getResourceVersion();
                    return runner.calls().call("watch SparkApplication " + run.runName(), () -> runner.application(run)
                            .watch(new ListOptionsBuilder().withResourceVersion(version).build(), next))
                            .invoke(next::opened);
                })
                .subscribe().with(watch -> {
                }, this::reconnectLater);
    }

    /** Stops watching; nothing more is emitted. */
    void close() {
        Connection current;
        synchronized (this) {
            closed = true;
            current = connection;
            connection = null;
        }
        if (current != null) {
            current.retire();
        }
    }

    /** Whether a watch connection is open. For tests, which change the application only once it is watched. */
    synchronized boolean connected() {
        return connection != null && connection.watch != null;
    }

    /** Ends the current connection without reconnecting: as if the API server dropped it. For tests. */
    void disconnect() {
        Connection current;
        synchronized (this) {
            current = connection;
            connection = null;
        }
        if (current != null) {
            current.retire();
        }
    }

    /** What the watch does when the API server ends a connection with an error. */
    void connectionLost(WatcherException cause) {
        synchronized (this) {
            if (closed || finished) {
                return;
            }
        }
        reconnectLater(cause);
    }

    private void reconnectLater(Throwable cause) {
        Duration delay;
        synchronized (this) {
            if (closed || finished) {
                return;
            }
            delay = firstDelay.multipliedBy(1L << Math.min(failures, 10));
            delay = delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
            failures++;
        }
        LOG.infof("Watch of SparkApplication %s ended (%s); watching again in %s", run.runName(),
                cause.getMessage(), delay);
        Uni.createFrom().voidItem().onItem().delayIt().by(delay).subscribe().with(x -> connect());
    }

    private synchronized void observe(GenericKubernetesResource application) {
        if (closed || finished) {
            return;
        }
        ApplicationStatus status = ApplicationStatus.of(runner.flavor(), application);
        if (status.phase() == ApplicationStatus.Phase.RUNNING && !started) {
            started = true;
            emitter.emit(update(RunUpdate.Kind.STARTED, null, status));
        } else if (status.phase() == ApplicationStatus.Phase.SUCCEEDED) {
            finish();
            emitter.emit(update(RunUpdate.Kind.SUCCEEDED, null, status));
            emitter.complete();
        } else if (status.phase() == ApplicationStatus.Phase.FAILED) {
            finish();
            report(status, status.operatorMessage());
        }
    }

    private synchronized void deleted() {
        if (closed || finished) {
            return;
        }
        finish();
        // The driver pod may outlive its application for a moment: its exit code still says what happened.
        report(ApplicationStatus.deleted(), "SparkApplication " + run.runName() + " was deleted");
    }

    private void report(ApplicationStatus status, String operatorMessage) {
        runner.finishedAttempt(run, status, operatorMessage)
                .onFailure().recoverWithItem(failure -> new FinishedAttempt(OptionalInt.empty(), "", operatorMessage,
                        List.of()))
                .subscribe().with(attempt -> {
                    synchronized (this) {
                        if (!closed) {
                            emitter.emit(update(RunUpdate.Kind.FAILED, attempt, status));
                            emitter.complete();
                        }
                    }
                });
    }

    /** Called with the lock held: no later event is acted on, and the connection is let go. */
    private void finish() {
        finished = true;
        if (connection != null) {
            Connection current = connection;
            connection = null;
            current.retire();
        }
    }

    private RunUpdate update(RunUpdate.Kind kind, FinishedAttempt attempt, ApplicationStatus status) {
        return new RunUpdate(kind, runner.clock().instant(), attempt,
                status.sparkUiUrl().isEmpty() ? null : status.sparkUiUrl(), null);
    }

    /**
     * One watch connection. Events of a connection that was let go (replaced, finished, closed) are ignored, so a
     * close the gateway asked for is never mistaken for the server ending the watch.
     */
    private final class Connection implements Watcher<GenericKubernetesResource> {

        private Watch watch;
        private boolean retired;

        void opened(Watch watch) {
            boolean keep;
            synchronized (RunWatch.this) {
                this.watch = watch;
                keep = !retired && connection == this;
                if (keep) {
                    failures = 0;
                }
            }
            if (!keep) {
                watch.close();
            }
        }

        void retire() {
            Watch w;
            synchronized (RunWatch.this) {
                retired = true;
                w = watch;
            }
            if (w != null) {
                w.close();
            }
        }

        private boolean current() {
            synchronized (RunWatch.this) {
                return !retired && connection == this;
            }
        }

        @Override
        public void eventReceived(Action action, GenericKubernetesResource application) {
            if (!current()) {
                return;
            }
            switch (action) {
                case DELETED -> deleted();
                case ADDED, MODIFIED -> observe(application);
                default -> {
                    // BOOKMARK and ERROR carry no state of the application.
                }
            }
        }

        @Override
        public void onClose(WatcherException cause) {
            if (current()) {
                synchronized (RunWatch.this) {
                    connection = null;
                }
                connectionLost(cause);
            }
        }

        @Override
        public void onClose() {
            if (current()) {
                synchronized (RunWatch.this) {
                    connection = null;
                }
                connectionLost(new WatcherException("the watch closed"));
            }
        }
    }
}

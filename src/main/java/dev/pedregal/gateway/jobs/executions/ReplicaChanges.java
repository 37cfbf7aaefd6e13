package dev.pedregal.gateway.jobs.executions;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;

/**
 * Execution changes committed by any replica, heard through PostgreSQL LISTEN: {@link ExecutionStore} notifies
 * {@link #CHANNEL} with the execution id in the transaction of every state change, and here each notification for
 * an execution that a Watch on this replica follows, or that this replica drives, is answered by reading its
 * snapshot and publishing it to {@link ExecutionChanges}. So a Watch sees a change whichever replica made it, and
 * the driver hears of an end made elsewhere (a cancel); several quick changes elsewhere may arrive as their latest
 * snapshot.
 *
 * <p>
 * The subscription is one connection of its own (a pooled connection cannot stay listening), opened with the
 * datasource's URL, credentials and TLS settings ({@link DatasourceConnectOptions}). When it is lost it is
 * re-established every second, and once it listens again every followed execution is read afresh: notifications
 * sent while no one listened are gone. All of it runs on Vert.x, nothing blocks.
 */
@ApplicationScoped
public class ReplicaChanges {

    /** The notification channel; the payload is the execution id. */
    public static final String CHANNEL = "pedregal_execution_changes";

    private static final Logger LOG = Logger.getLogger(ReplicaChanges.class);
    private static final Duration RECONNECT = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final ExecutionChanges changes;
    private final ExecutionStore store;
    private final boolean databaseActive;
    private final Config config;
    private volatile PgSubscriber subscriber;
    private volatile boolean stopped;

    public ReplicaChanges(Vertx vertx, ExecutionChanges changes, ExecutionStore store,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean databaseActive,
            Config config) {
        this.vertx = vertx;
        this.changes = changes;
        this.store = store;
        this.databaseActive = databaseActive;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        Optional<PgConnectOptions> options = databaseActive
                ? DatasourceConnectOptions.from(key -> config.getOptionalValue(key, String.class))
                : Optional.empty();
        if (options.isEmpty()) {
            return;
        }
        subscriber = PgSubscriber.subscriber(vertx, options.get())
                .reconnectPolicy(retries -> stopped ? -1L : RECONNECT.toMillis());
        subscriber.channel(CHANNEL)
                .subscribeHandler(listening -> catchUp())
                .handler(this::changed);
        connect();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        if (subscriber != null) {
            subscriber.close();
        }
    }

    /** Whether this replica listens now: for tests, which make changes elsewhere only once it does. */
    public boolean listening() {
        PgSubscriber s = subscriber;
        return s != null && !s.closed() && s.actualConnection() != null;
    }

    private void connect() {
        subscriber.connect().onFailure(failure -> {
            if (!stopped) {
                LOG.warnf("Not listening for execution changes of other replicas (%s); trying again in %s",
                        failure.getMessage(), RECONNECT);
                vertx.setTimer(RECONNECT.toMillis(), t -> connect());
            }
        });
    }

    private void changed(String payload) {
        UUID id;
        try {
            id = UUID.fromString(payload);
        } catch (IllegalArgumentException e) {
            LOG.debugf("Ignoring notification '%s' on %s", payload, CHANNEL);
            return;
        }
        if (changes.listening(id)) {
            republish(id);
        }
    }

    /** Listening (again): what changed while no one listened is read now. */
    private void catchUp() {
        changes.listened().forEach(this::republish);
    }

    private void republish(UUID id) {
        store.find(id).subscribe().with(e -> {
            if (e != null) {
                store.publish(e);
            }
        }, failure -> LOG.warnf("Could not read execution %s after a change elsewhere: %s", id, failure.getMessage()));
    }
}

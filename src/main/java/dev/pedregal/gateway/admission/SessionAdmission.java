package dev.pedregal.gateway.admission;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.capacity.CapacityUnavailable;
import dev.pedregal.gateway.capacity.RateLimit;
import dev.pedregal.gateway.capacity.RateLimiter;
import dev.pedregal.gateway.capacity.Reservation;
import dev.pedregal.gateway.capacity.Resources;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.connect.GatewayFailure;
import dev.pedregal.gateway.session.SessionKey;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Admission of new Spark Connect sessions: the team's session rate limit, then (through {@link Reservations})
 * its standing and a reservation of the driver's share in the capacity calendar from now to a horizon that
 * moves forward while the session lives. Sessions of a provisioned cluster are not reserved again: the cluster
 * reserved its drivers when it was created.
 *
 * <p>Only the opening RPC of a session comes here; every later RPC routes from the session's binding.
 */
@ApplicationScoped
public class SessionAdmission {

    private static final Logger LOG = Logger.getLogger(SessionAdmission.class);

    private final GatewayConfig.Capacity config;
    private final Reservations reservations;
    private final Instance<RateLimiter> rates;
    private final Resources sessionShare;
    private final Map<SessionKey, Reservation> reserved = new ConcurrentHashMap<>();

    public SessionAdmission(GatewayConfig config, Reservations reservations, Instance<RateLimiter> rates, Vertx vertx) {
        this.config = config.capacity();
        this.reservations = reservations;
        this.rates = rates;
        // A session's share: its driver's size split among the sessions a driver serves.
        this.sessionShare = Resources.of(this.config.driverVcpu(), config.local().driverMemory())
                .share(config.pool().maxSessionsPerDriver());
        if (reservations.enabled()) {
            long every = Math.max(1000, this.config.sessionHorizon().toMillis() / 3);
            vertx.setPeriodic(every, id -> extendHorizons());
        }
    }

    /** Admits the opening RPC of a new session, or fails with the {@link GatewayFailure} the client is told. */
    public Uni<Void> admit(SessionKey key) {
        if (!reservations.enabled()) {
            return Uni.createFrom().voidItem();
        }
        String team = key.pool().team();
        return rates.get().acquire("session:team:" + team, Limits.sessions(config, team))
                .onFailure(CapacityUnavailable.class).recoverWithNull()
                .chain(decision -> {
                    // Rate limits fail open when Redis is in trouble: the reservation below fails closed anyway.
                    if (decision != null && !decision.allowed()) {
                        throw new GatewayFailure.RateLimited("team " + team + " opened new sessions faster than its limit of "
                                + Limits.sessions(config, team).perMinute() + " a minute; retry in "
                                + Limits.seconds(decision.retryAfter()) + " s", decision.retryAfter());
                    }
                    return key.pool().isCluster() ? Uni.createFrom().voidItem() : reserve(key);
                })
                .onFailure(CapacityDenied.class).transform(e -> {
                    CapacityDenied denied = (CapacityDenied) e;
                    return denied.suspended() ? new GatewayFailure.Suspended(denied.getMessage())
                            : new GatewayFailure.CapacityExhausted(denied.getMessage(), denied.retryAfter());
                })
                .onFailure(CapacityUnavailable.class).transform(e -> new GatewayFailure.AdmissionUnavailable(
                        "new sessions are paused: " + e.getMessage(), ((CapacityUnavailable) e).retryAfter()));
    }

    /** The session ended (released, idle, lost): its reservation is released. */
    public void ended(SessionKey key) {
        Reservation r = reserved.remove(key);
        if (r != null) {
            reservations.release(r.pool(), r.id(), "session " + key);
        }
    }

    /** Stops tracking a session another replica owns, without releasing the reservation they share by id. */
    public void forget(SessionKey key) {
        reserved.remove(key);
    }

    /** Sessions holding a reservation on this gateway. */
    public int reservedSessions() {
        return reserved.size();
    }

    private Uni<Void> reserve(SessionKey key) {
        String pool = reservations.poolFor(key.pool().environment(), null).orElse(null);
        if (pool == null) {
            // No pool serves the environment: nothing to reserve against (and nothing to refuse).
            return Uni.createFrom().voidItem();
        }
        Instant now = Instant.now();
        return reservations.reserve("session", key.toString(), reservationId(key), key.pool().team(), pool, sessionShare,
                now, now.plus(config.sessionHorizon()))
                .invoke(r -> reserved.put(key, r))
                .replaceWithVoid();
    }

    /** Moves the horizon of every live session forward; a session is never stopped for failing to extend. */
    private void extendHorizons() {
        Instant now = Instant.now();
        Duration horizon = config.sessionHorizon();
        reserved.forEach((key, r) -> {
            if (Duration.between(now, r.end()).compareTo(horizon.multipliedBy(2).dividedBy(3)) > 0) {
                return;
            }
            reservations.extend(r, now.plus(horizon)).subscribe().with(
                    extended -> extended.ifPresentOrElse(e -> reserved.replace(key, r, e),
                            () -> LOG.warnf("Session %s runs beyond its reservation: the pool has no room to extend it", key)),
                    failure -> LOG.warnf("Could not extend the reservation of session %s: %s", key, failure.getMessage()));
        });
    }

    /** Unique per pool, user and session (session ids are client-chosen UUIDs), within the calendar's id charset. */
    static String reservationId(SessionKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((key.pool().name() + "\n" + key.userId()).getBytes(StandardCharsets.UTF_8));
            return "session-" + key.sessionId() + "-" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rates as RateLimit values: a team's own rate where set, the default otherwise; a burst of twice the rate over 10 s. */
    static final class Limits {
        private Limits() {
        }

        static RateLimit sessions(GatewayConfig.Capacity config, String team) {
            int perMinute = config.teamRatePerMinute().getOrDefault(team, config.sessionsPerMinute());
            return perMinute(perMinute);
        }

        static RateLimit perMinute(int perMinute) {
            // 2× the rate for 10 s: a client may fire a third of a minute's allowance at once.
            return new RateLimit(perMinute, Math.max(1, perMinute / 3));
        }

        static long seconds(Duration d) {
            return Math.max(1, (d.toMillis() + 999) / 1000);
        }
    }
}

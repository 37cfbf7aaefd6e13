package dev.pedregal.gateway.connect;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.ReleaseSessionResponse;
import org.apache.spark.connect.proto.UserContext;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.admission.SessionAdmission;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.observability.GatewayMetrics;
import dev.pedregal.gateway.identity.AuditLog;
import dev.pedregal.gateway.identity.Authenticator;
import dev.pedregal.gateway.identity.Caller;
import dev.pedregal.gateway.identity.TeamResolver;
import dev.pedregal.gateway.placement.Driver;
import dev.pedregal.gateway.placement.DriverPool;
import dev.pedregal.gateway.placement.DriverCalls;
import dev.pedregal.gateway.placement.DriverPools;
import dev.pedregal.gateway.placement.PoolKey;
import dev.pedregal.gateway.session.SessionBinding;
import dev.pedregal.gateway.session.SessionDirectory;
import dev.pedregal.gateway.session.SessionKey;
import io.grpc.Metadata;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * The stages a call passes before its bytes are forwarded — authenticate, resolve the team's pool and the
 * session (binding an opening RPC of a new session to a driver the pool places it on), check that continued
 * operations belong to it — and, after the call, keeping bindings and driver health up to date.
 */
@ApplicationScoped
public class SessionRouter {

    private static final Logger LOG = Logger.getLogger(SessionRouter.class);
    private static final Duration LOSS_CONFIRMATION = Duration.ofSeconds(2);

    private final SessionDirectory sessions;
    private final DriverPools pools;
    private final Authenticator authenticator;
    private final TeamResolver teams;
    private final AuditLog audit;
    private final ClusterAddress clusterAddress;
    private final SessionAdmission admission;

    public SessionRouter(SessionDirectory sessions, DriverPools pools, Authenticator authenticator, TeamResolver teams,
            AuditLog audit, SessionAdmission admission, GatewayMetrics metrics, GatewayConfig config, Vertx vertx) {
        this.audit = audit;
        this.admission = admission;
        this.sessions = sessions;
        this.pools = pools;
        this.authenticator = authenticator;
        this.teams = teams;
        this.clusterAddress = new ClusterAddress(config.provisioning().baseDomain());
        pools.onDriverLost(this::driverLost);
        // Another replica bound the session first: this replica's placement goes back to its pool.
        sessions.onPlacementDiscarded(b -> {
            // Another replica won the session: its reservation has the same id, so it is kept, not released.
            admission.forget(b.key());
            releaseSlot(b);
        });
        metrics.sessionGauge(sessions::liveCount);
        long idleMillis = config.connect().sessionIdleTimeout().toMillis();
        vertx.setPeriodic(Math.max(1000, Math.min(idleMillis / 4, 60_000)), id -> sessions
                .expire(System.currentTimeMillis() - idleMillis).subscribe().with(expired -> expired.forEach(b -> {
                    LOG.infof("Session %s idle for %s: released", b.key(), config.connect().sessionIdleTimeout());
                    ended(null, b, "ok", "idle_timeout");
                    releaseSlot(b);
                }), failure -> LOG.warnf("Session expiry sweep failed: %s", failure.getMessage())));
    }

    /** Resolves where a call goes. Fails with a {@link GatewayFailure} the client is told. */
    public Uni<Route> route(ConnectMethod method, RoutingFields fields, Metadata headers, String authority,
            String requestId) {
        String cluster = clusterAddress.clusterOf(headers.get(ConnectHeaders.CLUSTER), authority);
        if (!authenticator.enabled()) {
            PoolKey pool = cluster == null ? PoolKey.UNTENANTED : clusterPool(cluster, null);
            return resolve(method, fields, new SessionKey(pool, fields.userId(), fields.sessionId()), null, requestId);
        }
        return authenticator.authenticate(headers).flatMap(caller -> {
            PoolKey pool = cluster == null ? teams.resolve(caller, headers) : clusterPool(cluster, caller);
            return resolve(method, fields, new SessionKey(pool, caller.userId(), fields.sessionId()), caller, requestId);
        });
    }

    /** The pool of a provisioned cluster the caller's team owns. */
    private PoolKey clusterPool(String cluster, Caller caller) {
        DriverPool pool = pools.cluster(cluster);
        // A recently closed cluster still resolves, so that its sessions are told why they ended.
        PoolKey key = pool != null ? pool.key() : pools.closedCluster(cluster);
        if (key == null) {
            throw new GatewayFailure.NotFound("no Spark Connect cluster named '" + cluster
                    + "' is open: see GET /api/v1/clusters");
        }
        if (caller != null) {
            teams.requireMember(caller, key.team());
        }
        return key;
    }

    private Uni<Route> resolve(ConnectMethod method, RoutingFields fields, SessionKey key, Caller caller,
            String requestId) {
        if (!isUuid(fields.sessionId())) {
            return Uni.createFrom().failure(new GatewayFailure.InvalidRequest(
                    "session_id must be a UUID string, got '" + abbreviate(fields.sessionId()) + "'"));
        }
        String stamp = caller == null ? null : caller.userId();
        SessionBinding binding = sessions.find(key);
        if (binding != null) {
            return boundChecked(method, fields, binding, stamp);
        }
        // Not held here: the shared store (if any) says whether another replica bound it.
        return sessions.lookup(key).flatMap(found -> found != null ? boundChecked(method, fields, found, stamp)
                : unbound(method, fields, key, requestId, stamp));
    }

    /** A session bound nowhere: an opening RPC places it, others are answered without a driver. */
    private Uni<Route> unbound(ConnectMethod method, RoutingFields fields, SessionKey key, String requestId,
            String stamp) {
        if (method.opensSession()) {
            if (key.pool().isCluster() && pools.cluster(key.pool().cluster()) == null) {
                throw new GatewayFailure.NotFound("the Spark Connect cluster '" + key.pool().cluster() + "' is closed ("
                        + pools.closedReason(key.pool().cluster()) + ")");
            }
            DriverPool pool = pools.pool(key.pool());
            // Admission (rate, standing, capacity) runs once per new session, inside the bind: concurrent first
            // RPCs of one session share it.
            return sessions.bind(key, () -> admission.admit(key)
                    .onFailure(GatewayFailure.class).invoke(refused -> audit.record(requestId, key.pool(), key.userId(),
                            key.sessionId(), null, "session_start", "denied", refused.getMessage()))
                    .chain(() -> pool.acquire().onFailure().invoke(() -> admission.ended(key)))
                    .map(driver -> {
                        audit.record(requestId, key.pool(), key.userId(), key.sessionId(), driver.id(), "session_start",
                                "ok", method.rpcName());
                        return driver.id();
                    }))
                    .map(b -> bound(method, fields, b, stamp));
        }
        if (method == ConnectMethod.RELEASE_SESSION) {
            // Releasing a session this gateway does not hold is a no-op, as on a Spark Connect server.
            return Uni.createFrom().item(Route.answer(ReleaseSessionResponse.newBuilder()
                    .setSessionId(fields.sessionId()).build().toByteArray()));
        }
        return Uni.createFrom().failure(new GatewayFailure.NotFound("session " + fields.sessionId()
                + " is not open on this gateway (it ended, expired or never started): create a new SparkSession"));
    }

    /**
     * A bound session whose RPC names an operation this replica has not seen asks the directory first: another
     * replica may have started it (a reattach arriving at this replica). Otherwise straight to {@link #bound}.
     */
    private Uni<Route> boundChecked(ConnectMethod method, RoutingFields fields, SessionBinding binding, String stamp) {
        String operationId = fields.operationId();
        if (operationId == null || operationId.isEmpty() || method == ConnectMethod.EXECUTE_PLAN || binding.lost()
                || binding.operations().contains(operationId)) {
            return Uni.createFrom().item(() -> bound(method, fields, binding, stamp));
        }
        return sessions.sessionOfOperation(binding.key(), operationId).map(owner -> {
            if (binding.key().equals(owner)) {
                binding.operations().add(operationId);
            }
            return bound(method, fields, binding, stamp);
        });
    }

    private Route bound(ConnectMethod method, RoutingFields fields, SessionBinding binding, String stamp) {
        if (binding.lost()) {
            throw new GatewayFailure.DriverLost(binding.key().sessionId(), binding.driverId(), binding.lostReason());
        }
        Driver driver = pools.driver(binding.driverId());
        if (driver == null || !driver.serving()) {
            throw new GatewayFailure.DriverLost(binding.key().sessionId(), binding.driverId(), "driver not serving");
        }
        String operationId = fields.operationId();
        if (operationId != null && !operationId.isEmpty()) {
            if (method == ConnectMethod.EXECUTE_PLAN) {
                sessions.addOperation(binding, operationId);
            } else if (!binding.operations().contains(operationId)) {
                throw new GatewayFailure.NotFound("operation " + operationId + " not found in session "
                        + binding.key().sessionId());
            }
        }
        binding.touch();
        driver.countRpc();
        return Route.forward(binding, driver, stamp);
    }

    /** Stops an operation on its driver (the client cancelled a call Spark would otherwise let run on). */
    void interrupt(Route route, String operationId) {
        SessionKey key = route.binding().key();
        InterruptRequest request = InterruptRequest.newBuilder().setSessionId(key.sessionId())
                .setUserContext(UserContext.newBuilder().setUserId(key.userId()))
                .setInterruptType(InterruptRequest.InterruptType.INTERRUPT_TYPE_OPERATION_ID)
                .setOperationId(operationId).build();
        Driver driver = route.driver();
        DriverCalls.interrupt(driver, request).subscribe().with(
                response -> LOG.debugf("Interrupted %s on %s after the client cancelled", operationId, driver.id()),
                failure -> LOG.debugf("Could not interrupt %s on %s: %s", operationId, driver.id(), failure.getMessage()));
    }

    /** An ExecutePlan whose request had no operation id: the driver chose one, seen in its first response. */
    void operationStarted(Route route, String operationId) {
        sessions.addOperation(route.binding(), operationId);
    }

    /** Bookkeeping once the driver answered a call. */
    void finished(ConnectMethod method, RoutingFields fields, Route route, Status.Code code) {
        route.driver().pool().forwardSucceeded(route.driver());
        if (code != Status.Code.OK) {
            return;
        }
        if (method == ConnectMethod.RELEASE_SESSION) {
            SessionBinding released = sessions.release(route.binding().key());
            if (released != null) {
                ended(null, released, "ok", "released");
                releaseSlot(released);
            }
        } else if (method == ConnectMethod.RELEASE_EXECUTE && fields.releaseAll() && fields.operationId() != null) {
            sessions.removeOperation(route.binding(), fields.operationId());
        }
    }

    /**
     * The connection to the driver broke during a call. If the driver has ended, the session is lost and the
     * client is told so; otherwise the failure counts against the driver's health and passes through.
     */
    Uni<Throwable> upstreamBroken(Route route, Throwable transportFailure) {
        Driver driver = route.driver();
        DriverPool pool = driver.pool();
        return pool.confirmLost(driver, LOSS_CONFIRMATION).map(lost -> {
            if (lost) {
                return new GatewayFailure.DriverLost(route.binding().key().sessionId(), driver.id(),
                        "its process ended");
            }
            pool.forwardFailed(driver);
            return transportFailure;
        });
    }

    private void driverLost(Driver driver, String reason) {
        var lost = sessions.driverLost(driver.id(), reason);
        lost.forEach(b -> ended(null, b, "lost", reason));
        if (!lost.isEmpty()) {
            LOG.warnf("Driver %s ended (%s): %d session(s) lost", driver.id(), reason, lost.size());
        }
    }

    /** A call refused for who is calling: audited with its fixed reason, never with the token. */
    void refused(String requestId, ConnectMethod method, RoutingFields fields, Metadata headers,
            GatewayFailure.Refusal refusal) {
        String team = headers.get(ConnectHeaders.TEAM);
        String env = headers.get(ConnectHeaders.ENVIRONMENT);
        PoolKey asked = team == null ? null : new PoolKey(team, env);
        audit.record(requestId, asked, refusal.userId(), fields == null ? null : fields.sessionId(), null,
                "rpc:" + method.rpcName(), "denied", refusal.reason());
    }

    /** A client asked for the drivers' secret (Config get/getAll); it was redacted. */
    void secretRequested(String requestId, Route route) {
        SessionKey key = route.binding().key();
        audit.record(requestId, key.pool(), key.userId(), key.sessionId(), route.driver().id(), "config_secret_read",
                "redacted", null);
    }

    private void ended(String requestId, SessionBinding binding, String outcome, String reason) {
        SessionKey key = binding.key();
        admission.ended(key);
        audit.record(requestId == null ? "-" : requestId, key.pool(), key.userId(), key.sessionId(), binding.driverId(),
                "session_end", outcome, reason);
    }

    private void releaseSlot(SessionBinding binding) {
        Driver driver = pools.driver(binding.driverId());
        if (driver != null) {
            driver.pool().release(driver);
        }
    }

    static boolean isUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean ok = (i == 8 || i == 13 || i == 18 || i == 23) ? c == '-'
                    : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}

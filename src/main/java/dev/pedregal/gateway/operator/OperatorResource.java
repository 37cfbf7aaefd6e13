package dev.pedregal.gateway.operator;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.pedregal.gateway.placement.Driver;
import dev.pedregal.gateway.placement.DriverPool;
import dev.pedregal.gateway.placement.DriverPools;
import dev.pedregal.gateway.session.SessionBinding;
import dev.pedregal.gateway.session.SessionDirectory;

/** The operator's view of pools, drivers and sessions. Read-only; never on the per-RPC path. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class OperatorResource {

    private final DriverPools pools;
    private final SessionDirectory sessions;

    public OperatorResource(DriverPools pools, SessionDirectory sessions) {
        this.pools = pools;
        this.sessions = sessions;
    }

    @GET
    @Path("/pools")
    public List<PoolView> pools() {
        return pools.all().stream().sorted(Comparator.comparing(DriverPool::name)).map(PoolView::of).toList();
    }

    @GET
    @Path("/sessions")
    public List<SessionView> sessions() {
        Instant now = Instant.now();
        return sessions.all().stream()
                .sorted(Comparator.comparing(SessionBinding::createdAt))
                .map(b -> new SessionView(b.key().sessionId(), b.key().userId(), b.key().pool().team(),
                        b.key().pool().environment(), b.key().pool().cluster(), b.driverId(),
                        b.lost() ? "LOST" : "ACTIVE", b.lostReason(), b.createdAt(),
                        Duration.between(b.createdAt(), now).toSeconds(), b.rpcs(), b.operations().size()))
                .toList();
    }

    public record PoolView(String name, String team, String environment, String cluster, String backend,
            Map<?, Long> drivers, int waiting, List<DriverView> members) {
        static PoolView of(DriverPool pool) {
            List<DriverView> members = pool.drivers().stream()
                    .sorted(Comparator.comparing(Driver::startedAt)).map(DriverView::of).toList();
            return new PoolView(pool.name(), pool.key().team(), pool.key().environment(), pool.key().cluster(),
                    pool.backendName(),
                    pool.countByState(), pool.waiting(), members);
        }
    }

    public record DriverView(String id, String state, String endpoint, String process, int sessions, long rpcs,
            long failedForwards, Instant startedAt, Instant readyAt) {
        static DriverView of(Driver d) {
            return new DriverView(d.id(), d.state().name(), d.handle().host() + ":" + d.handle().port(),
                    d.handle().describe(), d.sessions(), d.rpcs(), d.failedForwards(), d.startedAt(), d.readyAt());
        }
    }

    public record SessionView(String sessionId, String userId, String team, String environment, String cluster,
            String driverId, String state, String lostReason,
            Instant createdAt, long ageSeconds, long rpcs, int operations) {
    }
}

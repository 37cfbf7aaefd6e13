package dev.pedregal.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.backend.local.LocalProcessBackend;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.connect.FrontDoor;
import dev.pedregal.gateway.identity.Authenticator;
import dev.pedregal.gateway.identity.TeamResolver;
import dev.pedregal.gateway.placement.DriverPools;
import dev.pedregal.gateway.placement.PoolKey;
import io.quarkus.grpc.GrpcService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Start-up and orderly shutdown. On start: reap drivers a crashed predecessor left, then warm the pool.
 * On SIGTERM: stop placing new sessions, let running streams drain up to the timeout, stop every driver.
 */
@ApplicationScoped
public class GatewayLifecycle {

    private static final Logger LOG = Logger.getLogger(GatewayLifecycle.class);

    private final DriverPools pools;
    private final FrontDoor frontDoor;
    private final LocalProcessBackend local;
    private final GatewayConfig config;
    private final Authenticator authenticator;
    private final TeamResolver teams;
    private final dev.pedregal.gateway.identity.AuditLog audit;
    private final boolean tls;
    private final String host;
    private final dev.pedregal.gateway.provisioning.ClusterLifecycle clusters;
    private final boolean database;

    public GatewayLifecycle(DriverPools pools, @GrpcService FrontDoor frontDoor, LocalProcessBackend local,
            GatewayConfig config, Authenticator authenticator, TeamResolver teams,
            dev.pedregal.gateway.identity.AuditLog audit,
            @ConfigProperty(name = "quarkus.grpc.server.ssl.certificate") Optional<String> certificate,
            @ConfigProperty(name = "quarkus.grpc.server.host", defaultValue = "0.0.0.0") String host,
            dev.pedregal.gateway.provisioning.ClusterLifecycle clusters,
            @ConfigProperty(name = "quarkus.datasource.active", defaultValue = "true") boolean database) {
        this.clusters = clusters;
        this.database = database;
        this.pools = pools;
        this.frontDoor = frontDoor;
        this.local = local;
        this.config = config;
        this.authenticator = authenticator;
        this.teams = teams;
        this.audit = audit;
        this.tls = certificate.isPresent();
        this.host = host;
    }

    void onStart(@Observes StartupEvent event) {
        refuseUnsafeListeners();
        int reaped = local.reapOrphans();
        if (reaped > 0) {
            LOG.warnf("Stopped %d driver(s) left running by an earlier gateway", reaped);
        }
        pools.start(warmPools());
        if (database) {
            // Provisioned clusters live in PostgreSQL: reopen their pools and start the TTL reaper.
            clusters.start();
        }
    }

    /** Tokens must not cross a network in clear text, and client-asserted identities must not leave loopback. */
    private void refuseUnsafeListeners() {
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
        if (loopback || config.connect().allowPlaintext()) {
            return;
        }
        if (!tls) {
            throw new IllegalStateException("Spark Connect listener on " + host + " without TLS: set "
                    + "quarkus.grpc.server.ssl.certificate/key, bind to 127.0.0.1, or set pedregal.connect.allow-plaintext=true");
        }
        if (!authenticator.enabled()) {
            throw new IllegalStateException("pedregal.identity.mode=none trusts client-asserted users; it is only "
                    + "allowed on a loopback listener");
        }
    }

    private List<PoolKey> warmPools() {
        if (!authenticator.enabled()) {
            return List.of(PoolKey.UNTENANTED);
        }
        List<PoolKey> warm = new ArrayList<>();
        config.identity().teams().keySet().forEach(team -> teams.environments(team)
                .forEach(env -> warm.add(new PoolKey(team, env))));
        return warm;
    }

    void onStop(@Observes ShutdownEvent event) {
        LOG.infof("Shutting down: draining %d call(s) for up to %s", frontDoor.activeCalls(),
                config.connect().drainTimeout());
        pools.drain();
        frontDoor.drain(config.connect().drainTimeout());
        pools.shutdown();
        local.stopAll();
        audit.flush(java.time.Duration.ofSeconds(10));
        LOG.info("All drivers stopped");
    }
}

package dev.pedregal.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.backend.local.LocalProcessBackend;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.connect.FrontDoor;
import dev.pedregal.gateway.placement.DriverPool;
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

    private final DriverPool pool;
    private final FrontDoor frontDoor;
    private final LocalProcessBackend local;
    private final GatewayConfig config;

    public GatewayLifecycle(DriverPool pool, @GrpcService FrontDoor frontDoor, LocalProcessBackend local, GatewayConfig config) {
        this.pool = pool;
        this.frontDoor = frontDoor;
        this.local = local;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        int reaped = local.reapOrphans();
        if (reaped > 0) {
            LOG.warnf("Stopped %d driver(s) left running by an earlier gateway", reaped);
        }
        pool.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        LOG.infof("Shutting down: draining %d call(s) for up to %s", frontDoor.activeCalls(),
                config.connect().drainTimeout());
        pool.drain();
        frontDoor.drain(config.connect().drainTimeout());
        pool.shutdown();
        local.stopAll();
        LOG.info("All drivers stopped");
    }
}

package dev.pedregal.gateway.operator;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.pedregal.gateway.placement.DriverPool;

/** Ready once the pool has a warm driver: before that, a new session would only wait. */
@Readiness
@ApplicationScoped
public class DriverReadiness implements HealthCheck {

    private final DriverPool pool;

    public DriverReadiness(DriverPool pool) {
        this.pool = pool;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("warm-driver")
                .status(pool.ready())
                .withData("pool", pool.name())
                .withData("drivers", pool.drivers().size())
                .build();
    }
}

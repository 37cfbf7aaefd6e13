package dev.pedregal.gateway.operator;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.pedregal.gateway.placement.DriverPools;

/** Ready once the pool has a warm driver: before that, a new session would only wait. */
@Readiness
@ApplicationScoped
public class DriverReadiness implements HealthCheck {

    private final DriverPools pools;

    public DriverReadiness(DriverPools pools) {
        this.pools = pools;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("warm-driver")
                .status(pools.ready())
                .withData("pools", pools.all().size())
                .withData("drivers", pools.all().stream().mapToLong(p -> p.drivers().size()).sum())
                .build();
    }
}

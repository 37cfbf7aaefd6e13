package dev.pedregal.gateway.backend;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.pedregal.gateway.backend.fixed.FixedEndpointBackend;
import dev.pedregal.gateway.backend.fixed.FixedEndpointConfig;
import dev.pedregal.gateway.backend.local.LocalProcessBackend;

/**
 * Which backend the pools get: attached Spark Connect servers when {@code pedregal.backend.fixed-endpoints} is
 * set, local driver processes otherwise. The alternative producer outranks the local backend's own bean, so the
 * pools keep injecting a plain {@link DriverBackend}.
 */
@Singleton
public class BackendSelection {

    @Produces
    @Alternative
    @Priority(1)
    @Singleton
    DriverBackend driverBackend(FixedEndpointConfig fixed, LocalProcessBackend local) {
        return fixed.fixedEndpoints().filter(endpoints -> !endpoints.isEmpty())
                .<DriverBackend> map(FixedEndpointBackend::new)
                .orElse(local);
    }
}

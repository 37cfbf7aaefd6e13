package dev.pedregal.gateway.backend.fixed;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Attaching Spark Connect servers that run already, instead of starting drivers. */
@ConfigMapping(prefix = "pedregal.backend")
public interface FixedEndpointConfig {

    /**
     * Running Spark Connect servers ({@code host:port}, comma separated) that the pools use as their drivers;
     * unset: drivers are started by the local-process backend.
     */
    Optional<List<String>> fixedEndpoints();
}

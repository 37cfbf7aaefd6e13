package dev.pedregal.gateway.jobs;

import java.util.Optional;

/**
 * One row of the platform's engine table: a Spark version a job may name, and the image it runs.
 *
 * @param type the engine type, e.g. {@code spark-oss}
 * @param version the version jobs name, e.g. {@code 4.0}
 * @param sparkVersion the full Spark version the operator is told, e.g. {@code 4.0.1}
 * @param image the image reference with its tag, e.g. {@code apache/spark:4.0.1}
 * @param deprecation why and until when the version is deprecated, with what to move to; empty when current
 */
public record EngineRelease(String type, String version, String sparkVersion, String image,
        Optional<String> deprecation) {

    public static EngineRelease current(String type, String version, String sparkVersion, String image) {
        return new EngineRelease(type, version, sparkVersion, image, Optional.empty());
    }

    public static EngineRelease deprecated(String type, String version, String sparkVersion, String image,
            String deprecation) {
        return new EngineRelease(type, version, sparkVersion, image, Optional.of(deprecation));
    }
}

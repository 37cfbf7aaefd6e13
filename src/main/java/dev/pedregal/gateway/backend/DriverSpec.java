package dev.pedregal.gateway.backend;

import java.util.Map;

/**
 * What to start.
 *
 * @param driverId unique id the pool chose for the driver
 * @param pool the pool it belongs to
 * @param sparkConf Spark configuration on top of the backend's defaults
 */
public record DriverSpec(String driverId, String pool, Map<String, String> sparkConf) {
}

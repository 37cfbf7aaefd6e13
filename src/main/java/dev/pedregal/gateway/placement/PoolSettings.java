package dev.pedregal.gateway.placement;

import java.util.Map;

import dev.pedregal.gateway.backend.DriverBackend;

/**
 * How big a pool is and what its drivers run with.
 *
 * @param warmDrivers drivers able to take a new session at once that the pool keeps running
 * @param minDrivers drivers kept running even when idle
 * @param maxDrivers upper bound on drivers, starting or running
 * @param sparkConf Spark configuration of every driver, on top of the backend's defaults
 * @param backend where the pool's drivers run
 */
public record PoolSettings(int warmDrivers, int minDrivers, int maxDrivers, Map<String, String> sparkConf,
        DriverBackend backend) {

    public PoolSettings {
        if (minDrivers < 0 || warmDrivers < 0 || maxDrivers < 1 || minDrivers > maxDrivers || warmDrivers > maxDrivers) {
            throw new IllegalArgumentException("pool sizes must satisfy 0 <= min, warm <= max and max >= 1; got min "
                    + minDrivers + ", warm " + warmDrivers + ", max " + maxDrivers);
        }
        sparkConf = Map.copyOf(sparkConf);
    }

    public PoolSettings resized(int warm, int min, int max) {
        return new PoolSettings(warm, min, max, sparkConf, backend);
    }
}

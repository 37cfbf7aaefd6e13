package dev.pedregal.gateway.support;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A real, empty redis-server for a Quarkus test (see {@link RedisServer}); turns the capacity calendar on and
 * points the Quarkus Redis client at it.
 */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    public static final int PORT = 16379;

    private RedisServer server;

    @Override
    public Map<String, String> start() {
        server = RedisServer.start(PORT);
        return Map.of("quarkus.redis.hosts", server.url(), "pedregal.capacity.enabled", "true");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** kill -9 of the suite's Redis (found by port: the test and the resource share no statics). */
    public static void kill() {
        RedisServer.attach(PORT).kill();
    }

    /** Starts the suite's Redis again on its port, empty. */
    public static void restart() {
        RedisServer.attach(PORT).restart();
    }

    /**
     * Waits until the gateway under test built its capacity calendar in this Redis: until then a new session is
     * refused UNAVAILABLE (which pyspark would retry; a test's plain client does not).
     */
    public static void awaitCalendarReady(dev.pedregal.gateway.capacity.CapacityCalendar calendar) {
        Operator.await("the capacity calendar built in Redis", java.time.Duration.ofSeconds(60), () -> calendar.rebuilds() > 0);
    }
}

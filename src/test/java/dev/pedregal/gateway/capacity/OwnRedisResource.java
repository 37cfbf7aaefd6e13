package dev.pedregal.gateway.capacity;

import java.util.Map;

import dev.pedregal.gateway.support.RedisServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Like {@code RedisResource}, but on a port of this suite's own ({@value #PORT}) and reachable from the test, so a
 * test may kill and restart the very server it started (Redis down → 503) without touching anyone else's.
 */
public class OwnRedisResource implements QuarkusTestResourceLifecycleManager {

    public static final int PORT = 27310;
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

    /** kill -9 of this suite's Redis (the server script finds it by port; the test and resource share no statics). */
    static void kill() {
        RedisServer.attach(PORT).kill();
    }

    static void restart() {
        RedisServer.attach(PORT).restart();
    }
}

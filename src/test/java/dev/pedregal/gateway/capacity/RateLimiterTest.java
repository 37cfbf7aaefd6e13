package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GCRA in Redis: a burst, then denial with a sane retry-after, then refill at the sustained rate. */
class RateLimiterTest {

    static CalendarFixture fixture;
    static RateLimiter limiter;

    @BeforeAll
    static void start() {
        fixture = new CalendarFixture(26382);
        limiter = new RateLimiter(fixture.functions);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    RateDecision acquire(String key, RateLimit limit) {
        return limiter.acquire(key, limit).await().atMost(CalendarFixture.WAIT);
    }

    @Test
    void burstThenDenialThenRefill() throws InterruptedException {
        RateLimit limit = new RateLimit(120, 5); // one every 500 ms, 5 at once
        for (int i = 0; i < 5; i++) {
            RateDecision d = acquire("team:burst", limit);
            assertTrue(d.allowed(), "request " + i + " of the burst");
            assertEquals(4 - i, d.remaining());
        }
        RateDecision denied = acquire("team:burst", limit);
        assertFalse(denied.allowed());
        assertEquals(0, denied.remaining());
        assertTrue(denied.retryAfter().compareTo(Duration.ZERO) > 0 && denied.retryAfter().compareTo(Duration.ofMillis(500)) <= 0,
                "retry after one emission interval at most: " + denied.retryAfter());
        assertTrue(denied.resetAfter().compareTo(Duration.ofMillis(2_000)) > 0, "the whole burst takes ~2.5 s to come back");

        Thread.sleep(denied.retryAfter().toMillis() + 30);
        assertTrue(acquire("team:burst", limit).allowed(), "one more after the retry-after");
        assertFalse(acquire("team:burst", limit).allowed(), "but not two");
    }

    @Test
    void keysAreIndependent() {
        RateLimit limit = new RateLimit(60, 1);
        assertTrue(acquire("user:alice", limit).allowed());
        assertFalse(acquire("user:alice", limit).allowed());
        assertTrue(acquire("user:bob", limit).allowed(), "bob has his own allowance");
    }

    @Test
    void reloadsTheLibraryWhenRedisLostIt() {
        fixture.command(io.vertx.mutiny.redis.client.Request.cmd(io.vertx.mutiny.redis.client.Command.FUNCTION).arg("FLUSH"));
        long loads = fixture.functions.loads();
        assertTrue(acquire("user:carol", new RateLimit(60, 2)).allowed());
        assertEquals(loads + 1, fixture.functions.loads());
    }
}

package dev.pedregal.gateway.capacity;

/**
 * A rate: {@code perMinute} requests a minute on average, with up to {@code burst} at once from rest
 * (e.g. 100/min with a burst of 33 lets a client fire 33 at once, then one every 0.6 s).
 */
public record RateLimit(int perMinute, int burst) {

    public RateLimit {
        if (perMinute <= 0 || burst <= 0) {
            throw new IllegalArgumentException("rate limit needs a positive rate and burst: " + perMinute + "/min, burst " + burst);
        }
    }

    /** Milliseconds between two requests at the sustained rate. */
    double intervalMillis() {
        return 60_000.0 / perMinute;
    }
}

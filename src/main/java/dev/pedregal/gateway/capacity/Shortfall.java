package dev.pedregal.gateway.capacity;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Why a request did not fit: the first slice without room, which limit it hit, what was asked and what was left,
 * and — when the request would fit by starting later within the wait budget — the earliest such start.
 *
 * @param available what the slice had left under that limit (never negative; a limit already exceeded shows 0)
 * @param shortfall how much more the slice would need, per dimension (0 where it had enough)
 * @param fitsAt    the earliest start (the request shifted by whole slices) at which it would fit
 */
public record Shortfall(String pool, String team, Slice slice, Limit limit, Resources requested, Resources available,
        Resources shortfall, Optional<Instant> fitsAt) {

    /** Which ceiling was hit. */
    public enum Limit {
        /** The pool's total capacity. */
        POOL,
        /** The team's cap in the pool. */
        TEAM
    }

    static Shortfall of(String pool, String team, Slice slice, Limit limit, Resources requested,
            long availableVcpu, long availableMemory, Optional<Instant> fitsAt) {
        return new Shortfall(pool, team, slice, limit, requested,
                new Resources(Math.max(0, availableVcpu), Math.max(0, availableMemory)),
                new Resources(Math.max(0, requested.vcpuMillis() - availableVcpu),
                        Math.max(0, requested.memoryMib() - availableMemory)),
                fitsAt);
    }

    /** How long until the request would fit, from {@code now}; empty when it does not fit within the wait budget. */
    public Optional<Duration> retryAfter(Instant now) {
        return fitsAt.map(at -> at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
    }

    /** The sentence a data engineer sees (pyspark error, REST problem detail). */
    public String message() {
        String what = limit == Limit.POOL ? "pool " + pool : "team " + team + "'s cap in pool " + pool;
        return "not enough capacity for team " + team + ": " + what + " has " + available + " free in the slice starting "
                + slice + ", " + requested + " requested (short by " + shortfall + ")"
                + fitsAt.map(at -> "; it would fit starting " + at).orElse("")
                + (limit == Limit.TEAM ? "; the team's capacity there is what it bought (POST /api/v1/teams/" + team
                        + "/capacity/purchases)" : "");
    }
}

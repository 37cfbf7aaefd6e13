package dev.pedregal.gateway.capacity;

import java.util.Map;
import java.util.Optional;

/**
 * What a pool can hold in every slice, and per-team caps per slice: a team's dedicated share bounds what it may
 * take (guaranteeing that share against other teams is not modelled yet).
 *
 * @param teamCaps         the cap of each team that has one
 * @param purchaseRequired whether a team missing from {@code teamCaps} has no capacity here (cap zero) rather than
 *                         none of its own (it may use whatever the pool has free)
 */
public record PoolCapacity(String pool, Resources total, Map<String, Resources> teamCaps, boolean purchaseRequired) {

    public PoolCapacity {
        CalendarKeys.requireName("pool", pool);
        teamCaps = Map.copyOf(teamCaps);
    }

    public PoolCapacity(String pool, Resources total, Map<String, Resources> teamCaps) {
        this(pool, total, teamCaps, false);
    }

    public static PoolCapacity of(String pool, Resources total) {
        return new PoolCapacity(pool, total, Map.of());
    }

    /** The most the team may hold in one slice; empty when only the pool's total bounds it. */
    public Optional<Resources> teamCap(String team) {
        Resources cap = teamCaps.get(team);
        return cap != null || !purchaseRequired ? Optional.ofNullable(cap) : Optional.of(Resources.NONE);
    }
}

package dev.pedregal.gateway.capacity;

import java.util.Map;
import java.util.Optional;

/**
 * What a pool can hold in every slice, and optional per-team caps per slice (a team's dedicated share
 * bounds what it may take; guaranteeing that share against other teams is not modelled yet).
 */
public record PoolCapacity(String pool, Resources total, Map<String, Resources> teamCaps) {

    public PoolCapacity {
        CalendarKeys.requireName("pool", pool);
        teamCaps = Map.copyOf(teamCaps);
    }

    public static PoolCapacity of(String pool, Resources total) {
        return new PoolCapacity(pool, total, Map.of());
    }

    public Optional<Resources> teamCap(String team) {
        return Optional.ofNullable(teamCaps.get(team));
    }
}

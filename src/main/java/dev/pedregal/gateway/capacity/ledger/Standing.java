package dev.pedregal.gateway.capacity.ledger;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Whether a team may start new sessions and jobs, per pool. Admission asks {@link #in(String)} (or
 * {@link #refusal(String)}) for the pool a new session or job draws on; running ones are never stopped.
 *
 * A pool where the team bought nothing is OK: what it may use there is the calendar's business (no capacity at
 * all where a purchase is required, see {@code PoolCapacity}).
 *
 * @param pools the pools where the team holds an active purchase
 */
public record Standing(String team, List<PoolBalance> pools) {

    /** Ordered from best to worst. */
    public enum Level {
        /** Nothing to say. */
        OK,
        /** At most the warning percentage of the budget is left; everything still runs. */
        WARNING,
        /** The budget is spent: new sessions and jobs are refused. */
        SUSPENDED
    }

    public Standing {
        pools = List.copyOf(pools);
    }

    /** A team whose usage is not metered (no database, or no purchase needed): OK everywhere. */
    public static Standing unmetered(String team) {
        return new Standing(team, List.of());
    }

    public Optional<PoolBalance> balance(String pool) {
        return pools.stream().filter(b -> b.pool().equals(pool)).findFirst();
    }

    /** The team's standing in one pool. */
    public Level in(String pool) {
        return balance(pool).map(PoolBalance::level).orElse(Level.OK);
    }

    /** The worst standing over the pools where the team bought something; OK if none. */
    public Level level() {
        return pools.stream().map(PoolBalance::level).max(Comparator.naturalOrder()).orElse(Level.OK);
    }

    /** The message to refuse a new session or job in {@code pool} with; empty unless SUSPENDED there. */
    public Optional<String> refusal(String pool) {
        return in(pool) == Level.SUSPENDED ? Optional.of(message(pool)) : Optional.empty();
    }

    /** What the team is told about {@code pool}: empty when OK. */
    public String message(String pool) {
        return balance(pool).map(PoolBalance::message).orElse("");
    }
}

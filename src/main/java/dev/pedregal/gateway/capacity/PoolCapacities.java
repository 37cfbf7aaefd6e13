package dev.pedregal.gateway.capacity;

import java.util.Collection;
import java.util.Optional;

/**
 * The capacity of each pool. It is passed into every calendar call rather than stored in Redis, so a Redis
 * that lost its data only needs its reservations rebuilt. The integrator backs this with PostgreSQL
 * (purchases, pool sizes); tests use a map.
 */
public interface PoolCapacities {

    Optional<PoolCapacity> find(String pool);

    /** Every pool the calendar serves (swept, marked ready on rebuild). */
    Collection<String> pools();
}

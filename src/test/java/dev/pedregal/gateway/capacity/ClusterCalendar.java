package dev.pedregal.gateway.capacity;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import dev.pedregal.gateway.support.RedisClusterFixture;

/**
 * The calendar as {@code CapacityBeans} builds it with {@code quarkus.redis.client-type=cluster}, on a test's
 * Redis Cluster: each call to the primary of its pool's slot ({@link ClusterPrimaries}), the library on every
 * primary. One pool per primary: {@code pools.get(i)} lives on primary i. Closed with the fixture's Vert.x.
 */
final class ClusterCalendar implements PoolCapacities {

    final List<String> pools;
    final CapacityFunctions functions;
    final CapacityCalendar calendar;
    private final Resources capacity;

    ClusterCalendar(RedisClusterFixture cluster, Resources capacity, CapacityConfig config, ReservationSource source) {
        this.capacity = capacity;
        this.pools = cluster.nodes.onEachNode(n -> "pool-" + n, CalendarKeys::ready);
        Primaries primaries = Primaries.cluster(cluster.vertx, cluster.clientOptions().setMaxPoolSize(8).setMaxPoolWaiting(1024),
                config.redisTimeout());
        this.functions = new CapacityFunctions(primaries, config);
        this.calendar = new CapacityCalendar(functions, config, this, source);
    }

    @Override
    public Optional<PoolCapacity> find(String pool) {
        return pools.contains(pool) ? Optional.of(PoolCapacity.of(pool, capacity)) : Optional.empty();
    }

    @Override
    public Collection<String> pools() {
        return pools;
    }
}

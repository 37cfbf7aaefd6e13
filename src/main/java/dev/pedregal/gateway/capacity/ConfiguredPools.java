package dev.pedregal.gateway.capacity;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.config.GatewayConfig;
import io.quarkus.arc.DefaultBean;

/**
 * Pool sizes from {@code pedregal.capacity.pools.*}, without team caps: what a gateway has before any purchase
 * is recorded (a ledger of purchases replaces this bean with one that adds each team's dedicated share).
 */
@DefaultBean
@ApplicationScoped
public class ConfiguredPools implements PoolCapacities {

    private final Map<String, PoolCapacity> pools = new TreeMap<>();
    private final Map<String, GatewayConfig.Capacity.CapacityPool> definitions;

    public ConfiguredPools(GatewayConfig config) {
        this.definitions = new TreeMap<>(config.capacity().pools());
        definitions.forEach((name, pool) -> pools.put(name,
                PoolCapacity.of(name, new Resources(Math.round(pool.vcpu() * 1000), pool.memoryMib()))));
    }

    @Override
    public Optional<PoolCapacity> find(String pool) {
        return Optional.ofNullable(pools.get(pool));
    }

    @Override
    public Collection<String> pools() {
        return List.copyOf(pools.keySet());
    }

    /** The pool serving an environment in a region ({@code null}: any region), if one is configured. */
    public Optional<String> poolFor(String environment, String region) {
        return definitions.entrySet().stream()
                .filter(e -> e.getValue().environments().contains(environment))
                .filter(e -> region == null || e.getValue().region().equals(region))
                .map(Map.Entry::getKey)
                .findFirst();
    }
}

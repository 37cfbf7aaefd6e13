package dev.pedregal.gateway.capacity;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.vertx.mutiny.redis.client.Response;

/**
 * Which primary serves each hash slot of a Redis Cluster, as one node's {@code CLUSTER SLOTS} answered, and the
 * nodes it named (primaries, then replicas). Nodes are {@code host:port}. Immutable: a newer view replaces it.
 */
final class SlotOwners {

    private final String[] ownerBySlot;
    private final List<String> primaries;
    private final List<String> nodes;

    private SlotOwners(String[] ownerBySlot, List<String> primaries, List<String> nodes) {
        this.ownerBySlot = ownerBySlot;
        this.primaries = primaries;
        this.nodes = nodes;
    }

    /**
     * A {@code CLUSTER SLOTS} reply: per slot range, its start, its end, then its primary and its replicas, each
     * as host, port, node id. A host that is empty (or {@code ?}) is the node that answered, {@code answeredBy}.
     */
    static SlotOwners of(Response reply, String answeredBy) {
        String[] owners = new String[KeySlot.SLOTS];
        Set<String> primaries = new LinkedHashSet<>();
        Set<String> replicas = new LinkedHashSet<>();
        for (Response range : reply) {
            String primary = node(range.get(2), answeredBy);
            primaries.add(primary);
            for (int slot = range.get(0).toInteger(); slot <= range.get(1).toInteger(); slot++) {
                owners[slot] = primary;
            }
            for (int i = 3; i < range.size(); i++) {
                replicas.add(node(range.get(i), answeredBy));
            }
        }
        List<String> nodes = new ArrayList<>(primaries);
        replicas.stream().filter(r -> !primaries.contains(r)).forEach(nodes::add);
        return new SlotOwners(owners, List.copyOf(primaries), List.copyOf(nodes));
    }

    /** The primary serving the slot; null when none does (the cluster lost it). */
    String ownerOf(int slot) {
        return ownerBySlot[slot];
    }

    List<String> primaries() {
        return primaries;
    }

    /** Primaries, then replicas. */
    List<String> nodes() {
        return nodes;
    }

    private static String node(Response node, String answeredBy) {
        String host = node.get(0).toString();
        if (host.isEmpty() || "?".equals(host)) {
            host = answeredBy.substring(0, answeredBy.lastIndexOf(':'));
        }
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + node.get(1).toInteger();
    }

    @Override
    public String toString() {
        return "primaries " + primaries + ", nodes " + nodes;
    }
}

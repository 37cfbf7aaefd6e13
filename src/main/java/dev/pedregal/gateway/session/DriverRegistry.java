package dev.pedregal.gateway.session;

import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.config.ReplicaName;
import dev.pedregal.gateway.placement.Driver;
import dev.pedregal.gateway.placement.DriverPool;
import dev.pedregal.gateway.placement.DriverPools;
import dev.pedregal.gateway.placement.DriverState;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The pools' shared view of drivers when sessions are shared (store {@code redis}): each replica publishes its
 * serving drivers in a hash per pool ({@code driver id → R|replica|heartbeat|host:port}) every health interval,
 * and adds the drivers other replicas publish to its own pool of the same key as peers. A driver that ends is
 * published as {@code G|replica|time|reason}, so the other replicas mark its sessions lost with that reason; a
 * peer whose replica stops reporting it for three intervals is dropped too. Redis trouble changes nothing: peers
 * are dropped only on what Redis said. Endpoints only: the pools' secret is never written to Redis.
 */
@ApplicationScoped
public class DriverRegistry {

    private static final Logger LOG = Logger.getLogger(DriverRegistry.class);

    private final SessionStores stores;
    private final DriverPools pools;
    private final Vertx vertx;
    private final long intervalMillis;
    private final String replica;
    private Redis redis;

    public DriverRegistry(SessionStores stores, DriverPools pools, GatewayConfig config, ReplicaName replica,
            Vertx vertx) {
        this.stores = stores;
        this.pools = pools;
        this.vertx = vertx;
        this.intervalMillis = config.pool().healthInterval().toMillis();
        this.replica = replica.name();
    }

    void onStart(@Observes StartupEvent event) {
        if (!stores.shared()) {
            return;
        }
        redis = stores.redis();
        pools.onDriverLost(this::ended);
        vertx.setPeriodic(intervalMillis, id -> pools.all().forEach(this::publishAndSync));
        LOG.infof("Sharing sessions and drivers through Redis as replica %s", replica);
    }

    /** This replica's name in the registry. */
    public String replica() {
        return replica;
    }

    private void publishAndSync(DriverPool pool) {
        String key = SessionKeys.drivers(pool.key());
        long now = System.currentTimeMillis();
        Request publish = Request.cmd(Command.HSET).arg(key);
        int own = 0;
        for (Driver d : pool.drivers()) {
            if (d.state() == DriverState.READY || d.state() == DriverState.EJECTED) {
                publish.arg(d.id()).arg("R|" + replica + "|" + now + "|" + d.handle().host() + ":" + d.handle().port());
                own++;
            }
        }
        if (own > 0) {
            send(publish);
            send(Request.cmd(Command.PEXPIRE).arg(key).arg(intervalMillis * 10));
        }
        redis.send(Request.cmd(Command.HGETALL).arg(key)).subscribe().with(
                entries -> sync(pool, entries, now),
                failure -> LOG.debugf("Driver registry of %s unreadable: %s", pool.name(), failure.getMessage()));
    }

    private void sync(DriverPool pool, Response entries, long now) {
        for (Map.Entry<String, String> e : fields(entries).entrySet()) {
            String[] parts = e.getValue().split("\\|", 4);
            if (parts.length < 4 || parts[1].equals(replica) || pool.driver(e.getKey()) != null) {
                continue;
            }
            if (parts[0].equals("G")) {
                pool.dropPeer(e.getKey(), parts[3] + " (on replica " + parts[1] + ")");
            } else if (parts[0].equals("R") && now - Long.parseLong(parts[2]) < 3 * intervalMillis) {
                int colon = parts[3].lastIndexOf(':');
                pool.adoptPeer(e.getKey(), parts[3].substring(0, colon), Integer.parseInt(parts[3].substring(colon + 1)),
                        parts[1]);
            }
        }
        pool.dropPeersNotSeenSince(now - 3 * intervalMillis, "its gateway replica stopped reporting it");
    }

    /** One of this replica's drivers ended: tell the others why, then forget it. */
    private void ended(Driver driver, String reason) {
        if (redis == null || driver.peer()) {
            return;
        }
        String key = SessionKeys.drivers(driver.pool().key());
        send(Request.cmd(Command.HSET).arg(key).arg(driver.id())
                .arg("G|" + replica + "|" + System.currentTimeMillis() + "|" + reason));
        vertx.setTimer(intervalMillis * 4, id -> send(Request.cmd(Command.HDEL).arg(key).arg(driver.id())));
    }

    private void send(Request request) {
        redis.send(request).subscribe().with(r -> {
        }, failure -> LOG.debugf("Driver registry write failed: %s", failure.getMessage()));
    }

    /** A hash reply as a map, whether the connection speaks RESP3 (a map) or RESP2 (a flat array). */
    private static Map<String, String> fields(Response reply) {
        Map<String, String> fields = new java.util.HashMap<>();
        if (reply == null) {
            return fields;
        }
        Set<String> keys = reply.getKeys();
        if (!keys.isEmpty()) {
            keys.forEach(k -> fields.put(k, reply.get(k).toString()));
        } else {
            for (int i = 0; i + 1 < reply.size(); i += 2) {
                fields.put(reply.get(i).toString(), reply.get(i + 1).toString());
            }
        }
        return fields;
    }
}

package dev.pedregal.gateway.observability;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.connect.ConnectMethod;
import dev.pedregal.gateway.placement.DriverPool;
import dev.pedregal.gateway.placement.DriverState;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Every metric the gateway publishes, named in one place. RPC timers are created once per
 * (method, status) and cached in an array, so the per-RPC path does no map lookups or tag building.
 */
@ApplicationScoped
public class GatewayMetrics {

    private final MeterRegistry registry;
    private final Timer[][] rpcTimers = new Timer[ConnectMethod.values().length][Status.Code.values().length];
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("pedregal.connect.connections", connections, AtomicInteger::get)
                .description("Open client connections on the Spark Connect port").register(registry);
    }

    /** Records one finished RPC. */
    public void rpc(ConnectMethod method, Status.Code code, long nanos) {
        Timer timer = rpcTimers[method.ordinal()][code.ordinal()];
        if (timer == null) {
            timer = Timer.builder("pedregal.connect.rpc")
                    .description("Spark Connect RPCs through the gateway, by method and status")
                    .tag("method", method.rpcName())
                    .tag("status", code.name())
                    .publishPercentileHistogram()
                    .register(registry);
            rpcTimers[method.ordinal()][code.ordinal()] = timer;
        }
        timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void connectionOpened() {
        connections.incrementAndGet();
    }

    public void connectionClosed() {
        connections.decrementAndGet();
    }

    public void sessionGauge(Supplier<Number> sessions) {
        Gauge.builder("pedregal.sessions", sessions)
                .description("Sessions bound to a driver").strongReference(true).register(registry);
    }

    public void poolGauges(String pool, DriverPool drivers) {
        for (DriverState state : DriverState.values()) {
            Gauge.builder("pedregal.pool.drivers", drivers, p -> p.countByState().get(state))
                    .description("Drivers in the pool by state")
                    .tag("pool", pool).tag("state", state.name().toLowerCase())
                    .register(registry);
        }
        Gauge.builder("pedregal.pool.waiting", drivers, DriverPool::waiting)
                .description("New sessions waiting for a free driver").tag("pool", pool).register(registry);
    }

    /** Removes the gauges of a pool that closed, so a re-created pool of the same name registers afresh. */
    public void removePool(String pool) {
        registry.find("pedregal.pool.drivers").tag("pool", pool).gauges().forEach(registry::remove);
        registry.find("pedregal.pool.waiting").tag("pool", pool).gauges().forEach(registry::remove);
    }

    public void driverStarted(String pool) {
        count("pedregal.driver.starts", pool, "Drivers launched");
    }

    public void driverFailed(String pool) {
        count("pedregal.driver.failures", pool, "Drivers that failed to start or ended unexpectedly");
    }

    public void driverEjected(String pool) {
        count("pedregal.driver.ejections", pool, "Drivers ejected from placement after failed forwards");
    }

    public void noDriver(String pool) {
        count("pedregal.pool.exhausted", pool, "New sessions refused because no driver became free in time");
    }

    public void driverReady(String pool, Duration startup) {
        Timer.builder("pedregal.driver.startup").description("Time from launch to a driver's first healthy answer")
                .tag("pool", pool).register(registry).record(startup);
    }

    private void count(String name, String pool, String description) {
        counters.computeIfAbsent(name + "/" + pool,
                k -> Counter.builder(name).description(description).tag("pool", pool).register(registry))
                .increment();
    }
}

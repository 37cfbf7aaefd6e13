package dev.pedregal.gateway.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.backend.kubernetes.SparkOperatorFlavor;
import dev.pedregal.gateway.config.ClustersConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;

class ClusterSelectorTest {

    static ClusterTarget target(String name, String region, int priority, int weight, String... environments) {
        return new ClusterTarget(name, region, Set.of(environments), ClusterTarget.Kind.KUBERNETES, Optional.of(name),
                SparkOperatorFlavor.KUBEFLOW_V1BETA2, weight, priority, "pedregal");
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Map<String, AtomicReference<ClusterProbe.Result>> results = new HashMap<>();

    ClusterSelector selector(List<ClusterTarget> targets, ClusterHealth health) {
        return new ClusterSelector(targets, health, registry);
    }

    ClusterHealth health(List<ClusterTarget> targets) {
        Map<String, ClusterProbe> probes = new HashMap<>();
        for (ClusterTarget t : targets) {
            AtomicReference<ClusterProbe.Result> result = new AtomicReference<>(ClusterProbe.Result.healthy());
            results.put(t.name(), result);
            probes.put(t.name(), () -> Uni.createFrom().item(result::get));
        }
        return new ClusterHealth(targets, probes, HealthSettings.DEFAULTS, registry,
                Executors.newSingleThreadScheduledExecutor());
    }

    static List<String> names(List<ClusterTarget> targets) {
        return targets.stream().map(ClusterTarget::name).toList();
    }

    @Test
    void withoutConfiguredClustersTheLocalBackendServesEveryEnvironment() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(ClustersConfig.class).build();
        List<ClusterTarget> targets = ClusterTarget.fromConfig(config.getConfigMapping(ClustersConfig.class));
        assertEquals(List.of(ClusterTarget.LOCAL), targets);
        ClusterSelector selector = selector(targets, new ClusterHealth(targets, Map.of(), HealthSettings.DEFAULTS, registry,
                Executors.newSingleThreadScheduledExecutor()));
        assertEquals(List.of("local"), names(selector.select("prod", "us-west-2")));
        assertEquals(List.of("local"), names(selector.select("dev", null)));
    }

    @Test
    void clustersAreReadFromConfiguration() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(ClustersConfig.class)
                .withSources(new PropertiesConfigSource(Map.of(
                        "pedregal.clusters.usw2-a.region", "us-west-2",
                        "pedregal.clusters.usw2-a.environments", "staging,prod",
                        "pedregal.clusters.usw2-a.context", "prod-usw2-a",
                        "pedregal.clusters.usw2-a.flavor", "apache-v1",
                        "pedregal.clusters.usw2-a.weight", "3",
                        "pedregal.clusters.use1.region", "us-east-1",
                        "pedregal.clusters.use1.priority", "1"), "test", 100))
                .build();
        List<ClusterTarget> targets = ClusterTarget.fromConfig(config.getConfigMapping(ClustersConfig.class));
        assertEquals(List.of(
                new ClusterTarget("use1", "us-east-1", Set.of(), ClusterTarget.Kind.KUBERNETES, Optional.empty(),
                        SparkOperatorFlavor.KUBEFLOW_V1BETA2, 1, 1, "pedregal"),
                new ClusterTarget("usw2-a", "us-west-2", Set.of("staging", "prod"), ClusterTarget.Kind.KUBERNETES,
                        Optional.of("prod-usw2-a"), SparkOperatorFlavor.APACHE_V1, 3, 0, "pedregal")),
                targets);
    }

    @Test
    void regionComesFirstThenPriorityThenLoadPerWeight() {
        List<ClusterTarget> targets = List.of(target("east", "us-east-1", 0, 1), target("west-backup", "us-west-2", 1, 1),
                target("west-big", "us-west-2", 0, 4), target("west-small", "us-west-2", 0, 1));
        ClusterSelector selector = selector(targets, health(targets));

        assertEquals(List.of("west-big", "west-small", "west-backup", "east"), names(selector.select("prod", "us-west-2")));
        assertEquals(List.of("east", "west-big", "west-small", "west-backup"), names(selector.select("prod", "us-east-1")));
        // west-big takes four drivers for each one of west-small (weight 4 to 1).
        for (int i = 0; i < 4; i++) {
            selector.driverPlaced("west-big");
        }
        selector.driverPlaced("west-small");
        assertEquals("west-big", selector.select("prod", "us-west-2").get(0).name()); // 4/4 = 1/1: name breaks the tie
        selector.driverPlaced("west-big");
        assertEquals("west-small", selector.select("prod", "us-west-2").get(0).name());
        selector.driverEnded("west-big");
        selector.driverEnded("west-big");
        assertEquals("west-big", selector.select("prod", "us-west-2").get(0).name());
    }

    @Test
    void onlyClustersServingTheEnvironmentAreSelected() {
        List<ClusterTarget> targets = List.of(target("prod-only", "r", 0, 1, "prod"), target("dev-test", "r", 0, 1, "dev", "test"));
        ClusterSelector selector = selector(targets, health(targets));
        assertEquals(List.of("prod-only"), names(selector.select("prod", "r")));
        assertEquals(List.of("dev-test"), names(selector.select("test", "r")));
        assertEquals(List.of(), names(selector.select("staging", "r")));
        assertEquals(1.0, registry.get("pedregal.cluster.routing").tags("cluster", "none", "outcome", "none").counter().count());
    }

    @Test
    void unhealthyClustersAreSkippedAndCountedAsFailovers() {
        List<ClusterTarget> targets = List.of(target("a", "r1", 0, 1), target("b", "r2", 0, 1));
        ClusterHealth health = health(targets);
        ClusterSelector selector = selector(targets, health);
        assertEquals(List.of("a", "b"), names(selector.select("prod", "r1")));

        results.get("a").set(ClusterProbe.Result.unhealthy("API server of a is unreachable"));
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of("a", "b"), names(selector.select("prod", "r1")), "one failed check is not enough");
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of("b"), names(selector.select("prod", "r1")));
        assertEquals("API server of a is unreachable", health.status("a").reason());
        assertEquals(0.0, registry.get("pedregal.cluster.healthy").tag("cluster", "a").gauge().value());
        assertEquals(1.0, registry.get("pedregal.cluster.failovers").counter().count());
        assertEquals(1.0, registry.get("pedregal.cluster.routing").tags("cluster", "b", "outcome", "failover").counter().count());

        results.get("a").set(ClusterProbe.Result.healthy());
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of("a", "b"), names(selector.select("prod", "r1")));
        assertEquals(1.0, registry.get("pedregal.cluster.healthy").tag("cluster", "a").gauge().value());
    }

    @Test
    void consecutiveFailedCallsMarkAClusterUnhealthyUntilItsNextGoodCheck() {
        List<ClusterTarget> targets = List.of(target("a", "r1", 0, 1), target("b", "r2", 0, 1));
        ClusterHealth health = health(targets);
        ClusterSelector selector = selector(targets, health);

        health.reportFailure("a", "HTTP 500");
        health.reportFailure("a", "HTTP 500");
        health.reportSuccess("a"); // not consecutive any more
        health.reportFailure("a", "HTTP 500");
        health.reportFailure("a", "HTTP 500");
        assertTrue(health.healthy("a"));
        health.reportFailure("a", "HTTP 503");
        assertEquals(ClusterHealth.State.UNHEALTHY, health.status("a").state());
        assertEquals("3 consecutive failed calls, last: HTTP 503", health.status("a").reason());
        assertEquals(List.of("b"), names(selector.select("prod", "r1")));

        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of("a", "b"), names(selector.select("prod", "r1")));
    }

    @Test
    void aProbeThatDoesNotAnswerInTimeCountsAsFailed() {
        List<ClusterTarget> targets = List.of(target("slow", "r", 0, 1));
        ClusterHealth health = new ClusterHealth(targets, Map.of("slow", () -> Uni.createFrom().nothing()),
                new HealthSettings(Duration.ofSeconds(3), Duration.ofMillis(100), 1, 3), registry,
                Executors.newSingleThreadScheduledExecutor());
        health.checkAll().await().atMost(Duration.ofSeconds(5));
        assertEquals(ClusterHealth.State.UNHEALTHY, health.status("slow").state());
        assertEquals("no answer to the health check within PT0.1S", health.status("slow").reason());
    }
}

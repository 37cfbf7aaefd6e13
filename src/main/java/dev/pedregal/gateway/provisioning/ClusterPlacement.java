package dev.pedregal.gateway.provisioning;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.backend.DriverBackend;
import dev.pedregal.gateway.backend.kubernetes.CallPolicy;
import dev.pedregal.gateway.backend.kubernetes.ClusterCalls;
import dev.pedregal.gateway.backend.kubernetes.DriverResources;
import dev.pedregal.gateway.backend.kubernetes.KubernetesBackend;
import dev.pedregal.gateway.backend.kubernetes.KubernetesClients;
import dev.pedregal.gateway.backend.kubernetes.KubernetesClusterProbe;
import dev.pedregal.gateway.backend.kubernetes.NamespaceOnboarding;
import dev.pedregal.gateway.backend.kubernetes.NamespacePolicy;
import dev.pedregal.gateway.backend.kubernetes.SparkConnectCluster;
import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.placement.ClusterHealth;
import dev.pedregal.gateway.placement.ClusterProbe;
import dev.pedregal.gateway.placement.ClusterRegistry;
import dev.pedregal.gateway.placement.ClusterSelector;
import dev.pedregal.gateway.placement.ClusterTarget;
import dev.pedregal.gateway.placement.DriverPools;
import dev.pedregal.gateway.placement.PoolKey;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Where a provisioned cluster's drivers run: the Kubernetes cluster (or the embedded local backend) that
 * {@link ClusterSelector} ranks first for its environment and region among the healthy ones, failing over
 * down the list when one refuses. For Kubernetes it onboards the team namespace first and gives the cluster
 * a {@link KubernetesBackend} of its own; it removes the cluster's objects when the cluster is deleted.
 */
@ApplicationScoped
public class ClusterPlacement {

    private static final Logger LOG = Logger.getLogger(ClusterPlacement.class);
    private static final Duration API_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POD_TIMEOUT = Duration.ofMinutes(5);
    private static final String SPARK_IMAGE = "apache/spark:4.0.1";
    private static final String SPARK_VERSION = "4.0.1";

    /** Where one cluster went. */
    public record Placement(String target, DriverBackend backend) {
    }

    private record KubernetesTarget(ClusterTarget target, KubernetesClient client, ClusterCalls calls,
            NamespaceOnboarding onboarding) {
    }

    private final ClusterRegistry registry;
    private final GatewayConfig config;
    private final DriverPools pools;
    private final MeterRegistry meters;
    private final Map<String, KubernetesTarget> kubernetes = new HashMap<>();
    private final Map<String, Placement> placed = new ConcurrentHashMap<>();
    private final Map<String, dev.pedregal.gateway.jobs.kubernetes.SparkApplicationRunner> jobRunners = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private volatile ClusterHealth health;
    private volatile ClusterSelector selector;

    public ClusterPlacement(ClusterRegistry registry, GatewayConfig config, DriverPools pools, MeterRegistry meters) {
        this.registry = registry;
        this.config = config;
        this.pools = pools;
        this.meters = meters;
    }

    /** Connects to the configured Kubernetes clusters and starts judging their health. */
    public synchronized void start() {
        if (selector != null) {
            return;
        }
        Executor worker = Infrastructure.getDefaultWorkerPool();
        Map<String, ClusterProbe> probes = new HashMap<>();
        for (ClusterTarget t : registry.targets()) {
            if (t.kind() == ClusterTarget.Kind.KUBERNETES) {
                KubernetesClient client = KubernetesClients.forContext(t.context(), API_TIMEOUT);
                ClusterCalls calls = new ClusterCalls(t.name(), CallPolicy.DEFAULTS, worker);
                probes.put(t.name(), new KubernetesClusterProbe(t.name(), client, t.flavor(), worker));
                kubernetes.put(t.name(), new KubernetesTarget(t, client, calls, new NamespaceOnboarding(client, calls,
                        policy(t))));
            }
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "pedregal-cluster-health");
            thread.setDaemon(true);
            return thread;
        });
        health = new ClusterHealth(registry.targets(), probes, registry.healthConfig(), meters, scheduler);
        kubernetes.values().forEach(k -> k.calls().outcomes(answered -> {
            if (answered) {
                health.reportSuccess(k.target().name());
            } else {
                health.reportFailure(k.target().name(), "Kubernetes API calls failing");
            }
        }));
        health.start();
        selector = new ClusterSelector(registry.targets(), health, meters);
    }

    /**
     * Places a cluster: tries the ranked targets in turn (the one it ran on before first, after a restart)
     * until one accepts it; fails with {@link ProvisioningFailure.Unavailable} when none does.
     */
    public Uni<Placement> place(SparkCluster cluster) {
        start();
        List<ClusterTarget> ranked = new java.util.ArrayList<>(selector.select(cluster.environment, cluster.region));
        ranked.sort(java.util.Comparator.comparing(t -> !t.name().equals(cluster.target)));
        if (ranked.isEmpty()) {
            return Uni.createFrom().failure(new ProvisioningFailure.Unavailable("no healthy Kubernetes cluster serves "
                    + "environment '" + cluster.environment + "' now", Duration.ofSeconds(30)));
        }
        return attempt(cluster, ranked, 0);
    }

    private Uni<Placement> attempt(SparkCluster cluster, List<ClusterTarget> ranked, int i) {
        if (i >= ranked.size()) {
            return Uni.createFrom().failure(new ProvisioningFailure.Unavailable("every Kubernetes cluster serving "
                    + "environment '" + cluster.environment + "' refused the cluster", Duration.ofSeconds(30)));
        }
        ClusterTarget target = ranked.get(i);
        Uni<Placement> onTarget;
        if (target.kind() == ClusterTarget.Kind.LOCAL) {
            onTarget = Uni.createFrom().item(new Placement(target.name(), pools.defaultBackend()));
        } else {
            KubernetesTarget k = kubernetes.get(target.name());
            PoolKey key = ClusterLifecycle.key(cluster);
            onTarget = k.onboarding().onboard(key).map(v -> new Placement(target.name(), new KubernetesBackend(k.client(),
                    target.flavor(), new SparkConnectCluster(cluster.name, key), resources(cluster), k.calls(),
                    POD_TIMEOUT)));
        }
        return onTarget.invoke(p -> placed.put(cluster.name, p)).onFailure().recoverWithUni(failure -> {
            LOG.warnf("Cluster %s could not be placed on %s (%s); trying the next", cluster.name, target.name(),
                    failure.getMessage());
            health.reportFailure(target.name(), failure.getMessage());
            return attempt(cluster, ranked, i + 1);
        });
    }

    /**
     * Where a batch job of an environment runs: the best healthy target now ({@code local} when no Kubernetes
     * cluster is configured), or empty when no configured target serves the environment.
     */
    public java.util.Optional<String> jobTarget(String environment) {
        start();
        return selector.select(environment, null).stream().findFirst().map(ClusterTarget::name);
    }

    /** The configured Kubernetes targets, by name (none: every job and cluster runs locally). */
    public List<String> kubernetesTargets() {
        return registry.targets().stream().filter(t -> t.kind() == ClusterTarget.Kind.KUBERNETES)
                .map(ClusterTarget::name).toList();
    }

    /** The batch-job runner of a Kubernetes target (one per target); null for the local target or an unknown one. */
    public dev.pedregal.gateway.jobs.kubernetes.SparkApplicationRunner jobRunner(String target) {
        start();
        KubernetesTarget k = kubernetes.get(target);
        if (k == null) {
            return null;
        }
        return jobRunners.computeIfAbsent(target, name -> new dev.pedregal.gateway.jobs.kubernetes.SparkApplicationRunner(
                k.client(), k.target().flavor(), policy(k.target()), k.calls(), java.time.Clock.systemUTC(),
                dev.pedregal.gateway.jobs.kubernetes.BatchSettings.DEFAULTS));
    }

    /** Removes what the cluster left on its Kubernetes cluster (its drivers are already stopped). */
    public Uni<Void> release(String clusterName) {
        Placement p = placed.remove(clusterName);
        if (p != null && p.backend() instanceof KubernetesBackend k8s) {
            return k8s.deleteCluster().eventually(k8s::close);
        }
        return Uni.createFrom().voidItem();
    }

    private DriverResources resources(SparkCluster c) {
        ClusterShape s = c.shape();
        return new DriverResources(SPARK_IMAGE, SPARK_VERSION, s.driverCores(), s.driverMemoryMib() + "m", s.executorCores(),
                s.executorMemoryMib() + "m", s.executorsMin(), s.executorsMin(), s.executorsMax(), s.dynamicAllocation(),
                Optional.empty(), s.sparkConf());
    }

    private NamespacePolicy policy(ClusterTarget t) {
        GatewayConfig.Provisioning.Quota quota = config.provisioning().defaultQuota();
        return new NamespacePolicy(t.gatewayNamespace(), "edit", config.identity().teamGroupPrefix(),
                Map.of("requests.cpu", String.valueOf(quota.vcpu()), "requests.memory", quota.memoryMib() + "Mi"),
                Map.of("cpu", "1", "memory", "2Gi"), Map.of("cpu", "500m", "memory", "1Gi"));
    }

    @PreDestroy
    void close() {
        if (health != null) {
            health.close();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        kubernetes.values().forEach(k -> k.client().close());
    }
}

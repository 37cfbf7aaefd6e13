package dev.pedregal.gateway.backend.kubernetes;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Watches one Spark Connect cluster's driver pods and SparkApplications (two informers, label-selected; no
 * polling) and tells each tracked driver when its pod is ready with an IP and when it has ended: pod failed,
 * succeeded or deleted, or SparkApplication ended or deleted. Informer callbacks run on fabric8's informer
 * threads, never on an event loop.
 */
final class DriverDiscovery implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DriverDiscovery.class);

    private final SparkConnectCluster cluster;
    private final SparkOperatorFlavor flavor;
    private final String kubernetesCluster;
    private final Map<String, KubernetesDriver> tracked = new ConcurrentHashMap<>();
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<GenericKubernetesResource> applications;

    DriverDiscovery(KubernetesClient client, SparkOperatorFlavor flavor, SparkConnectCluster cluster, String kubernetesCluster) {
        this.cluster = cluster;
        this.flavor = flavor;
        this.kubernetesCluster = kubernetesCluster;
        this.pods = client.pods().inNamespace(cluster.namespace())
                .withLabel(SparkConnectCluster.CLUSTER, cluster.name())
                .withLabel(SparkConnectCluster.DRIVER)
                .runnableInformer(0);
        this.applications = client.genericKubernetesResources(flavor.context()).inNamespace(cluster.namespace())
                .withLabel(SparkConnectCluster.CLUSTER, cluster.name())
                .runnableInformer(0);
        pods.addEventHandler(handler(this::podChanged, this::podDeleted));
        applications.addEventHandler(handler(this::applicationChanged, this::applicationDeleted));
    }

    /** Starts both informers; completes once their initial lists are in. */
    CompletionStage<Void> start() {
        return CompletableFuture.allOf(pods.start().toCompletableFuture(), applications.start().toCompletableFuture());
    }

    KubernetesDriver track(String driverId) {
        return tracked.computeIfAbsent(driverId, id -> new KubernetesDriver(id, kubernetesCluster));
    }

    void untrack(String driverId) {
        tracked.remove(driverId);
    }

    Optional<KubernetesDriver> tracked(String driverId) {
        return Optional.ofNullable(tracked.get(driverId));
    }

    /**
     * Drivers with a ready pod, from the informer's cache. Drivers this backend did not start (another gateway
     * replica's, or an earlier run's) are tracked from here on, so that their end is seen too.
     */
    List<KubernetesDriver> ready() {
        return pods.getStore().list().stream()
                .filter(DriverDiscovery::isReady)
                .map(pod -> {
                    KubernetesDriver driver = track(driverId(pod));
                    driver.ready(pod.getMetadata().getName(), pod.getStatus().getPodIP());
                    return driver;
                })
                .toList();
    }

    private void podChanged(Pod pod) {
        KubernetesDriver driver = tracked.get(driverId(pod));
        if (driver == null) {
            return;
        }
        String name = pod.getMetadata().getName();
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            ended(driver, "driver pod " + name + " is being deleted");
        } else if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            String why = pod.getStatus().getReason() != null ? pod.getStatus().getReason() : pod.getStatus().getMessage();
            ended(driver, "driver pod " + name + " " + phase.toLowerCase() + (why == null ? "" : ": " + why));
        } else if (isReady(pod)) {
            driver.ready(name, pod.getStatus().getPodIP());
        }
    }

    private void podDeleted(Pod pod) {
        tracked(driverId(pod)).ifPresent(d -> ended(d, "driver pod " + pod.getMetadata().getName() + " was deleted"));
    }

    private void applicationChanged(GenericKubernetesResource application) {
        tracked(driverId(application)).ifPresent(d -> flavor.endedReason(application).ifPresent(why -> ended(d, why)));
    }

    private void applicationDeleted(GenericKubernetesResource application) {
        tracked(driverId(application)).ifPresent(
                d -> ended(d, "SparkApplication " + application.getMetadata().getName() + " was deleted"));
    }

    private void ended(KubernetesDriver driver, String reason) {
        if (tracked.remove(driver.driverId(), driver)) {
            LOG.infof("Driver %s of cluster %s ended: %s", driver.driverId(), cluster.name(), reason);
            driver.end(reason);
        }
    }

    static boolean isReady(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getPodIP() == null || pod.getMetadata().getDeletionTimestamp() != null
                || !"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        return pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String driverId(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels == null ? "" : labels.getOrDefault(SparkConnectCluster.DRIVER, "");
    }

    private static <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> changed,
            java.util.function.Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                changed.accept(object);
            }

            @Override
            public void onUpdate(T previous, T current) {
                changed.accept(current);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                deleted.accept(object);
            }
        };
    }

    @Override
    public void close() {
        pods.stop();
        applications.stop();
        tracked.values().forEach(d -> d.end("the gateway stopped watching cluster " + cluster.name()));
        tracked.clear();
    }
}

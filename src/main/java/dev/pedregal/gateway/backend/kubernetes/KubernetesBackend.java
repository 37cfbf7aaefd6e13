package dev.pedregal.gateway.backend.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;

import dev.pedregal.gateway.backend.DriverBackend;
import dev.pedregal.gateway.backend.DriverHandle;
import dev.pedregal.gateway.backend.DriverSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.smallrye.mutiny.Uni;

/**
 * Runs one Spark Connect cluster's drivers on one Kubernetes cluster, as SparkApplications of the cluster's
 * Spark operator. {@link #start} creates the application and completes once the driver pod is ready with an
 * IP (seen by an informer, never polled); the handle's {@code terminated()} completes when the pod fails,
 * succeeds or is deleted, or the application ends or is deleted. Every API call runs through the cluster's
 * {@link ClusterCalls}: off the event loop, retried, behind the cluster's circuit breaker.
 *
 * <p>
 * The cluster's objects (SparkApplications, the token Secret) are owned by one ConfigMap that
 * {@link #start} creates on first use; {@link #deleteCluster} removes all of them.
 */
public final class KubernetesBackend implements DriverBackend, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KubernetesBackend.class);

    private final KubernetesClient client;
    private final SparkOperatorFlavor flavor;
    private final SparkConnectCluster cluster;
    private final DriverResources resources;
    private final ClusterCalls calls;
    private final Duration podTimeout;
    private volatile DriverDiscovery discovery;
    private final AtomicReference<CompletableFuture<Void>> watching = new AtomicReference<>();
    private final AtomicReference<OwnerReference> owner = new AtomicReference<>();
    private final AtomicReference<String> tokenWritten = new AtomicReference<>();

    /**
     * @param calls the Kubernetes cluster's guarded API access, shared by every backend on that cluster
     * @param podTimeout how long a created driver may take to get a ready pod before it is deleted
     */
    public KubernetesBackend(KubernetesClient client, SparkOperatorFlavor flavor, SparkConnectCluster cluster,
            DriverResources resources, ClusterCalls calls, Duration podTimeout) {
        this.client = client;
        this.flavor = flavor;
        this.cluster = cluster;
        this.resources = resources;
        this.calls = calls;
        this.podTimeout = podTimeout;
        this.discovery = new DriverDiscovery(client, flavor, cluster, calls.cluster());
    }

    @Override
    public String name() {
        return "kubernetes:" + calls.cluster();
    }

    @Override
    public Uni<DriverHandle> start(DriverSpec spec) {
        String token = spec.sparkConf().get(DriverApplication.TOKEN_CONF);
        if (token == null || token.isEmpty()) {
            // A driver without the pool's token would accept calls from anyone who can reach its pod.
            return Uni.createFrom().failure(new IllegalArgumentException(
                    "driver " + spec.driverId() + " has no " + DriverApplication.TOKEN_CONF + " to protect it"));
        }
        String driverId = spec.driverId();
        return watch()
                .chain(() -> ownerReference())
                .call(ref -> tokenSecret(token, ref))
                .chain(ref -> create(DriverApplication.build(flavor, cluster, resources, driverId, spec.sparkConf(), ref)))
                .chain(driver -> Uni.createFrom().completionStage(driver.placed())
                        .ifNoItem().after(podTimeout).failWith(() -> new DriverStartFailed("driver " + driverId
                                + " got no ready pod within " + podTimeout + " on cluster " + calls.cluster())))
                .onFailure().call(failure -> removeApplication(driverId))
                .map(driver -> {
                    LOG.infof("Driver %s ready at %s:%d (%s)", driverId, driver.host(), driver.port(), driver.describe());
                    return (DriverHandle) driver;
                });
    }

    @Override
    public Uni<Void> stop(DriverHandle driver) {
        return deleteApplication(driver.driverId())
                .chain(() -> Uni.createFrom().completionStage(driver.terminated()).ifNoItem().after(podTimeout)
                        .recoverWithItem("not seen ending within " + podTimeout))
                .replaceWithVoid();
    }

    /** Drivers of this cluster whose pods are ready, from the informer's cache (empty before the first start). */
    @Override
    public List<DriverHandle> list() {
        return new ArrayList<>(discovery.ready());
    }

    /**
     * Deletes every object of the cluster: its SparkApplications, the token Secret and the owner ConfigMap
     * (Kubernetes' garbage collector would delete the first two with the owner; deleting them here does not
     * wait for it).
     */
    public Uni<Void> deleteCluster() {
        return calls.call("delete cluster " + cluster.name(), () -> {
            applications().withLabel(SparkConnectCluster.CLUSTER, cluster.name()).delete();
            client.secrets().inNamespace(cluster.namespace()).withName(cluster.tokenSecretName()).delete();
            client.configMaps().inNamespace(cluster.namespace()).withName(cluster.ownerName())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            owner.set(null);
            tokenWritten.set(null);
            return null;
        });
    }

    private Uni<Void> watch() {
        CompletableFuture<Void> started = new CompletableFuture<>();
        CompletableFuture<Void> current = watching.compareAndExchange(null, started);
        if (current == null) {
            DriverDiscovery watched = discovery;
            calls.call("watch driver pods of " + cluster.name(), () -> watched.start().toCompletableFuture().join())
                    .subscribe().with(started::complete, failure -> {
                        // Informers that failed their first list stay stopped: the next start watches afresh.
                        watched.close();
                        discovery = new DriverDiscovery(client, flavor, cluster, calls.cluster());
                        watching.set(null);
                        started.completeExceptionally(failure);
                    });
            current = started;
        }
        return Uni.createFrom().completionStage(current);
    }

    private Uni<OwnerReference> ownerReference() {
        OwnerReference known = owner.get();
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return calls.call("create owner of " + cluster.name(),
                () -> DesiredState.ensure(client, ClusterOwner.configMap(cluster), KubernetesBackend::sameData))
                .map(ClusterOwner::reference)
                .invoke(owner::set);
    }

    private Uni<Secret> tokenSecret(String token, OwnerReference ref) {
        if (token.equals(tokenWritten.get())) {
            return Uni.createFrom().nullItem();
        }
        return calls.call("write driver token of " + cluster.name(),
                () -> DesiredState.ensure(client, ClusterOwner.tokenSecret(cluster, token, ref),
                        (stored, desired) -> Objects.equals(stored.getData(), desired.getData())))
                .invoke(() -> tokenWritten.set(token));
    }

    private Uni<KubernetesDriver> create(GenericKubernetesResource application) {
        String driverId = application.getMetadata().getName();
        KubernetesDriver driver = discovery.track(driverId);
        return calls.call("create SparkApplication " + driverId,
                () -> applications().resource(application).create())
                .replaceWith(driver);
    }

    /** Leaves nothing behind a failed start: a create that timed out may still have happened. */
    private Uni<Void> removeApplication(String driverId) {
        discovery.untrack(driverId);
        return calls.cleanup("delete SparkApplication " + driverId, () -> applications().withName(driverId).delete())
                .replaceWithVoid().onFailure().invoke(failure -> LOG.warnf(
                "Could not delete SparkApplication %s after its failed start: %s", driverId, failure.getMessage()))
                .onFailure().recoverWithNull();
    }

    private Uni<Void> deleteApplication(String driverId) {
        return calls.call("delete SparkApplication " + driverId, () -> applications().withName(driverId).delete())
                .replaceWithVoid();
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> applications() {
        return client.genericKubernetesResources(flavor.context()).inNamespace(cluster.namespace());
    }

    private static boolean sameData(ConfigMap stored, ConfigMap desired) {
        return Objects.equals(stored.getData(), desired.getData());
    }

    /** Stops watching; the drivers keep running (see {@link #deleteCluster}). */
    @Override
    public void close() {
        discovery.close();
    }
}

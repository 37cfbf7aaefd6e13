package dev.pedregal.gateway.backend.kubernetes;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.smallrye.mutiny.Uni;

import dev.pedregal.gateway.placement.PoolKey;

/**
 * Prepares a team's namespace {@code sjns-<team>-<env>} for drivers: the namespace itself, a ResourceQuota, a
 * LimitRange, a NetworkPolicy that lets only the gateway reach drivers on 15002 (and the team's executors reach
 * the driver's own ports), and a RoleBinding of the team's group. Idempotent: objects already as desired are
 * not written again. The gateway's service account needs rights to create namespaces and these objects, and to
 * bind the configured ClusterRole.
 */
public final class NamespaceOnboarding {

    public static final String QUOTA = "pedregal-quota";
    public static final String LIMITS = "pedregal-limits";
    public static final String NETWORK_POLICY = "pedregal-drivers";
    public static final String ROLE_BINDING = "pedregal-team";
    static final String GATEWAY_POD_LABEL = "app.kubernetes.io/name";
    static final String GATEWAY_POD_VALUE = "pedregal-gateway";

    private final KubernetesClient client;
    private final ClusterCalls calls;
    private final NamespacePolicy policy;

    public NamespaceOnboarding(KubernetesClient client, ClusterCalls calls, NamespacePolicy policy) {
        this.client = client;
        this.calls = calls;
        this.policy = policy;
    }

    /** Ensures the pool's namespace and its objects; completes when all are as desired. */
    public Uni<Void> onboard(PoolKey pool) {
        return calls.call("onboard namespace " + pool.namespace(), () -> {
            DesiredState.ensure(client, namespace(pool), (a, b) -> true);
            DesiredState.ensure(client, quota(pool), (a, b) -> Objects.equals(a.getSpec(), b.getSpec()));
            DesiredState.ensure(client, limits(pool), (a, b) -> Objects.equals(a.getSpec(), b.getSpec()));
            DesiredState.ensure(client, networkPolicy(pool), (a, b) -> Objects.equals(a.getSpec(), b.getSpec()));
            ensureRoleBinding(roleBinding(pool));
            return null;
        });
    }

    private void ensureRoleBinding(RoleBinding desired) {
        RoleBinding existing = client.resource(desired).get();
        // roleRef cannot be changed in place: a binding to another role is replaced.
        if (existing != null && !Objects.equals(existing.getRoleRef(), desired.getRoleRef())) {
            client.resource(existing).withGracePeriod(0).delete();
        }
        DesiredState.ensure(client, desired, (a, b) -> Objects.equals(a.getSubjects(), b.getSubjects()));
    }

    Namespace namespace(PoolKey pool) {
        return new NamespaceBuilder().withNewMetadata().withName(pool.namespace()).withLabels(labels(pool))
                .endMetadata().build();
    }

    ResourceQuota quota(PoolKey pool) {
        return new ResourceQuotaBuilder().withNewMetadata().withName(QUOTA).withNamespace(pool.namespace())
                .withLabels(labels(pool)).endMetadata()
                .withNewSpec().withHard(quantities(policy.quota())).endSpec()
                .build();
    }

    LimitRange limits(PoolKey pool) {
        return new LimitRangeBuilder().withNewMetadata().withName(LIMITS).withNamespace(pool.namespace())
                .withLabels(labels(pool)).endMetadata()
                .withNewSpec().addNewLimit().withType("Container")
                .withDefault(quantities(policy.containerDefaults()))
                .withDefaultRequest(quantities(policy.containerDefaultRequests()))
                .endLimit().endSpec()
                .build();
    }

    NetworkPolicy networkPolicy(PoolKey pool) {
        var fromGateway = new NetworkPolicyIngressRuleBuilder()
                .addToFrom(new NetworkPolicyPeerBuilder()
                        .withNamespaceSelector(new LabelSelectorBuilder()
                                .addToMatchLabels("kubernetes.io/metadata.name", policy.gatewayNamespace()).build())
                        .withPodSelector(new LabelSelectorBuilder()
                                .addToMatchLabels(GATEWAY_POD_LABEL, GATEWAY_POD_VALUE).build())
                        .build())
                .addToPorts(port(DriverApplication.CONNECT_PORT))
                .build();
        // Executors must still reach their driver, but only on its RPC and block manager ports, never on 15002.
        var fromExecutors = new NetworkPolicyIngressRuleBuilder()
                .addToFrom(new NetworkPolicyPeerBuilder()
                        .withPodSelector(new LabelSelectorBuilder().addToMatchLabels("spark-role", "executor").build())
                        .build())
                .addToPorts(port(DriverApplication.DRIVER_PORT), port(DriverApplication.BLOCK_MANAGER_PORT))
                .build();
        return new NetworkPolicyBuilder().withNewMetadata().withName(NETWORK_POLICY).withNamespace(pool.namespace())
                .withLabels(labels(pool)).endMetadata()
                .withNewSpec()
                .withPodSelector(new LabelSelectorBuilder().addNewMatchExpression()
                        .withKey(SparkConnectCluster.DRIVER).withOperator("Exists").endMatchExpression().build())
                .withPolicyTypes("Ingress")
                .withIngress(fromGateway, fromExecutors)
                .endSpec()
                .build();
    }

    RoleBinding roleBinding(PoolKey pool) {
        return new RoleBindingBuilder().withNewMetadata().withName(ROLE_BINDING).withNamespace(pool.namespace())
                .withLabels(labels(pool)).endMetadata()
                .addNewSubject().withKind("Group").withApiGroup("rbac.authorization.k8s.io")
                .withName(policy.teamGroupPrefix() + pool.team()).endSubject()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName(policy.teamClusterRole()).endRoleRef()
                .build();
    }

    private static io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort port(int port) {
        return new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(port)).build();
    }

    private static Map<String, String> labels(PoolKey pool) {
        return SparkConnectCluster.poolLabels(pool);
    }

    private static Map<String, Quantity> quantities(Map<String, String> amounts) {
        Map<String, Quantity> quantities = new TreeMap<>();
        amounts.forEach((k, v) -> quantities.put(k, new Quantity(v)));
        return quantities;
    }
}

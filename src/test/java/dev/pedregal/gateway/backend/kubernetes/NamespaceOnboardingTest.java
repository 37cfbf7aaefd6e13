package dev.pedregal.gateway.backend.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.placement.PoolKey;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeSpec;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.smallrye.mutiny.infrastructure.Infrastructure;

class NamespaceOnboardingTest {

    static final PoolKey POOL = new PoolKey("analytics", "prod");
    static final String NS = "sjns-analytics-prod";
    static final NamespacePolicy POLICY = new NamespacePolicy("pedregal", "edit", "spark-team-",
            Map.of("requests.cpu", "64", "requests.memory", "256Gi", "pods", "200"),
            Map.of("cpu", "2", "memory", "4Gi"), Map.of("cpu", "1", "memory", "2Gi"));
    static final Map<String, String> LABELS = Map.of("app.kubernetes.io/managed-by", "pedregal-gateway",
            "pedregal.dev/team", "analytics", "pedregal.dev/environment", "prod");

    private final MockKubernetes mock = new MockKubernetes();
    private final ClusterCalls calls = new ClusterCalls("k8s-a", CallPolicy.DEFAULTS, Infrastructure.getDefaultWorkerPool());

    @AfterEach
    void close() {
        mock.close();
    }

    private void onboard(NamespacePolicy policy) {
        new NamespaceOnboarding(mock.client, calls, policy).onboard(POOL).await().atMost(Duration.ofSeconds(15));
    }

    @Test
    void createsTheNamespaceAndItsObjects() {
        onboard(POLICY);

        Namespace namespace = mock.client.namespaces().withName(NS).get();
        assertEquals(LABELS, namespace.getMetadata().getLabels());

        ResourceQuota quota = mock.client.resourceQuotas().inNamespace(NS).withName("pedregal-quota").get();
        assertEquals(LABELS, quota.getMetadata().getLabels());
        assertEquals(Map.of("requests.cpu", new Quantity("64"), "requests.memory", new Quantity("256Gi"), "pods",
                new Quantity("200")), quota.getSpec().getHard());

        LimitRange limits = mock.client.limitRanges().inNamespace(NS).withName("pedregal-limits").get();
        assertEquals(Serialization.unmarshal("""
                limits:
                - type: Container
                  default: {cpu: "2", memory: 4Gi}
                  defaultRequest: {cpu: "1", memory: 2Gi}
                """, LimitRangeSpec.class), limits.getSpec());

        NetworkPolicy policy = mock.client.network().v1().networkPolicies().inNamespace(NS).withName("pedregal-drivers").get();
        assertEquals(LABELS, policy.getMetadata().getLabels());
        assertEquals(Serialization.unmarshal("""
                podSelector:
                  matchExpressions:
                  - {key: pedregal.dev/driver, operator: Exists}
                policyTypes: [Ingress]
                ingress:
                - from:
                  - namespaceSelector:
                      matchLabels: {kubernetes.io/metadata.name: pedregal}
                    podSelector:
                      matchLabels: {app.kubernetes.io/name: pedregal-gateway}
                  ports:
                  - {protocol: TCP, port: 15002}
                - from:
                  - podSelector:
                      matchLabels: {spark-role: executor}
                  ports:
                  - {protocol: TCP, port: 7078}
                  - {protocol: TCP, port: 7079}
                """, NetworkPolicySpec.class), policy.getSpec());

        RoleBinding binding = mock.client.rbac().roleBindings().inNamespace(NS).withName("pedregal-team").get();
        assertEquals("Group", binding.getSubjects().get(0).getKind());
        assertEquals("spark-team-analytics", binding.getSubjects().get(0).getName());
        assertEquals("rbac.authorization.k8s.io", binding.getSubjects().get(0).getApiGroup());
        assertEquals(1, binding.getSubjects().size());
        assertEquals("ClusterRole", binding.getRoleRef().getKind());
        assertEquals("edit", binding.getRoleRef().getName());
    }

    @Test
    void runningItAgainWritesNothing() {
        onboard(POLICY);
        List<String> versions = resourceVersions();
        onboard(POLICY);
        assertEquals(versions, resourceVersions());
    }

    @Test
    void driftIsRepairedAndOthersLabelsAreKept() {
        onboard(POLICY);
        ResourceQuota quota = mock.client.resourceQuotas().inNamespace(NS).withName("pedregal-quota").get();
        quota.getSpec().setHard(Map.of("pods", new Quantity("1")));
        quota.getMetadata().getLabels().put("owner", "someone-else");
        String drifted = mock.client.resource(quota).update().getMetadata().getResourceVersion();

        onboard(POLICY);

        ResourceQuota repaired = mock.client.resourceQuotas().inNamespace(NS).withName("pedregal-quota").get();
        // The store versions every write, so the unchanged versions of runningItAgainWritesNothing mean no write.
        assertNotEquals(drifted, repaired.getMetadata().getResourceVersion());
        assertEquals(new Quantity("200"), repaired.getSpec().getHard().get("pods"));
        assertEquals(3, repaired.getSpec().getHard().size());
        assertEquals("someone-else", repaired.getMetadata().getLabels().get("owner"));
    }

    @Test
    void anotherClusterRoleReplacesTheBinding() {
        onboard(POLICY);
        onboard(new NamespacePolicy("pedregal", "view", "spark-team-", POLICY.quota(), POLICY.containerDefaults(),
                POLICY.containerDefaultRequests()));
        RoleBinding binding = mock.client.rbac().roleBindings().inNamespace(NS).withName("pedregal-team").get();
        assertEquals("view", binding.getRoleRef().getName());
    }

    private List<String> resourceVersions() {
        List<HasMetadata> objects = List.of(
                mock.client.namespaces().withName(NS).get(),
                mock.client.resourceQuotas().inNamespace(NS).withName("pedregal-quota").get(),
                mock.client.limitRanges().inNamespace(NS).withName("pedregal-limits").get(),
                mock.client.network().v1().networkPolicies().inNamespace(NS).withName("pedregal-drivers").get(),
                mock.client.rbac().roleBindings().inNamespace(NS).withName("pedregal-team").get());
        return objects.stream().map(o -> o.getKind() + "@" + o.getMetadata().getResourceVersion()).toList();
    }
}

package dev.pedregal.gateway.backend.kubernetes;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiPredicate;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Brings one object to a desired content without disturbing what others added: created when missing, updated
 * (with optimistic locking) only when its content differs, left alone otherwise, so running it again writes
 * nothing. Blocking: call it through {@link ClusterCalls}.
 */
final class DesiredState {

    private DesiredState() {
    }

    /**
     * @param same whether the stored object already has the desired content (labels are compared separately)
     * @return the object as stored
     */
    static <T extends HasMetadata> T ensure(KubernetesClient client, T desired, BiPredicate<T, T> same) {
        T existing = client.resource(desired).get();
        if (existing == null) {
            try {
                return client.resource(desired).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                existing = client.resource(desired).get(); // created concurrently: compare with that one
            }
        }
        Map<String, String> labels = new HashMap<>(labels(existing));
        labels.putAll(labels(desired));
        if (labels.equals(labels(existing)) && same.test(existing, desired)) {
            return existing;
        }
        desired.getMetadata().setLabels(labels);
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        return client.resource(desired).update();
    }

    private static Map<String, String> labels(HasMetadata object) {
        Map<String, String> labels = object.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }
}

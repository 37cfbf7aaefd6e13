package dev.pedregal.gateway.backend.kubernetes;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/**
 * The objects that anchor a Spark Connect cluster in its namespace: a ConfigMap every other object is owned
 * by (deleting it lets Kubernetes' garbage collector delete the drivers and the Secret), and the Secret with
 * the pool's driver token.
 */
public final class ClusterOwner {

    private ClusterOwner() {
    }

    public static ConfigMap configMap(SparkConnectCluster cluster) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(cluster.ownerName())
                .withNamespace(cluster.namespace())
                .withLabels(cluster.labels())
                .endMetadata()
                .withData(Map.of("team", cluster.pool().team(), "environment", cluster.pool().environment(),
                        "cluster", cluster.name()))
                .build();
    }

    public static OwnerReference reference(ConfigMap owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("ConfigMap")
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .build();
    }

    public static Secret tokenSecret(SparkConnectCluster cluster, String token, OwnerReference owner) {
        return new SecretBuilder()
                .withNewMetadata()
                .withName(cluster.tokenSecretName())
                .withNamespace(cluster.namespace())
                .withLabels(cluster.labels())
                .withOwnerReferences(owner)
                .endMetadata()
                .withType("Opaque")
                .withData(Map.of(DriverApplication.TOKEN_KEY,
                        Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))))
                .build();
    }
}

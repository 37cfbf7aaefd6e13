package dev.pedregal.gateway.backend.kubernetes;

import java.util.Map;

/**
 * What every team namespace gets when it is onboarded.
 *
 * @param gatewayNamespace namespace the gateway's pods run in (labelled {@code app.kubernetes.io/name=pedregal-gateway}):
 *        the only pods allowed to reach drivers on 15002
 * @param teamClusterRole ClusterRole bound to the team's group in its namespace, e.g. {@code edit} or {@code view}
 * @param teamGroupPrefix prefix of the team's group name, e.g. {@code spark-team-}
 * @param quota the namespace's ResourceQuota {@code hard} limits, e.g. {@code requests.cpu=64}, {@code pods=200}
 * @param containerDefaults LimitRange default limits of containers that set none, e.g. {@code cpu=2}, {@code memory=4Gi}
 * @param containerDefaultRequests LimitRange default requests of containers that set none
 */
public record NamespacePolicy(String gatewayNamespace, String teamClusterRole, String teamGroupPrefix,
        Map<String, String> quota, Map<String, String> containerDefaults, Map<String, String> containerDefaultRequests) {

    public NamespacePolicy {
        quota = Map.copyOf(quota);
        containerDefaults = Map.copyOf(containerDefaults);
        containerDefaultRequests = Map.copyOf(containerDefaultRequests);
    }
}

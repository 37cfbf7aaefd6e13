package dev.pedregal.gateway.provisioning;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pedregal.gateway.config.GatewayConfig;

/**
 * Per-team quotas on clusters, warm drivers, vCPU and memory. A cluster counts at its largest: every driver
 * it may run with every executor each may scale to.
 */
@ApplicationScoped
public class Quotas {

    private final GatewayConfig.Provisioning config;

    public Quotas(GatewayConfig config) {
        this.config = config.provisioning();
    }

    public GatewayConfig.Provisioning.Quota of(String team) {
        return config.quotas().getOrDefault(team, config.defaultQuota());
    }

    /**
     * Refuses a change that would take the team over a quota.
     *
     * @param others the team's other live clusters (not the one being created or scaled)
     * @param shape the shape of the cluster being created or scaled
     * @param warm its warm drivers after the change
     * @param max its maximum drivers after the change
     */
    public void check(String team, List<SparkCluster> others, ClusterShape shape, int warm, int max) {
        GatewayConfig.Provisioning.Quota quota = of(team);
        long clusters = others.size();
        long warmUsed = others.stream().mapToLong(c -> c.warmDrivers).sum();
        long vcpuUsed = others.stream().mapToLong(c -> (long) c.maxDrivers * c.shape().vcpuPerDriver()).sum();
        long memoryUsed = others.stream().mapToLong(c -> c.maxDrivers * c.shape().memoryMibPerDriver()).sum();
        require(team, "clusters", quota.clusters(), clusters, 1);
        require(team, "warm-drivers", quota.warmDrivers(), warmUsed, warm);
        require(team, "vcpu", quota.vcpu(), vcpuUsed, (long) max * shape.vcpuPerDriver());
        require(team, "memory-mib", quota.memoryMib(), memoryUsed, max * shape.memoryMibPerDriver());
    }

    private static void require(String team, String quota, long limit, long used, long requested) {
        if (used + requested > limit) {
            throw new ProvisioningFailure.QuotaExceeded(team, quota, limit, used, requested);
        }
    }
}

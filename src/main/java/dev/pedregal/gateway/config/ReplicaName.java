package dev.pedregal.gateway.config;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * This gateway replica's name among the others that share Redis and PostgreSQL: {@code pedregal.sessions.replica},
 * else the host name and process id. The driver registry publishes drivers under it; batch job leases are held in
 * it (with a suffix per process, see {@code ExecutionLeases}).
 */
@ApplicationScoped
public class ReplicaName {

    private final String name;

    public ReplicaName(GatewayConfig config) {
        this.name = config.sessions().replica().orElseGet(ReplicaName::hostAndPid);
    }

    public String name() {
        return name;
    }

    private static String hostAndPid() {
        String host = System.getenv().getOrDefault("HOSTNAME", "gateway");
        return host + ":" + ProcessHandle.current().pid();
    }
}

package dev.pedregal.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every gateway setting under the {@code pedregal.} prefix. The gRPC listener itself (port, message and
 * header limits) is configured with the standard {@code quarkus.grpc.server.*} keys.
 */
@ConfigMapping(prefix = "pedregal")
public interface GatewayConfig {

    /** The Spark Connect front door. */
    Connect connect();

    /** The warm driver pool. */
    Pool pool();

    /** The local-process driver backend, the embedded default. */
    Local local();

    /** Who may call, and which team and environment a call belongs to. */
    Identity identity();

    /** Per-environment settings, keyed by environment name (dev, test, staging, prod). */
    Map<String, Environment> environments();

    /** Self-service clusters: endpoints, regions, TTLs and quotas. */
    Provisioning provisioning();

    /** The capacity calendar: pools, session admission and rate limits (see docs/capacity.md). */
    Capacity capacity();

    /** Where session bindings live, so that several gateway replicas route a session to one driver. */
    Sessions sessions();

    interface Sessions {
        /**
         * {@code memory}: bindings live in this process only (one replica); {@code redis}: bindings, the operation
         * index and the pools' driver registry live in Redis ({@code quarkus.redis.hosts}), shared by every replica.
         */
        @WithDefault("memory")
        Store store();

        /** Longest wait for one Redis round trip of the session store; beyond it a new session fails closed. */
        @WithDefault("500ms")
        Duration redisTimeout();

        /** Retry hint (google.rpc.RetryInfo) sent with UNAVAILABLE when the session store cannot be reached. */
        @WithDefault("2s")
        Duration retryAfter();

        /**
         * This replica's name in the driver registry and in batch job leases; the host name and process id when
         * unset.
         */
        Optional<String> replica();

        enum Store {
            MEMORY,
            REDIS
        }
    }

    interface Capacity extends dev.pedregal.gateway.capacity.CapacityConfig {
        /**
         * Whether sessions, clusters and jobs are admitted through the calendar in Redis ({@code quarkus.redis.*}).
         * Off, nothing is reserved and nothing is refused for capacity.
         */
        @WithDefault("true")
        boolean enabled();

        /** Capacity pools, keyed by pool name (DNS-1123): the compute each environment of a region may use. */
        Map<String, CapacityPool> pools();

        /** vCPU of one driver, for reserving a session's share where the backend does not say. */
        @WithDefault("1")
        double driverVcpu();

        /** How far ahead an active session is reserved; the horizon moves forward while the session is used. */
        @WithDefault("30m")
        Duration sessionHorizon();

        /** Session creations per minute for each team (the burst is twice this, over 10 s). */
        @WithDefault("100")
        int sessionsPerMinute();

        /** REST calls per minute for each user (burst twice this). */
        @WithDefault("100")
        int restCallsPerMinute();

        /** Per-team overrides of the per-minute limits (premium teams), keyed by team. */
        Map<String, Integer> teamRatePerMinute();

        /**
         * Whether a team's capacity in a pool is only what it bought there (every pool without a
         * {@code require-purchase} of its own). Off (the default, so a local {@code make run} works without any), a
         * team without purchases may use the pool's free capacity; on, a team with no active purchase in a pool has
         * none there, and its requests are refused with the shortfall and how to buy.
         */
        @WithDefault("false")
        boolean requirePurchase();

        /** A budget with this percentage or less of its vCPU-hours left puts the team in WARNING standing. */
        @WithDefault("20")
        int budgetWarningPercent();

        /** How often pool sizes and dedicated shares (team caps) are re-read from PostgreSQL. */
        @WithDefault("30s")
        Duration capacityRefresh();

        interface CapacityPool {
            /** Total vCPU the pool can run in any slice. */
            double vcpu();

            /** Total memory the pool can run in any slice, in MiB. */
            long memoryMib();

            /** Environments whose sessions, clusters and jobs draw on this pool. */
            List<String> environments();

            /** The region (or Kubernetes cluster) the pool stands for. */
            @WithDefault("local")
            String region();

            /** {@code pedregal.capacity.require-purchase} for this pool alone (e.g. on in prod, off in dev). */
            Optional<Boolean> requirePurchase();
        }
    }

    interface Environment {
        /** Warm drivers of each team's pool in this environment; {@code pedregal.pool.warm-drivers} when unset. */
        java.util.OptionalInt warmDrivers();

        /** Lifetime of a cluster created in this environment without a TTL of its own. */
        @WithDefault("4h")
        Duration clusterTtl();

        /** Spark configuration every cluster of this environment starts with (catalog, shuffle partitions). */
        Map<String, String> sparkConf();
    }

    interface Provisioning {
        /** A cluster named {@code n} is reached at {@code sc://n.<base-domain>:15002} (or with {@code x-spark-cluster=n}). */
        @WithDefault("spark.pedregal.local")
        String baseDomain();

        /** Regions a cluster may be placed in; the first is the default. */
        @WithDefault("local")
        List<String> regions();

        /** Spark configuration added to clusters of a region, keyed by region (regional template variants). */
        Map<String, Map<String, String>> regionSparkConf();

        /** The longest TTL a cluster may be given or extended to. */
        @WithDefault("7d")
        Duration maxTtl();

        /** Interval of the reaper that deletes clusters whose TTL ended. */
        @WithDefault("30s")
        Duration reapInterval();

        /** Time a new or scaled cluster has to reach its warm drivers before it is marked FAILED. */
        @WithDefault("5m")
        Duration readyTimeout();

        /** The quota of a team without one of its own. */
        Quota defaultQuota();

        /** Quotas by team. */
        Map<String, Quota> quotas();

        interface Quota {
            /** Clusters the team may have at once. */
            @WithDefault("5")
            int clusters();

            /** Warm drivers across the team's clusters. */
            @WithDefault("10")
            int warmDrivers();

            /** vCPU across the team's clusters at their maximum size (drivers and executors). */
            @WithDefault("128")
            int vcpu();

            /** Memory in MiB across the team's clusters at their maximum size. */
            @WithDefault("524288")
            long memoryMib();
        }
    }

    interface Identity {
        /**
         * {@code oidc}: every RPC carries a bearer token validated against the OIDC provider ({@code quarkus.oidc.*});
         * {@code none}: the client's own user_context.user_id is trusted — for development on loopback only.
         */
        @WithDefault("oidc")
        Mode mode();

        /** Claim whose value becomes the user id stamped into every forwarded request. */
        @WithDefault("preferred_username")
        String userClaim();

        /** Claim listing the caller's groups. */
        @WithDefault("groups")
        String groupsClaim();

        /** A group named this prefix plus a team name makes its members that team's members. */
        @WithDefault("spark-team-")
        String teamGroupPrefix();

        /** Members of this group are platform admins. */
        @WithDefault("spark-platform-admins")
        String adminGroup();

        /** Environments a team may reach when {@code teams.<team>.environments} does not say. */
        @WithDefault("dev")
        List<String> defaultEnvironments();

        /** Teams whose pools are warmed at start, with the environments each may reach. */
        Map<String, Team> teams();

        /** Team of a service account whose token carries no groups, keyed by its client id ({@code azp}). */
        Map<String, String> serviceAccounts();

        /** Validated tokens kept so that an RPC with a known token costs no signature check. */
        @WithDefault("10000")
        int tokenCacheSize();

        enum Mode {
            OIDC,
            NONE
        }

        interface Team {
            /** Environments the team may reach; the first is its default. */
            Optional<List<String>> environments();
        }
    }

    interface Connect {
        /** Allow a plaintext listener on a non-loopback address (e.g. behind a TLS-terminating mesh). */
        @WithDefault("false")
        boolean allowPlaintext();

        /** Max concurrent HTTP/2 streams a single client connection may open. */
        @WithDefault("100")
        int maxConcurrentStreams();

        /** Max RST_STREAM frames a client may send per window before the connection is closed (rapid reset). */
        @WithDefault("200")
        int maxRstFramesPerWindow();

        /** Window for {@link #maxRstFramesPerWindow()}. */
        @WithDefault("10s")
        Duration rstWindow();

        /** Closes a connection that has not finished its TLS handshake or HTTP/2 preface within this time. */
        @WithDefault("10s")
        Duration handshakeTimeout();

        /** How long the first RPC of a new session may wait for a warm driver before RESOURCE_EXHAUSTED. */
        @WithDefault("20s")
        Duration driverWait();

        /** The retry delay advertised (google.rpc.RetryInfo) when no driver is free. */
        @WithDefault("5s")
        Duration retryAfter();

        /** On shutdown, how long running streams may finish before they are cancelled. */
        @WithDefault("30s")
        Duration drainTimeout();

        /** A session without any RPC for this long is released (Spark's own default session timeout). */
        @WithDefault("1h")
        Duration sessionIdleTimeout();

        /** How long the gateway remembers a session whose driver was lost, to tell its next RPC why. */
        @WithDefault("1h")
        Duration lostSessionMemory();

        /**
         * Bytes of one call's messages the gateway may hold in flight toward the slower side (client or driver)
         * before it stops reading from the faster one: keeps both links busy on a stream without unbounded buffers.
         */
        @WithDefault("4M")
        MemorySize readAhead();
    }

    interface Pool {
        /** Drivers able to take a new session at once that the pool keeps running. */
        @WithDefault("2")
        int warmDrivers();

        /** Upper bound on drivers in the pool, starting or running. */
        @WithDefault("8")
        int maxDrivers();

        /** Sessions one driver may serve; 1 gives every session a driver of its own. */
        @WithDefault("4")
        int maxSessionsPerDriver();

        /** A driver with no session for this long is stopped when the pool has more warm drivers than it needs. */
        @WithDefault("10m")
        Duration idleStop();

        /** Consecutive failed forwards that eject a driver from placement. */
        @WithDefault("3")
        int ejectAfterFailures();

        /** First ejection period; doubles on each further ejection of the same driver. */
        @WithDefault("30s")
        Duration ejectionBackoff();

        /** Interval of the active health check and of the pool's reconciliation. */
        @WithDefault("5s")
        Duration healthInterval();

        /** Time a starting driver has to answer its first health check. */
        @WithDefault("3m")
        Duration startTimeout();

        /**
         * SQL a new driver runs before it takes sessions, so that the first user query does not pay Spark's
         * first-job costs (class loading, code generation, JIT); empty: none.
         */
        @WithDefault("SELECT 1")
        Optional<String> warmUpQuery();

        /** Longest a new driver's warm-up query may take; beyond it the driver fails its start. */
        @WithDefault("2m")
        Duration warmUpTimeout();

        /** Extra Spark configuration every driver of the pool starts with. */
        Map<String, String> sparkConf();

        /**
         * Key the pools' driver secrets are derived from (HMAC-SHA256 of the pool name), so that every replica
         * can call every driver of a pool; a random secret per pool and process when unset. Never logged.
         */
        Optional<String> secretKey();
    }

    interface Local {
        /** Directory holding Spark's jars in {@code jars/} (fetched by {@code make spark}). */
        @WithDefault(".local/spark-4.0.1")
        String sparkHome();

        /** Java home used to run drivers; the gateway's own JVM when unset. */
        Optional<String> javaHome();

        /** Heap of each driver JVM. */
        @WithDefault("1g")
        String driverMemory();

        /** Spark master of each driver. */
        @WithDefault("local[2]")
        String master();

        /** Where drivers write their logs and pid files. */
        @WithDefault(".local/run/drivers")
        String workDir();

        /**
         * JVM options of each driver: the module options Spark's launcher adds
         * (org.apache.spark.launcher.JavaModuleOptions, Spark 4.0).
         */
        @WithDefault("-XX:+IgnoreUnrecognizedVMOptions,--add-modules=jdk.incubator.vector,"
                + "--add-opens=java.base/java.lang=ALL-UNNAMED,--add-opens=java.base/java.lang.invoke=ALL-UNNAMED,"
                + "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED,--add-opens=java.base/java.io=ALL-UNNAMED,"
                + "--add-opens=java.base/java.net=ALL-UNNAMED,--add-opens=java.base/java.nio=ALL-UNNAMED,"
                + "--add-opens=java.base/java.util=ALL-UNNAMED,--add-opens=java.base/java.util.concurrent=ALL-UNNAMED,"
                + "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED,"
                + "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED,--add-opens=java.base/sun.nio.ch=ALL-UNNAMED,"
                + "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED,--add-opens=java.base/sun.security.action=ALL-UNNAMED,"
                + "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED,"
                + "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED,"
                + "-Djdk.reflect.useDirectMethodHandle=false,-Dio.netty.tryReflectionSetAccessible=true")
        List<String> jvmOptions();
    }
}

package dev.pedregal.gateway.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.provisioning.ProvisioningFailure.FieldError;

class JobSpecResolverTest {

    static final String REGISTRY = "registry.pedregal.dev/spark-platform/";
    static final JobRules RULES = new JobRules(List.of(
            EngineRelease.current("spark-oss", "4.0", "4.0.1", REGISTRY + "4.0-oss:4.0.1-r3"),
            EngineRelease.deprecated("spark-oss", "3.5", "3.5.3", REGISTRY + "3.5-oss:3.5.3-r9",
                    "unsupported after 2026-06-30; move to 4.0")),
            new ImageAllowlist(List.of(REGISTRY, "regex:apache/spark:4\\.0\\.[0-9]+")),
            Map.of("staging", Map.of("spark.sql.defaultCatalog", "pedregal", "spark.sql.shuffle.partitions", "100",
                    "spark.dynamicAllocation.enabled", "true", "spark.eventLog.dir", "s3a://event-logs-staging/"),
                    "prod", Map.of("spark.sql.defaultCatalog", "pedregal", "spark.sql.shuffle.partitions", "200",
                            "spark.dynamicAllocation.enabled", "true", "spark.eventLog.enabled", "true",
                            "spark.eventLog.dir", "s3a://event-logs-prod/")),
            Duration.ofHours(4), Duration.ofHours(24));

    final JobSpecResolver resolver = new JobSpecResolver(RULES);

    static JobSpec.Resources resources(int instances, int min, int max) {
        return new JobSpec.Resources(new JobSpec.Pod(4, "8g"), new JobSpec.Executors(4, "8g", instances, min, max));
    }

    static JobSpec spec(String environment, JobSpec.Engine engine, Map<String, String> conf,
            Map<String, JobSpec.Overrides> overrides) {
        return new JobSpec("user-features-daily", "feature-engineering", "feature-eng@pedregal.dev", environment,
                engine, resources(5, 1, 20), conf, "com.acme.etl.Main", "local:///opt/app/etl.jar",
                List.of("--date", "2025-01-01"), null, null, overrides, Map.of("cost-center", "ml"));
    }

    static JobSpec plain(String environment) {
        return spec(environment, new JobSpec.Engine("", "4.0", ""), Map.of(), Map.of());
    }

    static Map<String, String> byField(JobFailure.Invalid e) {
        return e.errors.stream().collect(Collectors.toMap(FieldError::field, FieldError::message));
    }

    @Test
    void versionSelectsTheImageAndTheUsersConfWinsOverTheEnvironments() {
        ResolvedJob job = resolver.resolve(spec("prod", new JobSpec.Engine("", "4.0", ""),
                Map.of("spark.sql.shuffle.partitions", "64", "spark.sql.ansi.enabled", "true"), Map.of()));
        assertEquals(REGISTRY + "4.0-oss:4.0.1-r3", job.image());
        assertEquals("4.0.1", job.release().sparkVersion());
        assertEquals(Map.of("spark.sql.defaultCatalog", "pedregal", "spark.sql.shuffle.partitions", "64",
                "spark.dynamicAllocation.enabled", "true", "spark.eventLog.enabled", "true", "spark.eventLog.dir",
                "s3a://event-logs-prod/", "spark.sql.ansi.enabled", "true"), job.sparkConf());
        assertEquals(Duration.ofHours(4), job.timeout(), "the platform's default timeout");
        assertEquals(RetryPolicy.DEFAULT, job.retryPolicy());
        assertEquals(List.of(), job.warnings());
    }

    @Test
    void theEnvironmentsOverridesAreAppliedAndOthersIgnored() {
        JobSpec.Overrides staging = new JobSpec.Overrides(null, resources(0, 0, 10), Map.of("spark.sql.ansi.enabled",
                "false"), List.of("--sample"), Duration.ofHours(1),
                new RetryPolicy(0, Duration.ZERO, 1, Duration.ZERO));
        JobSpec.Overrides prod = new JobSpec.Overrides(new JobSpec.Engine("", "3.5", ""), resources(10, 5, 50), null,
                null, Duration.ofHours(9), null);
        JobSpec submitted = spec("staging", new JobSpec.Engine("", "4.0", ""), Map.of("spark.sql.ansi.enabled", "true",
                "spark.sql.shuffle.partitions", "8"), Map.of("staging", staging, "prod", prod, "prdo", prod));
        ResolvedJob job = resolver.resolve(submitted);
        assertEquals(new JobSpec.Executors(4, "8g", 5, 1, 10), job.spec().resources().executor(),
                "only maxInstances is overridden");
        assertEquals("false", job.sparkConf().get("spark.sql.ansi.enabled"));
        assertEquals("8", job.sparkConf().get("spark.sql.shuffle.partitions"), "the job's conf survives the merge");
        assertEquals(List.of("--sample"), job.spec().arguments());
        assertEquals(Duration.ofHours(1), job.timeout());
        assertEquals(0, job.retryPolicy().maxRetries());
        assertEquals(REGISTRY + "4.0-oss:4.0.1-r3", job.image(), "prod's engine override does not apply");
        assertTrue(job.spec().environments().isEmpty());
        assertEquals(List.of("environments.prdo is ignored: 'prdo' is not an environment (known: [prod, staging])"),
                job.warnings());

        ResolvedJob inProd = resolver.resolve(new JobSpec(submitted.name(), submitted.team(), submitted.owner(),
                "prod", submitted.engine(), submitted.resources(), submitted.sparkConf(), submitted.mainClass(),
                submitted.applicationFile(), submitted.arguments(), null, null, Map.of("prod", prod), Map.of()));
        assertEquals(REGISTRY + "3.5-oss:3.5.3-r9", inProd.image());
        assertEquals(new JobSpec.Executors(4, "8g", 10, 5, 50), inProd.spec().resources().executor());
        assertEquals(List.of("engine.version 3.5 is deprecated: unsupported after 2026-06-30; move to 4.0"),
                inProd.warnings());
    }

    @Test
    void anUnknownVersionIsAnErrorOnItsFieldNamingTheCurrentVersions() {
        JobFailure.Invalid e = assertThrows(JobFailure.Invalid.class,
                () -> resolver.resolve(spec("prod", new JobSpec.Engine("", "3.1", ""), Map.of(), Map.of())));
        assertFalse(e instanceof JobFailure.ImageNotAllowed);
        assertEquals(Map.of("engine.version", "'3.1' is not a spark-oss version; current versions: [4.0]"),
                byField(e));
        e = assertThrows(JobFailure.Invalid.class,
                () -> resolver.resolve(spec("prod", new JobSpec.Engine("spark-dbr", "14.3", ""), Map.of(), Map.of())));
        assertEquals(Map.of("engine.type", "'spark-dbr' is not an engine type; known: [spark-oss]"), byField(e));
    }

    @Test
    void anImageOffTheAllowlistIsRefusedNamingTheImageAndTheAllowlist() {
        JobFailure.ImageNotAllowed e = assertThrows(JobFailure.ImageNotAllowed.class, () -> resolver.resolve(
                spec("prod", new JobSpec.Engine("", "4.0", "docker.io/evil/spark:4.0.1"), Map.of(), Map.of())));
        assertEquals("docker.io/evil/spark:4.0.1", e.image);
        assertEquals(List.of(REGISTRY, "regex:apache/spark:4\\.0\\.[0-9]+"), e.allowlist);
        assertEquals("'docker.io/evil/spark:4.0.1' is not an allowed image; allowed: " + e.allowlist,
                byField(e).get("engine.image"));
        // A prefix is a prefix, not a substring; a regex must match the whole reference.
        for (String image : List.of("evil.io/" + REGISTRY + "x:1", "registry.pedregal.dev/spark-platform-x/a:1",
                "apache/spark:4.0.1-evil", "apache/spark:3.5.0")) {
            assertThrows(JobFailure.ImageNotAllowed.class, () -> resolver.resolve(
                    spec("prod", new JobSpec.Engine("", "4.0", image), Map.of(), Map.of())), image);
        }
        assertEquals("apache/spark:4.0.1", resolver.resolve(
                spec("prod", new JobSpec.Engine("", "4.0", "apache/spark:4.0.1"), Map.of(), Map.of())).image());
    }

    @Test
    void theImageCannotBeChosenThroughSparkConf() {
        JobFailure.Invalid e = assertThrows(JobFailure.Invalid.class, () -> resolver.resolve(spec("prod",
                new JobSpec.Engine("", "4.0", ""), Map.of("spark.kubernetes.container.image", "evil/spark:1",
                        "spark.kubernetes.authenticate.driver.serviceAccountName", "admin",
                        "spark.kubernetes.driver.secretKeyRef.X", "other-team:token", "spark.sql.ansi.enabled", "true"),
                Map.of())));
        assertEquals(List.of("sparkConf[spark.kubernetes.authenticate.driver.serviceAccountName]",
                "sparkConf[spark.kubernetes.container.image]", "sparkConf[spark.kubernetes.driver.secretKeyRef.X]"),
                e.errors.stream().map(FieldError::field).toList());
    }

    @Test
    void everyInvalidFieldIsReportedAtOnce() {
        JobSpec bad = new JobSpec("User_Features", "", "", "qa", new JobSpec.Engine("", "", ""),
                new JobSpec.Resources(new JobSpec.Pod(0, "8 gigs"), new JobSpec.Executors(2, "4g", 30, 10, 5)), null,
                "", "", null, Duration.ofDays(3), new RetryPolicy(11, Duration.ofSeconds(-1), 0.5, null), null, null);
        JobFailure.Invalid e = assertThrows(JobFailure.Invalid.class, () -> resolver.resolve(bad));
        assertEquals(List.of("name", "team", "owner", "environment", "engine.version", "resources.driver.cores",
                "resources.driver.memory", "resources.executor.minInstances", "applicationFile", "mainClass", "timeout",
                "retryPolicy.maxRetries", "retryPolicy.interval", "retryPolicy.backoffMultiplier",
                "retryPolicy.maxInterval"), e.errors.stream().map(FieldError::field).toList());
        assertEquals("'qa' is not an environment; known: [prod, staging]", byField(e).get("environment"));
    }

    @Test
    void executorCountsMustFitDynamicAllocationOrBeFixed() {
        record Case(JobSpec.Executors executors, String field) {
        }
        for (Case c : List.of(new Case(new JobSpec.Executors(4, "8g", 30, 1, 20), "resources.executor.instances"),
                new Case(new JobSpec.Executors(4, "8g", 0, 0, 0), "resources.executor.instances"),
                new Case(new JobSpec.Executors(4, "8g", 2, 1, 0), "resources.executor.maxInstances"),
                new Case(new JobSpec.Executors(4, "8g", -1, 0, 0), "resources.executor"))) {
            JobSpec s = plain("prod");
            JobSpec withExecutors = new JobSpec(s.name(), s.team(), s.owner(), s.environment(), s.engine(),
                    new JobSpec.Resources(s.resources().driver(), c.executors()), null, s.mainClass(),
                    s.applicationFile(), null, null, null, null, null);
            JobFailure.Invalid e = assertThrows(JobFailure.Invalid.class, () -> resolver.resolve(withExecutors),
                    c.toString());
            assertEquals(List.of(c.field()), e.errors.stream().map(FieldError::field).toList(), c.toString());
        }
        JobSpec s = plain("prod");
        assertEquals(3, resolver.resolve(new JobSpec(s.name(), s.team(), s.owner(), s.environment(), s.engine(),
                new JobSpec.Resources(s.resources().driver(), new JobSpec.Executors(4, "512m", 3, 0, 0)), null,
                s.mainClass(), s.applicationFile(), null, null, null, null, null)).spec().resources().executor()
                .instances(), "fixed executors without dynamic allocation");
    }

    @Test
    void aPythonApplicationNeedsNoMainClass() {
        JobSpec s = plain("staging");
        ResolvedJob job = resolver.resolve(new JobSpec(s.name(), s.team(), s.owner(), s.environment(), s.engine(),
                s.resources(), null, "", "s3a://jobs/features.py", null, Duration.ofHours(24), null, null, null));
        assertEquals("", job.spec().mainClass());
        assertEquals(Duration.ofHours(24), job.timeout(), "the maximum itself is allowed");
    }
}

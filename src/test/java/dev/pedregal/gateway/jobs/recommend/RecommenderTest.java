package dev.pedregal.gateway.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.jobs.EngineRelease;
import dev.pedregal.gateway.jobs.JobSpec;
import dev.pedregal.gateway.jobs.RecommendationMode;
import dev.pedregal.gateway.jobs.ResolvedJob;
import dev.pedregal.gateway.jobs.RetryPolicy;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;

class RecommenderTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    /** 300 ms per call, 2 retries from 10 ms; the breaker opens when 2 of the last 4 calls failed, for a minute. */
    static final RecommenderPolicy FAST = new RecommenderPolicy(Duration.ofMillis(300), 2, Duration.ofMillis(10),
            Duration.ofMillis(40), 4, 0.5, Duration.ofMinutes(1));

    /**
     * The user set executor memory, one Spark setting and no driver memory or timeout; the environment added
     * adaptive execution.
     */
    static ResolvedJob job() {
        JobSpec spec = new JobSpec("user-features-daily", "feature-engineering", "fe@pedregal.dev", "prod",
                new JobSpec.Engine("", "4.0", ""), new JobSpec.Resources(new JobSpec.Pod(2, ""),
                        new JobSpec.Executors(4, "8g", 5, 0, 0)),
                Map.of("spark.sql.shuffle.partitions", "64"), "com.acme.Main", "local:///app.jar", List.of(), null, null,
                null, Map.of());
        return new ResolvedJob(spec, EngineRelease.current("spark-oss", "4.0", "4.0.1", "apache/spark:4.0.1"),
                "apache/spark:4.0.1", Map.of("spark.sql.shuffle.partitions", "64", "spark.sql.adaptive.enabled", "true"),
                Duration.ofHours(4), RetryPolicy.DEFAULT, List.of());
    }

    static final Recommendation SUGGESTED = new Recommendation(List.of(
            new Recommendation.Suggestion(JobSettings.DRIVER_MEMORY, "6g", "driver peak 4.6 GiB"),
            new Recommendation.Suggestion(JobSettings.EXECUTOR_MEMORY, "5g", "executor peak 3.9 GiB"),
            new Recommendation.Suggestion(JobSettings.TIMEOUT, "PT45M", "p95 30 min"),
            Recommendation.Suggestion.sparkConf("spark.sql.shuffle.partitions", "400", "large shuffles"),
            Recommendation.Suggestion.sparkConf("spark.sql.adaptive.enabled", "false", "skew-free input"),
            Recommendation.Suggestion.sparkConf("spark.kubernetes.container.image", "evil/spark:1", "faster")));

    /** A provider answering with {@code answer(call number)}, counting its calls. */
    static final class Provider implements RecommendationProvider {
        final AtomicInteger calls = new AtomicInteger();
        final Function<Integer, Uni<Recommendation>> answer;

        Provider(Function<Integer, Uni<Recommendation>> answer) {
            this.answer = answer;
        }

        @Override
        public Uni<Recommendation> recommend(ResolvedJob job) {
            return answer.apply(calls.incrementAndGet());
        }

        @Override
        public String name() {
            return "test";
        }
    }

    static Provider answering(Recommendation r) {
        return new Provider(n -> Uni.createFrom().item(r));
    }

    @Test
    void offDoesNotAskTheProvider() {
        Provider provider = answering(SUGGESTED);
        ResolvedJob job = job();
        RecommendationOutcome outcome = new Recommender(provider, FAST).recommend(job, RecommendationMode.OFF)
                .await().atMost(WAIT);
        assertSame(job, outcome.job());
        assertEquals(0, provider.calls.get());
        assertTrue(outcome.recommendation().isEmpty());
        assertEquals(Map.of(), outcome.diff());
        assertFalse(outcome.providerFailed());
    }

    @Test
    void suggestReturnsTheDiffAndSubmitsTheJobAsItIs() {
        ResolvedJob job = job();
        RecommendationOutcome outcome = new Recommender(answering(SUGGESTED), FAST)
                .recommend(job, RecommendationMode.SUGGEST).await().atMost(WAIT);
        assertSame(job, outcome.job());
        assertEquals(SUGGESTED, outcome.recommendation().orElseThrow());
        assertEquals(Map.of(
                "resources.driver.memory", new RecommendationOutcome.Change("", "6g", false, false, "driver peak 4.6 GiB"),
                "resources.executor.memory", new RecommendationOutcome.Change("8g", "5g", false, true,
                        "executor peak 3.9 GiB"),
                "timeout", new RecommendationOutcome.Change("PT4H", "PT45M", false, false, "p95 30 min"),
                "sparkConf.spark.sql.shuffle.partitions", new RecommendationOutcome.Change("64", "400", false, true,
                        "large shuffles"),
                "sparkConf.spark.sql.adaptive.enabled", new RecommendationOutcome.Change("true", "false", false, false,
                        "skew-free input")), outcome.diff(), "the platform-reserved image setting is dropped");
        assertEquals(Map.of(), outcome.applied());
    }

    @Test
    void applyFillsWhatTheUserLeftUnsetAndTheUsersSettingsWin() {
        RecommendationOutcome outcome = new Recommender(answering(SUGGESTED), FAST)
                .recommend(job(), RecommendationMode.APPLY).await().atMost(WAIT);
        ResolvedJob submitted = outcome.job();
        assertEquals("6g", submitted.spec().resources().driver().memory(), "unset by the user: applied");
        assertEquals("8g", submitted.spec().resources().executor().memory(), "the user's 8g wins");
        assertEquals(Duration.ofMinutes(45), submitted.timeout(), "the user set no timeout: applied");
        assertEquals(null, submitted.spec().timeout(), "the spec still says the user set none");
        assertEquals("64", submitted.sparkConf().get("spark.sql.shuffle.partitions"), "the user's conf wins");
        assertEquals("false", submitted.sparkConf().get("spark.sql.adaptive.enabled"),
                "an environment default is not the user's: the recommendation replaces it");
        assertFalse(submitted.sparkConf().containsKey("spark.kubernetes.container.image"));
        assertEquals(Map.of("spark.sql.shuffle.partitions", "64"), submitted.spec().sparkConf());
        assertEquals(List.of("resources.driver.memory", "sparkConf.spark.sql.adaptive.enabled", "timeout"),
                outcome.applied().keySet().stream().sorted().toList());
        assertTrue(outcome.diff().get("resources.executor.memory").userSet());
        assertFalse(outcome.diff().get("resources.executor.memory").applied());
    }

    @Test
    void aUsersResourceFieldAlsoProtectsTheSparkSettingOfTheSameMeaning() {
        Recommendation viaConf = new Recommendation(List.of(
                Recommendation.Suggestion.sparkConf("spark.executor.memory", "5g", "peak"),
                Recommendation.Suggestion.sparkConf("spark.driver.memory", "6g", "peak")));
        ResolvedJob submitted = new Recommender(answering(viaConf), FAST).recommend(job(), RecommendationMode.APPLY)
                .await().atMost(WAIT).job();
        assertFalse(submitted.sparkConf().containsKey("spark.executor.memory"));
        assertEquals("6g", submitted.sparkConf().get("spark.driver.memory"));
    }

    @Test
    void aProviderSlowerThanTheTimeoutIsNotWaitedFor() {
        Provider slow = new Provider(n -> Uni.createFrom().item(SUGGESTED).onItem().delayIt().by(Duration.ofSeconds(5)));
        ResolvedJob job = job();
        RecommendationOutcome outcome = new Recommender(slow, FAST).recommend(job, RecommendationMode.APPLY)
                .await().atMost(Duration.ofSeconds(3));
        assertSame(job, outcome.job());
        assertTrue(outcome.providerFailed());
        assertEquals("did not answer within PT0.3S", outcome.providerFailure().orElseThrow());
        assertTrue(outcome.recommendation().isEmpty());
        assertEquals(1, slow.calls.get(), "a timed-out call is not retried");
    }

    @Test
    void aProviderThatKeepsFailingOpensTheCircuitAndIsNoLongerCalled() {
        Provider broken = new Provider(n -> Uni.createFrom().failure(new IllegalStateException("tuning service down")));
        RecommenderPolicy noRetries = new RecommenderPolicy(FAST.timeout(), 0, FAST.retryDelay(), FAST.maxRetryDelay(),
                4, 0.5, Duration.ofMinutes(1));
        Recommender recommender = new Recommender(broken, noRetries);
        for (int i = 0; i < 4; i++) {
            RecommendationOutcome outcome = recommender.recommend(job(), RecommendationMode.SUGGEST).await().atMost(WAIT);
            assertEquals("failed: IllegalStateException: tuning service down", outcome.providerFailure().orElseThrow());
        }
        assertEquals(CircuitBreakerState.OPEN, recommender.breakerState());
        assertEquals(4, broken.calls.get());

        ResolvedJob job = job();
        RecommendationOutcome refused = recommender.recommend(job, RecommendationMode.APPLY).await().atMost(WAIT);
        assertEquals(4, broken.calls.get(), "an open circuit does not call the provider");
        assertSame(job, refused.job());
        assertEquals("is not asked: circuit breaker open after repeated failures",
                refused.providerFailure().orElseThrow());
    }

    @Test
    void aFlakyProviderIsRetriedWithBackoffUntilItAnswers() {
        Provider flaky = new Provider(n -> n < 3 ? Uni.createFrom().failure(new RuntimeException("blip " + n))
                : Uni.createFrom().item(SUGGESTED));
        Recommender recommender = new Recommender(flaky, FAST);
        RecommendationOutcome outcome = recommender.recommend(job(), RecommendationMode.APPLY).await().atMost(WAIT);
        assertFalse(outcome.providerFailed());
        assertEquals(3, flaky.calls.get(), "the first call and two retries");
        assertEquals("6g", outcome.job().spec().resources().driver().memory());
    }

    @Test
    void aProviderThatThrowsInsteadOfFailingItsUniIsAFailureLikeAnother() {
        Provider throwing = new Provider(n -> {
            throw new IllegalArgumentException("bad job");
        });
        RecommendationOutcome outcome = new Recommender(throwing, FAST).recommend(job(), RecommendationMode.APPLY)
                .await().atMost(WAIT);
        assertEquals("failed: IllegalArgumentException: bad job", outcome.providerFailure().orElseThrow());
    }
}

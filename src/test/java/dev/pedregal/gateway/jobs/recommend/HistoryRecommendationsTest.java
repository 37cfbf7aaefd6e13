package dev.pedregal.gateway.jobs.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.JobHistory;
import dev.pedregal.gateway.jobs.PastRun;
import dev.pedregal.gateway.jobs.RecommendationMode;
import dev.pedregal.gateway.jobs.ResolvedJob;
import io.smallrye.mutiny.Uni;

class HistoryRecommendationsTest {

    static PastRun run(ExecutionState state, long minutes, long peakMib) {
        return new PastRun("e-" + minutes + "-" + peakMib, state, Instant.parse("2025-06-01T00:00:00Z"),
                Duration.ofMinutes(minutes), Map.of(), peakMib);
    }

    /** 20 successful runs of 10..29 minutes peaking at 3000..3950 MiB, and a failed one that used far more. */
    static List<PastRun> history() {
        List<PastRun> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            runs.add(run(ExecutionState.SUCCEEDED, 10 + i, 3000 + 50 * i));
        }
        runs.add(run(ExecutionState.FAILED, 300, 12_000));
        return runs;
    }

    final HistoryRecommendations provider = new HistoryRecommendations((team, job, limit) -> Uni.createFrom().nullItem(),
            HistoryRecommendations.Settings.DEFAULTS);

    @Test
    void memoryIsThePeakPlusHeadroomAndTheTimeoutTheP95TimesTheMargin() {
        Recommendation r = provider.recommend(RecommenderTest.job(), history());
        // peak 3950 MiB × 1.25 = 4937.5 → 4938 → rounded up to 512 MiB: 5120 MiB = 5g.
        // p95 of 20 runtimes (nearest rank: the 19th, 28 min) × 1.5 = 42 min.
        assertEquals(List.of(JobSettings.DRIVER_MEMORY + "=5g", JobSettings.EXECUTOR_MEMORY + "=5g",
                JobSettings.TIMEOUT + "=PT42M"), r.suggestions().stream().map(s -> s.setting() + "=" + s.value()).toList());
        assertEquals("peak 3950 MiB over the last 20 successful runs + 25% headroom", r.suggestions().get(0).reason());
        assertEquals("p95 runtime PT28M over the last 20 successful runs × 1.50", r.suggestions().get(2).reason());
    }

    @Test
    void unevenValuesRoundUpAndTheTimeoutIsCapped() {
        HistoryRecommendations capped = new HistoryRecommendations((t, j, l) -> Uni.createFrom().nullItem(),
                new HistoryRecommendations.Settings(20, 1, 1.1, 2.0, Duration.ofMinutes(30)));
        Recommendation r = capped.recommend(RecommenderTest.job(), List.of(run(ExecutionState.SUCCEEDED, 20, 1000)));
        // 1000 × 1.1 = 1100 → 1536 MiB (not whole GiB: written in MiB); 20 min × 2 = 40 min, capped at 30.
        assertEquals(List.of("1536m", "1536m", "PT30M"), r.suggestions().stream().map(Recommendation.Suggestion::value)
                .toList());
        Recommendation seconds = capped.recommend(RecommenderTest.job(), List.of(new PastRun("e", ExecutionState.SUCCEEDED,
                Instant.EPOCH, Duration.ofSeconds(61), Map.of(), 0)));
        assertEquals(List.of(JobSettings.TIMEOUT + "=PT3M"), seconds.suggestions().stream()
                .map(s -> s.setting() + "=" + s.value()).toList(), "122 s rounds up to 3 min; unknown peaks say nothing");
    }

    @Test
    void noHistoryOrTooFewSuccessesSuggestNothing() {
        assertEquals(Recommendation.NONE, provider.recommend(RecommenderTest.job(), List.of()));
        assertEquals(Recommendation.NONE, provider.recommend(RecommenderTest.job(), List.of(
                run(ExecutionState.SUCCEEDED, 10, 3000), run(ExecutionState.SUCCEEDED, 12, 3000),
                run(ExecutionState.FAILED, 10, 3000), run(ExecutionState.DEAD_LETTER, 10, 3000))));
    }

    @Test
    void appliedThroughTheRecommenderTheUsersExecutorMemoryStays() {
        List<String> asked = new ArrayList<>();
        JobHistory history = (team, job, limit) -> {
            asked.add(team + "/" + job + "/" + limit);
            return Uni.createFrom().item(history());
        };
        Recommender recommender = new Recommender(new HistoryRecommendations(history,
                HistoryRecommendations.Settings.DEFAULTS), RecommenderPolicy.DEFAULTS);
        RecommendationOutcome outcome = recommender.recommend(RecommenderTest.job(), RecommendationMode.APPLY)
                .await().atMost(Duration.ofSeconds(10));
        assertEquals(List.of("feature-engineering/user-features-daily/20"), asked);
        ResolvedJob submitted = outcome.job();
        assertEquals("5g", submitted.spec().resources().driver().memory());
        assertEquals("8g", submitted.spec().resources().executor().memory());
        assertEquals(Duration.ofMinutes(42), submitted.timeout());
    }
}

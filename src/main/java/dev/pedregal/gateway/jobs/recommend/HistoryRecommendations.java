package dev.pedregal.gateway.jobs.recommend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

import dev.pedregal.gateway.jobs.ExecutionState;
import dev.pedregal.gateway.jobs.JobHistory;
import dev.pedregal.gateway.jobs.PastRun;
import dev.pedregal.gateway.jobs.ResolvedJob;
import io.smallrye.mutiny.Uni;

/**
 * The default provider: sizes a job from its own recent successful runs. Memory (driver and executors alike:
 * history keeps one peak for the run) is the highest peak seen plus headroom, rounded up to 512 MiB; the timeout
 * is the 95th percentile of the runtimes times a margin, rounded up to a minute and capped. Too few successful
 * runs, and it suggests nothing.
 */
public final class HistoryRecommendations implements RecommendationProvider {

    /**
     * @param runs how many recent runs are read
     * @param minSuccessfulRuns fewer successful runs than this among them, and nothing is suggested
     * @param memoryHeadroom the factor over the peak memory, e.g. 1.25 for 25%
     * @param timeoutMargin the factor over the p95 runtime
     * @param maxTimeout the longest timeout suggested (the platform's maximum)
     */
    public record Settings(int runs, int minSuccessfulRuns, double memoryHeadroom, double timeoutMargin,
            Duration maxTimeout) {

        public static final Settings DEFAULTS = new Settings(20, 3, 1.25, 1.5, Duration.ofHours(24));
    }

    static final long MEMORY_STEP_MIB = 512;

    private final JobHistory history;
    private final Settings settings;

    public HistoryRecommendations(JobHistory history, Settings settings) {
        this.history = history;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "history";
    }

    @Override
    public Uni<Recommendation> recommend(ResolvedJob job) {
        return history.recent(job.spec().team(), job.spec().name(), settings.runs()).map(runs -> recommend(job, runs));
    }

    Recommendation recommend(ResolvedJob job, List<PastRun> runs) {
        List<PastRun> successful = runs.stream().filter(r -> r.state() == ExecutionState.SUCCEEDED).toList();
        if (successful.size() < settings.minSuccessfulRuns()) {
            return Recommendation.NONE;
        }
        List<Recommendation.Suggestion> suggestions = new ArrayList<>();
        OptionalLong peak = successful.stream().mapToLong(PastRun::peakMemoryMib).filter(m -> m > 0).max();
        if (peak.isPresent()) {
            long memory = roundUp((long) Math.ceil(peak.getAsLong() * settings.memoryHeadroom()), MEMORY_STEP_MIB);
            String why = String.format(Locale.ROOT, "peak %d MiB over the last %d successful runs + %.0f%% headroom",
                    peak.getAsLong(), successful.size(), (settings.memoryHeadroom() - 1) * 100);
            suggestions.add(new Recommendation.Suggestion(JobSettings.DRIVER_MEMORY, MemorySize.format(memory), why));
            suggestions.add(new Recommendation.Suggestion(JobSettings.EXECUTOR_MEMORY, MemorySize.format(memory), why));
        }
        List<Duration> runtimes = successful.stream().map(PastRun::runtime)
                .filter(d -> d != null && !d.isZero() && !d.isNegative()).sorted().toList();
        if (!runtimes.isEmpty()) {
            Duration p95 = percentile(runtimes, 0.95);
            long seconds = (long) Math.ceil(p95.toSeconds() * settings.timeoutMargin());
            Duration timeout = Duration.ofMinutes(roundUp(seconds, 60) / 60);
            if (timeout.compareTo(settings.maxTimeout()) > 0) {
                timeout = settings.maxTimeout();
            }
            suggestions.add(new Recommendation.Suggestion(JobSettings.TIMEOUT, timeout.toString(),
                    String.format(Locale.ROOT, "p95 runtime %s over the last %d successful runs × %.2f", p95,
                            runtimes.size(), settings.timeoutMargin())));
        }
        return new Recommendation(suggestions);
    }

    /** Nearest-rank percentile of sorted values. */
    static Duration percentile(List<Duration> sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static long roundUp(long value, long step) {
        return (value + step - 1) / step * step;
    }
}

package dev.pedregal.gateway.jobs.recommend;

import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import jakarta.enterprise.util.TypeLiteral;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.jboss.logging.Logger;

import dev.pedregal.gateway.jobs.RecommendationMode;
import dev.pedregal.gateway.jobs.ResolvedJob;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.TypedGuard;
import io.smallrye.mutiny.Uni;

/**
 * Asks the recommendation provider about a job before it is submitted, when the job opts in, and decides what is
 * submitted: the job as it is for OFF and SUGGEST, and for APPLY the job with the suggested values where the
 * user's spec set nothing — the user's own settings always win. The provider is called under a timeout, with
 * retries and backoff, behind a circuit breaker; if it fails anyway the job is submitted without a
 * recommendation, and the outcome says why. The before/after diff is logged.
 */
public final class Recommender {

    private static final Logger LOG = Logger.getLogger(Recommender.class);
    private static final TypeLiteral<Uni<Recommendation>> UNI = new TypeLiteral<>() {
    };

    private final RecommendationProvider provider;
    private final RecommenderPolicy policy;
    private final TypedGuard<Uni<Recommendation>> guard;
    private final AtomicReference<CircuitBreakerState> breaker = new AtomicReference<>(CircuitBreakerState.CLOSED);

    public Recommender(RecommendationProvider provider, RecommenderPolicy policy) {
        this.provider = provider;
        this.policy = policy;
        long delay = policy.retryDelay().toMillis();
        this.guard = TypedGuard.create(UNI)
                .withDescription("recommendation provider " + provider.name())
                .withRetry()
                .maxRetries(policy.maxRetries())
                .delay(delay, ChronoUnit.MILLIS)
                .jitter(Math.max(1, delay / 4), ChronoUnit.MILLIS)
                // A slow provider would be slow again, and the submit is waiting; an open breaker stays open.
                .abortOn(java.util.List.of(TimeoutException.class, CircuitBreakerOpenException.class))
                .withExponentialBackoff().factor(2).maxDelay(policy.maxRetryDelay().toMillis(), ChronoUnit.MILLIS).done()
                .done()
                .withCircuitBreaker()
                .requestVolumeThreshold(policy.breakerWindow())
                .failureRatio(policy.breakerFailureRatio())
                .delay(policy.breakerDelay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(1)
                .onStateChange(breaker::set)
                .done()
                .withTimeout()
                .duration(policy.timeout().toMillis(), ChronoUnit.MILLIS)
                .done()
                .build();
    }

    public CircuitBreakerState breakerState() {
        return breaker.get();
    }

    public Uni<RecommendationOutcome> recommend(ResolvedJob job, RecommendationMode mode) {
        if (mode == null || mode == RecommendationMode.OFF) {
            return Uni.createFrom().item(new RecommendationOutcome(job, RecommendationMode.OFF, Optional.empty(),
                    Map.of(), Optional.empty()));
        }
        return ask(job)
                .map(recommendation -> outcome(job, mode, recommendation))
                .onFailure().recoverWithItem(failure -> {
                    String why = describe(failure);
                    LOG.warnf("Job %s/%s is submitted without a recommendation: provider %s %s", job.spec().team(),
                            job.spec().name(), provider.name(), why);
                    return new RecommendationOutcome(job, mode, Optional.empty(), Map.of(), Optional.of(why));
                });
    }

    private Uni<Recommendation> ask(ResolvedJob job) {
        return Uni.createFrom().deferred(() -> {
            try {
                // deferred: a provider that throws instead of failing its Uni still counts as one failed call.
                return guard.call(() -> Uni.createFrom().deferred(() -> provider.recommend(job)));
            } catch (Exception e) {
                return Uni.createFrom().failure(e);
            }
        }).map(r -> r == null ? Recommendation.NONE : r);
    }

    private RecommendationOutcome outcome(ResolvedJob job, RecommendationMode mode, Recommendation recommendation) {
        Map<String, RecommendationOutcome.Change> diff = new TreeMap<>();
        Map<String, String> toApply = new LinkedHashMap<>();
        for (Recommendation.Suggestion s : recommendation.suggestions()) {
            Optional<String> refusal = JobSettings.refusal(s.setting(), s.value());
            if (refusal.isPresent()) {
                LOG.warnf("Provider %s suggested %s=%s for job %s/%s, which %s: ignored", provider.name(), s.setting(),
                        s.value(), job.spec().team(), job.spec().name(), refusal.get());
                continue;
            }
            String before = JobSettings.current(job, s.setting());
            if (before.equals(s.value())) {
                continue;
            }
            boolean userSet = JobSettings.setByUser(job, s.setting());
            boolean applied = mode == RecommendationMode.APPLY && !userSet;
            diff.put(s.setting(), new RecommendationOutcome.Change(before, s.value(), applied, userSet, s.reason()));
            if (applied) {
                toApply.put(s.setting(), s.value());
            }
        }
        ResolvedJob submitted = toApply.isEmpty() ? job : JobSettings.apply(job, toApply);
        if (!diff.isEmpty()) {
            LOG.infof("Recommendation of %s for job %s/%s (%s): %s", provider.name(), job.spec().team(),
                    job.spec().name(), mode, diff.entrySet().stream().map(Recommender::line)
                            .collect(Collectors.joining("; ")));
        }
        return new RecommendationOutcome(submitted, mode, Optional.of(recommendation), diff, Optional.empty());
    }

    private static String line(Map.Entry<String, RecommendationOutcome.Change> e) {
        RecommendationOutcome.Change c = e.getValue();
        String what = c.applied() ? "applied" : c.userSet() ? "kept: set by the user" : "suggested";
        return e.getKey() + ": " + (c.before().isEmpty() ? "(unset)" : c.before()) + " → " + c.after() + " (" + what
                + "; " + c.reason() + ")";
    }

    private String describe(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return "did not answer within " + policy.timeout();
        }
        if (failure instanceof CircuitBreakerOpenException) {
            return "is not asked: circuit breaker open after repeated failures";
        }
        return "failed: " + failure.getClass().getSimpleName()
                + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    }
}

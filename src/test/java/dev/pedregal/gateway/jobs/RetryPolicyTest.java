package dev.pedregal.gateway.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    static final RetryPolicy THREE = new RetryPolicy(3, Duration.ofSeconds(30), 2.0, Duration.ofMinutes(3));

    @Test
    void onlyPlatformFailuresAreRetriedAndOnlyUpToMaxRetries() {
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertTrue(THREE.shouldRetry(FailureClass.PLATFORM, attempt), "attempt " + attempt);
            assertFalse(THREE.shouldRetry(FailureClass.USER, attempt), "attempt " + attempt);
            assertEquals(ExecutionEvent.RETRYING, THREE.afterFailure(FailureClass.PLATFORM, attempt));
            assertEquals(ExecutionEvent.FAILED, THREE.afterFailure(FailureClass.USER, attempt));
        }
        assertFalse(THREE.shouldRetry(FailureClass.PLATFORM, 4));
        assertEquals(ExecutionEvent.RETRIES_EXHAUSTED, THREE.afterFailure(FailureClass.PLATFORM, 4));
    }

    @Test
    void noRetriesMeansThePlatformFailureOfTheOnlyAttemptIsDeadLettered() {
        RetryPolicy none = new RetryPolicy(0, Duration.ofSeconds(30), 1.0, Duration.ofSeconds(30));
        assertFalse(none.shouldRetry(FailureClass.PLATFORM, 1));
        assertEquals(ExecutionEvent.RETRIES_EXHAUSTED, none.afterFailure(FailureClass.PLATFORM, 1));
    }

    @Test
    void delayGrowsByTheMultiplierUpToTheCap() {
        assertEquals(Duration.ofSeconds(30), THREE.delay(1));
        assertEquals(Duration.ofSeconds(60), THREE.delay(2));
        assertEquals(Duration.ofSeconds(120), THREE.delay(3));
        assertEquals(Duration.ofMinutes(3), THREE.delay(4));
        assertEquals(Duration.ofMinutes(3), THREE.delay(5_000), "no overflow for absurd attempts");
    }

    @Test
    void aMultiplierOfOneIsAFixedInterval() {
        RetryPolicy fixed = new RetryPolicy(5, Duration.ofMinutes(5), 1.0, Duration.ofHours(1));
        assertEquals(Duration.ofMinutes(5), fixed.delay(1));
        assertEquals(Duration.ofMinutes(5), fixed.delay(5));
    }

    @Test
    void attemptsCountFromOne() {
        assertThrows(IllegalArgumentException.class, () -> THREE.delay(0));
    }
}

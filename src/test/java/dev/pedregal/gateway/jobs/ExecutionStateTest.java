package dev.pedregal.gateway.jobs;

import static dev.pedregal.gateway.jobs.ExecutionEvent.CANCELLED;
import static dev.pedregal.gateway.jobs.ExecutionEvent.FAILED;
import static dev.pedregal.gateway.jobs.ExecutionEvent.RETRIES_EXHAUSTED;
import static dev.pedregal.gateway.jobs.ExecutionEvent.RETRYING;
import static dev.pedregal.gateway.jobs.ExecutionEvent.STARTED;
import static dev.pedregal.gateway.jobs.ExecutionEvent.SUCCEEDED;
import static dev.pedregal.gateway.jobs.ExecutionEvent.TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ExecutionStateTest {

    /** Every legal transition; every (state, event) pair not listed here must be refused. */
    static final Map<ExecutionState, Map<ExecutionEvent, ExecutionState>> LEGAL = new EnumMap<>(Map.of(
            ExecutionState.SUBMITTED, Map.of(STARTED, ExecutionState.RUNNING, SUCCEEDED, ExecutionState.SUCCEEDED,
                    FAILED, ExecutionState.FAILED, RETRYING, ExecutionState.SUBMITTED, RETRIES_EXHAUSTED,
                    ExecutionState.DEAD_LETTER, CANCELLED, ExecutionState.CANCELLED, TIMED_OUT,
                    ExecutionState.TIMED_OUT),
            ExecutionState.RUNNING, Map.of(SUCCEEDED, ExecutionState.SUCCEEDED, FAILED, ExecutionState.FAILED,
                    RETRYING, ExecutionState.SUBMITTED, RETRIES_EXHAUSTED, ExecutionState.DEAD_LETTER, CANCELLED,
                    ExecutionState.CANCELLED, TIMED_OUT, ExecutionState.TIMED_OUT)));

    @Test
    void everyStateAndEventIsEitherTheListedTransitionOrRefused() {
        int legal = 0;
        int refused = 0;
        for (ExecutionState from : ExecutionState.values()) {
            for (ExecutionEvent event : ExecutionEvent.values()) {
                ExecutionState expected = LEGAL.getOrDefault(from, Map.of()).get(event);
                if (expected != null) {
                    assertTrue(from.accepts(event), from + " + " + event);
                    assertEquals(expected, from.next(event), from + " + " + event);
                    legal++;
                } else {
                    assertFalse(from.accepts(event), from + " + " + event);
                    JobFailure.IllegalTransition e = assertThrows(JobFailure.IllegalTransition.class,
                            () -> from.next(event), from + " + " + event);
                    assertSame(from, e.from);
                    assertSame(event, e.event);
                    refused++;
                }
            }
        }
        assertEquals(13, legal);
        assertEquals(ExecutionState.values().length * ExecutionEvent.values().length - 13, refused);
    }

    @Test
    void onlySubmittedAndRunningAreLive() {
        for (ExecutionState s : ExecutionState.values()) {
            assertEquals(!Set.of(ExecutionState.SUBMITTED, ExecutionState.RUNNING).contains(s), s.terminal(), s.name());
        }
    }

    @Test
    void aFinishedExecutionSaysSoWhenCancelled() {
        JobFailure.IllegalTransition e = assertThrows(JobFailure.IllegalTransition.class,
                () -> ExecutionState.SUCCEEDED.next(CANCELLED));
        assertEquals("an execution in state SUCCEEDED cannot take event CANCELLED (it has finished)", e.getMessage());
    }

    @Test
    void aRetriedPlatformFailureRunsAgainAndTheLastOneIsDeadLettered() {
        RetryPolicy once = new RetryPolicy(1, java.time.Duration.ofSeconds(10), 2, java.time.Duration.ofMinutes(1));
        ExecutionState s = ExecutionState.SUBMITTED.next(STARTED);
        s = s.next(once.afterFailure(FailureClass.PLATFORM, 1));
        assertEquals(ExecutionState.SUBMITTED, s);
        s = s.next(STARTED).next(once.afterFailure(FailureClass.PLATFORM, 2));
        assertEquals(ExecutionState.DEAD_LETTER, s);
        assertEquals(ExecutionState.FAILED,
                ExecutionState.RUNNING.next(once.afterFailure(FailureClass.USER, 1)));
    }
}

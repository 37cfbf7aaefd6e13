package dev.pedregal.gateway.jobs;

/** A failed attempt's class, why it failed in one line, and what to change so the next run succeeds. */
public record Classification(FailureClass failureClass, String reason, String hint) {
}

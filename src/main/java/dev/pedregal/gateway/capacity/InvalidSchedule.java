package dev.pedregal.gateway.capacity;

/** A schedule that cannot be checked: bad cron syntax, a non-positive duration or interval, too many runs. */
public final class InvalidSchedule extends IllegalArgumentException {

    public InvalidSchedule(String message) {
        super(message);
    }
}

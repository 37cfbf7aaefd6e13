package dev.pedregal.gateway.capacity;

import java.time.Instant;

/**
 * One 15-minute slice of the capacity calendar, by its absolute UTC index ({@code epochSecond / 900}). Slices
 * never depend on a time zone, so daylight-saving changes and leap days need no special handling.
 */
public record Slice(long index) implements Comparable<Slice> {

    /** Seconds in a slice. */
    public static final long SECONDS = 900;

    /** Slices in a day. */
    public static final int PER_DAY = 96;

    /** The slice holding this instant. */
    public static Slice of(Instant instant) {
        return new Slice(Math.floorDiv(instant.getEpochSecond(), SECONDS));
    }

    /** The first slice touched by an interval starting at {@code start}. */
    public static Slice firstOf(Instant start) {
        return of(start);
    }

    /** The last slice touched by an interval ending (exclusive) at {@code end}: an end on a boundary stays before it. */
    public static Slice lastOf(Instant end) {
        long seconds = end.getEpochSecond() + (end.getNano() > 0 ? 1 : 0);
        return new Slice(Math.floorDiv(seconds + SECONDS - 1, SECONDS) - 1);
    }

    /** How many slices [start, end) touches. */
    public static int count(Instant start, Instant end) {
        return Math.toIntExact(lastOf(end).index - firstOf(start).index + 1);
    }

    public Instant start() {
        return Instant.ofEpochSecond(index * SECONDS);
    }

    public Instant end() {
        return Instant.ofEpochSecond((index + 1) * SECONDS);
    }

    public Slice plus(long slices) {
        return new Slice(index + slices);
    }

    @Override
    public int compareTo(Slice other) {
        return Long.compare(index, other.index);
    }

    @Override
    public String toString() {
        return start().toString();
    }
}

package dev.pedregal.gateway.capacity;

import java.time.Instant;
import java.util.Objects;

/**
 * Capacity a team reserves in a pool for [start, end). It occupies every slice it touches, in full: a
 * reservation from 10:05 to 10:20 occupies the 10:00 and the 10:15 slices.
 */
public record Reservation(String id, String team, String pool, Resources size, Instant start, Instant end) {

    public Reservation {
        CalendarKeys.requireName("reservation id", id);
        CalendarKeys.requireName("team", team);
        CalendarKeys.requireName("pool", pool);
        Objects.requireNonNull(size, "size");
        if (size.isZero()) {
            throw new IllegalArgumentException("reservation " + id + " reserves nothing");
        }
        // Whole seconds, widened outward: the calendar stores epoch seconds and must never under-reserve.
        start = Instant.ofEpochSecond(start.getEpochSecond());
        end = Instant.ofEpochSecond(end.getEpochSecond() + (end.getNano() > 0 ? 1 : 0));
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("reservation " + id + " ends (" + end + ") before it starts (" + start + ")");
        }
    }

    public Slice firstSlice() {
        return Slice.firstOf(start);
    }

    public Slice lastSlice() {
        return Slice.lastOf(end);
    }

    public Reservation withEnd(Instant newEnd) {
        return new Reservation(id, team, pool, size, start, newEnd);
    }
}

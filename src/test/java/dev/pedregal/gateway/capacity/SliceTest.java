package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class SliceTest {

    @Test
    void indexIsEpochSecondOver900() {
        assertEquals(0, Slice.of(Instant.EPOCH).index());
        assertEquals(1, Slice.of(Instant.ofEpochSecond(900)).index());
        assertEquals(0, Slice.of(Instant.ofEpochSecond(899)).index());
        assertEquals(-1, Slice.of(Instant.ofEpochSecond(-1)).index());
        Instant midnight = Instant.parse("2028-02-29T00:00:00Z");
        assertEquals(midnight, Slice.of(midnight).start());
        assertEquals(Instant.parse("2028-02-28T23:45:00Z"), Slice.of(midnight.minusSeconds(1)).start());
        assertEquals(Slice.PER_DAY, Slice.count(midnight, Instant.parse("2028-03-01T00:00:00Z")), "a leap day has 96 slices too");
    }

    @Test
    void anIntervalTouchesEverySliceItOverlaps() {
        Instant ten = Instant.parse("2027-12-31T23:45:00Z");
        assertEquals(1, Slice.count(ten, ten.plusSeconds(900)), "an end on a boundary stays before it");
        assertEquals(2, Slice.count(ten, ten.plusSeconds(901)));
        assertEquals(2, Slice.count(ten.plusSeconds(300), ten.plusSeconds(1200)), "23:50 to 00:05 crosses midnight and the year");
        assertEquals(Instant.parse("2028-01-01T00:00:00Z"), Slice.lastOf(ten.plusSeconds(1200)).start());
        assertEquals(1, Slice.count(ten, ten.plusMillis(1)));
        assertEquals(2, Slice.count(ten, Instant.parse("2028-01-01T00:00:00.001Z")), "a fraction of a second past the boundary counts");
    }
}

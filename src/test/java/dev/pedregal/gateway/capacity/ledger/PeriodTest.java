package dev.pedregal.gateway.capacity.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;

import org.junit.jupiter.api.Test;

/** A purchase's validity: one period from a UTC midnight, month ends and leap days included. */
class PeriodTest {

    @Test
    void aDayAMonthAndAYearFromTheirFirstMidnight() {
        assertEquals(new Period.Validity(Instant.parse("2027-03-15T00:00:00Z"), Instant.parse("2027-03-16T00:00:00Z")),
                Period.DAILY.from(LocalDate.of(2027, 3, 15)));
        assertEquals(new Period.Validity(Instant.parse("2027-03-01T00:00:00Z"), Instant.parse("2027-04-01T00:00:00Z")),
                Period.MONTHLY.from(LocalDate.of(2027, 3, 1)));
        assertEquals(new Period.Validity(Instant.parse("2027-01-01T00:00:00Z"), Instant.parse("2028-01-01T00:00:00Z")),
                Period.YEARLY.from(LocalDate.of(2027, 1, 1)));
    }

    @Test
    void aMonthFromTheThirtyFirstOfJanuaryEndsWithFebruary() {
        assertEquals(Instant.parse("2027-02-28T00:00:00Z"), Period.MONTHLY.from(LocalDate.of(2027, 1, 31)).to());
        assertEquals(Instant.parse("2028-02-29T00:00:00Z"), Period.MONTHLY.from(LocalDate.of(2028, 1, 31)).to());
    }

    @Test
    void leapDays() {
        assertEquals(Instant.parse("2028-03-01T00:00:00Z"), Period.DAILY.from(LocalDate.of(2028, 2, 29)).to());
        assertEquals(Instant.parse("2029-02-28T00:00:00Z"), Period.YEARLY.from(LocalDate.of(2028, 2, 29)).to());
        assertEquals(Instant.parse("2028-03-28T00:00:00Z"), Period.MONTHLY.from(LocalDate.of(2028, 2, 28)).to());
    }

    @Test
    void validityIsHalfOpen() {
        Period.Validity day = Period.DAILY.from(LocalDate.of(2027, 3, 15));
        assertTrue(day.covers(Instant.parse("2027-03-15T00:00:00Z")));
        assertTrue(day.covers(Instant.parse("2027-03-15T23:59:59.999Z")));
        assertFalse(day.covers(Instant.parse("2027-03-16T00:00:00Z")));
        assertFalse(day.covers(Instant.parse("2027-03-14T23:59:59Z")));
        assertThrows(IllegalArgumentException.class, () -> new Period.Validity(day.to(), day.from()));
        assertThrows(IllegalStateException.class, () -> Period.EXPLICIT.from(LocalDate.of(2027, 3, 15)));
    }
}

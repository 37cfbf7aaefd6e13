package dev.pedregal.gateway.capacity.ledger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * How long a purchase is valid. A period purchase covers one period from the UTC midnight of its first day:
 * a month from 31 January ends at the end of February (28 or 29 days: {@link LocalDate#plusMonths} clamps),
 * a year from 29 February ends on 28 February of the next year. {@code EXPLICIT} takes both ends as given.
 */
public enum Period {
    DAILY,
    MONTHLY,
    YEARLY,
    EXPLICIT;

    /** [from, to) of one period starting on {@code first}. */
    public Validity from(LocalDate first) {
        LocalDate end = switch (this) {
            case DAILY -> first.plusDays(1);
            case MONTHLY -> first.plusMonths(1);
            case YEARLY -> first.plusYears(1);
            case EXPLICIT -> throw new IllegalStateException("an explicit validity has no period to compute");
        };
        return new Validity(midnight(first), midnight(end));
    }

    static Instant midnight(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** [from, to): a purchase counts at instants {@code from <= t < to}. */
    public record Validity(Instant from, Instant to) {

        public Validity {
            if (!to.isAfter(from)) {
                throw new IllegalArgumentException("a validity must end (" + to + ") after it starts (" + from + ")");
            }
        }

        public boolean covers(Instant t) {
            return !t.isBefore(from) && t.isBefore(to);
        }
    }
}

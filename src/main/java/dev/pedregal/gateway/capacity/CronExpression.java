package dev.pedregal.gateway.capacity;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A standard 5-field cron expression (minute hour day-of-month month day-of-week), evaluated in UTC:
 * {@code *}, values, ranges {@code a-b}, steps {@code * /n} and {@code a-b/n}, lists, month and day names
 * ({@code JAN}, {@code MON}), Sunday as 0 or 7, and the macros {@code @hourly @daily @midnight @weekly
 * @monthly @yearly @annually}. As in Vixie cron, when both day fields are restricted a day matching either
 * one runs. UTC has no daylight saving, so no run is skipped or doubled.
 */
public final class CronExpression implements Recurrence {

    private static final Map<String, String> MACROS = Map.of(
            "@hourly", "0 * * * *", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *");
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private final String text;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean eitherDay;

    private CronExpression(String text, String[] fields) {
        this.text = text;
        this.minutes = field("minute", fields[0], 0, 59, List.of(), 0);
        this.hours = field("hour", fields[1], 0, 23, List.of(), 0);
        this.daysOfMonth = field("day of month", fields[2], 1, 31, List.of(), 0);
        this.months = field("month", fields[3], 1, 12, MONTHS, 1);
        BitSet dow = field("day of week", fields[4], 0, 7, DAYS, 0);
        if (dow.get(7)) {
            dow.set(0);
            dow.clear(7);
        }
        this.daysOfWeek = dow;
        this.eitherDay = !fields[2].startsWith("*") && !fields[4].startsWith("*");
    }

    public static CronExpression parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new InvalidSchedule("empty cron expression");
        }
        String trimmed = expression.trim();
        String expanded = MACROS.getOrDefault(trimmed.toLowerCase(Locale.ROOT), trimmed);
        String[] fields = expanded.split("\\s+");
        if (fields.length != 5) {
            throw new InvalidSchedule("a cron expression has 5 fields (minute hour day-of-month month day-of-week), '"
                    + expression + "' has " + fields.length);
        }
        CronExpression cron = new CronExpression(trimmed, fields);
        if (!cron.canEverRun()) {
            throw new InvalidSchedule("'" + expression + "' never runs (no such day in any of its months)");
        }
        return cron;
    }

    @Override
    public List<Instant> occurrences(Instant from, Instant to, int limit) {
        List<Instant> runs = new ArrayList<>();
        LocalDate last = to.atZone(ZoneOffset.UTC).toLocalDate();
        for (LocalDate day = from.atZone(ZoneOffset.UTC).toLocalDate(); !day.isAfter(last); day = day.plusDays(1)) {
            if (!runsOn(day)) {
                continue;
            }
            long midnight = day.toEpochDay() * 86_400;
            for (int h = hours.nextSetBit(0); h >= 0; h = hours.nextSetBit(h + 1)) {
                for (int m = minutes.nextSetBit(0); m >= 0; m = minutes.nextSetBit(m + 1)) {
                    Instant run = Instant.ofEpochSecond(midnight + h * 3600L + m * 60L);
                    if (!run.isBefore(from) && run.isBefore(to)) {
                        if (runs.size() == limit) {
                            throw new InvalidSchedule("'" + text + "' runs more than " + limit + " times between " + from + " and " + to);
                        }
                        runs.add(run);
                    }
                }
            }
        }
        return runs;
    }

    boolean runsOn(LocalDate day) {
        if (!months.get(day.getMonthValue())) {
            return false;
        }
        boolean dom = daysOfMonth.get(day.getDayOfMonth());
        boolean dow = daysOfWeek.get(day.getDayOfWeek().getValue() % 7);
        return eitherDay ? dom || dow : dom && dow;
    }

    // "0 0 30 2 *" would otherwise be accepted and never run; 29 February counts (leap years).
    private boolean canEverRun() {
        if (eitherDay && !daysOfWeek.isEmpty()) {
            return true;
        }
        int[] longest = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        for (int month = months.nextSetBit(1); month >= 0; month = months.nextSetBit(month + 1)) {
            if (daysOfMonth.nextSetBit(1) <= longest[month] && daysOfMonth.nextSetBit(1) >= 1) {
                return true;
            }
        }
        return false;
    }

    private static BitSet field(String name, String spec, int min, int max, List<String> names, int nameBase) {
        BitSet bits = new BitSet(max + 1);
        for (String part : spec.split(",", -1)) {
            String range = part;
            int step = 1;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                step = number(name, part.substring(slash + 1), 1, max - min + 1, List.of(), 0);
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", -1);
                if (ends.length != 2) {
                    throw new InvalidSchedule("bad " + name + " range '" + range + "'");
                }
                lo = number(name, ends[0], min, max, names, nameBase);
                hi = number(name, ends[1], min, max, names, nameBase);
                if (lo > hi) {
                    throw new InvalidSchedule(name + " range '" + range + "' runs backwards");
                }
            } else {
                lo = number(name, range, min, max, names, nameBase);
                hi = slash >= 0 ? max : lo;
            }
            for (int v = lo; v <= hi; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String name, String token, int min, int max, List<String> names, int nameBase) {
        int named = names.indexOf(token.toUpperCase(Locale.ROOT));
        if (named >= 0) {
            return named + nameBase;
        }
        try {
            int value = Integer.parseInt(token);
            if (value < min || value > max) {
                throw new InvalidSchedule(name + " " + value + " is outside " + min + "-" + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidSchedule("bad " + name + " '" + token + "'");
        }
    }

    @Override
    public String toString() {
        return text;
    }
}

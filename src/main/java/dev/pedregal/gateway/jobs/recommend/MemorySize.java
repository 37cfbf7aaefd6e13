package dev.pedregal.gateway.jobs.recommend;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Spark's memory sizes ({@code 512m}, {@code 8g}) in MiB and back. */
final class MemorySize {

    private static final Pattern SIZE = Pattern.compile("([0-9]+)([kmgt]?)b?");

    private MemorySize() {
    }

    /** The size in MiB (kibibytes rounded up); empty when it is not a Spark size. */
    static OptionalLong mebibytes(String size) {
        Matcher m = SIZE.matcher(size.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        long n = Long.parseLong(m.group(1));
        return OptionalLong.of(switch (m.group(2)) {
            case "k" -> (n + 1023) / 1024;
            case "g" -> n * 1024;
            case "t" -> n * 1024 * 1024;
            default -> n; // Spark reads a bare number as MiB for these settings
        });
    }

    /** {@code 5g} when whole gibibytes, else {@code 4608m}. */
    static String format(long mebibytes) {
        return mebibytes % 1024 == 0 ? mebibytes / 1024 + "g" : mebibytes + "m";
    }
}

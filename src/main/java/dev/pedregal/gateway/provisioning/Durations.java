package dev.pedregal.gateway.provisioning;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations the API accepts: ISO-8601 ({@code PT4H}) or a number and a unit ({@code 90m, 4h, 2d}). */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,6})([smhd])");

    private Durations() {
    }

    public static Duration parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new ProvisioningFailure.Invalid(field, "is required");
        }
        Matcher m = SHORT.matcher(text.trim());
        Duration d;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                throw new ProvisioningFailure.Invalid(field, "'" + text + "' is not a duration: use e.g. 90m, 4h, 2d or PT4H");
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new ProvisioningFailure.Invalid(field, "must be positive");
        }
        return d;
    }
}

package dev.pedregal.gateway.capacity;

import java.util.regex.Pattern;

/**
 * Redis key names of the calendar. Every key of a pool carries the hash tag {@code {pool}}, so a pool lives in
 * one Redis Cluster slot and each calendar function touches a single slot.
 */
final class CalendarKeys {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    private CalendarKeys() {
    }

    /** Names end up inside Redis keys and hash tags: no braces, no spaces, bounded. */
    static String requireName(String what, String name) {
        if (!isName(name)) {
            throw new IllegalArgumentException(what + " must match " + NAME.pattern() + ": " + name);
        }
        return name;
    }

    // NAME, checked by hand: every reservation checks four names, and a regex match allocates each time.
    private static boolean isName(String name) {
        if (name == null || name.isEmpty() || name.length() > 128) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String tag(String pool) {
        return "pc:{" + pool + "}:";
    }

    static String slicePrefix(String pool) {
        return tag(pool) + "s:";
    }

    static String reservationPrefix(String pool) {
        return tag(pool) + "r:";
    }

    static String reservation(String pool, String id) {
        return reservationPrefix(pool) + id;
    }

    static String holds(String pool) {
        return tag(pool) + "holds";
    }

    static String ready(String pool) {
        return tag(pool) + "ready";
    }

    /** A rate-limited key gets a tag of its own, so limits spread over the cluster. */
    static String rate(String key) {
        return "pr:{" + requireName("rate-limit key", key) + "}";
    }
}

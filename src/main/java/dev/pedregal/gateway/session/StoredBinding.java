package dev.pedregal.gateway.session;

/**
 * A binding as stored in Redis: {@code B|driver|host:port} for a live session, {@code L|driver|reason} for a
 * tombstone. A plain string, so that nothing needs reflection to read it.
 */
record StoredBinding(String driverId, String endpoint, String lostReason) {

    static StoredBinding bound(String driverId, String endpoint) {
        return new StoredBinding(driverId, endpoint == null ? "" : endpoint, null);
    }

    static StoredBinding lost(String driverId, String reason) {
        return new StoredBinding(driverId, "", reason);
    }

    boolean isLost() {
        return lostReason != null;
    }

    String encode() {
        return isLost() ? "L|" + driverId + "|" + lostReason : "B|" + driverId + "|" + endpoint;
    }

    /** The stored value, or null for anything this version does not understand. */
    static StoredBinding parse(String value) {
        if (value == null || value.length() < 4 || value.charAt(1) != '|') {
            return null;
        }
        int bar = value.indexOf('|', 2);
        if (bar < 0) {
            return null;
        }
        String driver = value.substring(2, bar);
        String rest = value.substring(bar + 1);
        return switch (value.charAt(0)) {
            case 'B' -> bound(driver, rest);
            case 'L' -> lost(driver, rest);
            default -> null;
        };
    }
}

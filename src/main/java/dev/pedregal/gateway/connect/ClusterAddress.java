package dev.pedregal.gateway.connect;

import java.util.Locale;

/**
 * Which provisioned cluster a call is for: the {@code x-spark-cluster} metadata when present, otherwise the
 * host the client dialled ({@code :authority}, which is also the TLS SNI name) when it is
 * {@code <cluster>.<base-domain>}. Any other host means the team's hot pool.
 */
final class ClusterAddress {

    private final String suffix;

    ClusterAddress(String baseDomain) {
        this.suffix = "." + baseDomain.toLowerCase(Locale.ROOT);
    }

    /** The cluster name, or null for none. */
    String clusterOf(String header, String authority) {
        if (header != null && !header.isBlank()) {
            return header.trim().toLowerCase(Locale.ROOT);
        }
        if (authority == null) {
            return null;
        }
        String host = authority;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(suffix) && host.length() > suffix.length()) {
            String label = host.substring(0, host.length() - suffix.length());
            return label.indexOf('.') < 0 ? label : null;
        }
        return null;
    }
}

package dev.pedregal.gateway.capacity;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What loading the Functions library found on each primary: the version it holds afterwards (and whether this
 * load put it there), or why it failed there (unreachable, most often).
 *
 * @param library   the library's name
 * @param version   the version this gateway ships
 * @param primaries one outcome per primary
 */
public record LibraryReport(String library, int version, List<OnPrimary> primaries) {

    public sealed interface OnPrimary permits Held, Failed {
        String primary();
    }

    /** The primary holds {@code version} of the library; {@code loaded} when this load put it there. */
    public record Held(String primary, int version, boolean loaded) implements OnPrimary {
    }

    public record Failed(String primary, String reason) implements OnPrimary {
    }

    public List<Held> held() {
        return primaries.stream().filter(Held.class::isInstance).map(Held.class::cast).toList();
    }

    public List<Failed> failed() {
        return primaries.stream().filter(Failed.class::isInstance).map(Failed.class::cast).toList();
    }

    /** The newest version a primary holds; 0 when none holds one. */
    public int newest() {
        return held().stream().mapToInt(Held::version).max().orElse(0);
    }

    @Override
    public String toString() {
        String held = held().stream()
                .map(h -> h.primary() + " v" + h.version() + (h.loaded() ? " (loaded)" : h.version() > version ? " (newer, kept)" : ""))
                .collect(Collectors.joining(", "));
        String failed = failed().stream().map(u -> u.primary() + " (" + u.reason() + ")").collect(Collectors.joining(", "));
        return library + " v" + version + ": " + (held.isEmpty() ? "on no primary" : "on " + held)
                + (failed.isEmpty() ? "" : "; failed on " + failed);
    }
}

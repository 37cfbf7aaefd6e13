package dev.pedregal.gateway.jobs;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The images jobs may run. An entry is an image prefix ({@code registry.example/spark-platform/}) or, written
 * {@code regex:...}, a regular expression the whole image reference must match. Prefixes should end at a path
 * separator or tag so that {@code spark-platform/} does not also admit {@code spark-platform-evil/}.
 */
public final class ImageAllowlist {

    private static final String REGEX = "regex:";

    private final List<String> entries;
    private final List<Pattern> patterns;

    public ImageAllowlist(List<String> entries) {
        this.entries = List.copyOf(entries);
        this.patterns = this.entries.stream().map(ImageAllowlist::pattern).toList();
    }

    public boolean allows(String image) {
        return patterns.stream().anyMatch(p -> p.matcher(image).matches());
    }

    /** The entries as configured, to tell a refused caller what is allowed. */
    public List<String> entries() {
        return entries;
    }

    private static Pattern pattern(String entry) {
        // A malformed regex fails here, at start-up, not on the first submit.
        return entry.startsWith(REGEX) ? Pattern.compile(entry.substring(REGEX.length()))
                : Pattern.compile(Pattern.quote(entry) + ".*", Pattern.DOTALL);
    }
}

package dev.pedregal.gateway.capacity;

import java.util.List;

/**
 * What a rebuild did.
 *
 * @param restored reservations re-created in Redis
 * @param skipped  reservations Redis already knew (or that ended long ago): left alone
 * @param pools    pools marked ready
 */
public record RebuildReport(int restored, int skipped, List<String> pools) {
}

package dev.pedregal.gateway.capacity;

/** What one slice of a pool has booked, against what it can hold: one cell of a heatmap. */
public record SliceUsage(Slice slice, Resources used, Resources capacity) {
}

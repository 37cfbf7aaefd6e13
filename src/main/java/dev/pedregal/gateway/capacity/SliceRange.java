package dev.pedregal.gateway.capacity;

/** Consecutive slices: {@code count} of them from the slice index {@code first}. */
record SliceRange(long first, int count) {

    SliceRange {
        if (count < 1) {
            throw new IllegalArgumentException("a slice range holds at least one slice, not " + count);
        }
    }

    long last() {
        return first + count - 1;
    }
}

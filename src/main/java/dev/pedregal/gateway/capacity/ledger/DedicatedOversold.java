package dev.pedregal.gateway.capacity.ledger;

import dev.pedregal.gateway.capacity.Resources;

/** A dedicated share larger than what the pool has not already sold for (part of) the same validity. */
public final class DedicatedOversold extends RuntimeException {

    public DedicatedOversold(String pool, Resources total, Resources sold, Resources requested) {
        super("pool " + pool + " has " + total + " in all, " + sold + " of it already sold as dedicated shares overlapping"
                + " this validity; " + requested + " more does not fit", null, false, false);
    }
}

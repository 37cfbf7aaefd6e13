package dev.pedregal.gateway.capacity;

import java.util.function.UnaryOperator;

/** The shipped Functions library, and texts of it as gateways of other versions would load them. */
final class LibraryVariants {

    static final FunctionsLibrary SHIPPED = FunctionsLibrary.fromResource(CapacityFunctions.LIBRARY_RESOURCE);

    private LibraryVariants() {
    }

    /** The shipped text changed, under another version. */
    static FunctionsLibrary withVersion(int version, UnaryOperator<String> change) {
        return FunctionsLibrary.of(change.apply(SHIPPED.code()
                .replace("local VERSION = " + SHIPPED.version(), "local VERSION = " + version)));
    }

    /** What a gateway of the previous version loads: the shipped text changed, one version lower (so it gets replaced). */
    static FunctionsLibrary older(UnaryOperator<String> change) {
        return withVersion(SHIPPED.version() - 1, change);
    }
}

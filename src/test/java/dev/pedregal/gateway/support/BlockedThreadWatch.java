package dev.pedregal.gateway.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects Vert.x blocked-thread warnings (the test profile lowers the threshold), so a test can assert that
 * nothing it exercised blocked an event loop.
 */
public final class BlockedThreadWatch extends Handler {

    private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    public static BlockedThreadWatch install() {
        BlockedThreadWatch watch = new BlockedThreadWatch();
        Logger.getLogger(CHECKER).addHandler(watch);
        return watch;
    }

    public void uninstall() {
        Logger.getLogger(CHECKER).removeHandler(this);
    }

    public List<String> warnings() {
        return warnings;
    }

    @Override
    public void publish(LogRecord record) {
        String message = record.getMessage();
        if (message != null && message.contains("blocked")) {
            warnings.add(message);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}

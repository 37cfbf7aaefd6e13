package dev.pedregal.gateway.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.placement.PoolKey;

class SessionBindingTest {

    private final SessionBinding binding = new SessionBinding(
            new SessionKey(new PoolKey("analytics", "dev"), "alice", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), "driver-1", true);

    @Test
    void anRpcInTheSameMillisecondAsTheRefreshStillCountsAsUse() {
        binding.synced(System.currentTimeMillis());
        binding.touch();
        binding.synced(binding.lastUsedMillis()); // a refresh stamped with the very millisecond of the RPC
        assertTrue(binding.takeUse(), "the RPC is not lost to the refresh's timestamp");
        assertFalse(binding.takeUse(), "taken once: the next refresh has nothing to extend");
    }

    @Test
    void aUseTakenForARefreshThatFailedIsKeptForTheNextOne() {
        binding.touch();
        assertTrue(binding.takeUse());
        binding.keepUse();
        assertTrue(binding.takeUse());
    }
}

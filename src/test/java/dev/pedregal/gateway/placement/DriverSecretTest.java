package dev.pedregal.gateway.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Every replica derives the same driver secret for a pool from the shared key; pools and keys keep them apart. */
class DriverSecretTest {

    static final PoolKey ANALYTICS = new PoolKey("analytics", "dev");

    @Test
    void aSharedKeyGivesEveryReplicaTheSameSecretPerPool() {
        String key = "shared-key";
        assertEquals(DriverPool.secret(ANALYTICS, Optional.of(key)), DriverPool.secret(ANALYTICS, Optional.of(key)));
        assertNotEquals(DriverPool.secret(ANALYTICS, Optional.of(key)),
                DriverPool.secret(new PoolKey("marketing", "dev"), Optional.of(key)), "one secret per pool");
        assertNotEquals(DriverPool.secret(ANALYTICS, Optional.of(key)), DriverPool.secret(ANALYTICS, Optional.of("other")));
        assertFalse(DriverPool.secret(ANALYTICS, Optional.of(key)).contains(key), "the key is not readable in the secret");
    }

    @Test
    void withoutAKeyEachPoolGetsARandomSecret() {
        assertNotEquals(DriverPool.secret(ANALYTICS, Optional.empty()), DriverPool.secret(ANALYTICS, Optional.empty()));
        assertNotEquals(DriverPool.secret(ANALYTICS, Optional.of("")), DriverPool.secret(ANALYTICS, Optional.of("")));
    }
}

package dev.pedregal.gateway.admission;

import static dev.pedregal.gateway.support.ConnectClient.newSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.capacity.CapacityCalendar;
import dev.pedregal.gateway.capacity.SliceUsage;
import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.RedisResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * New sessions reserve their driver's share in the capacity calendar (a real Redis): a pool with room for two
 * sessions refuses the third with the facts, and the share comes back when a session ends.
 */
@QuarkusTest
@TestProfile(SessionCapacityTest.TwoSessions.class)
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
class SessionCapacityTest {

    /** Drivers of 1 vCPU / 768 MiB shared by 4 sessions: a session reserves 250 mCPU, 192 MiB; the pool holds 2. */
    public static class TwoSessions implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.pool.warm-drivers", "1",
                    "pedregal.capacity.pools.local-dev.vcpu", "0.5",
                    "pedregal.capacity.pools.local-dev.memory-mib", "100000");
        }
    }

    @Inject
    CapacityCalendar calendar;

    @Test
    void aSessionBeyondThePoolIsRefusedWithTheShortfallAndItsShareReturnsWhenASessionEnds() throws Exception {
        Operator.awaitReadyDrivers(1);
        RedisResource.awaitCalendarReady(calendar);
        try (ConnectClient client = new ConnectClient()) {
            String first = newSession();
            String second = newSession();
            client.set("ann", first, "spark.sql.shuffle.partitions", "3");
            client.set("ben", second, "spark.sql.shuffle.partitions", "4");
            assertEquals(500, bookedNow(), "two sessions of 250 mCPU each are booked in the current slice");

            String third = newSession();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> client.set("cal", third, "spark.sql.shuffle.partitions", "5"));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            String message = e.getStatus().getDescription();
            assertTrue(message.contains("not enough capacity for team default"), message);
            assertTrue(message.contains("pool local-dev has 0 mCPU"), message);
            assertTrue(message.contains("short by 250 mCPU"), message);
            assertNull(Operator.session(third, "cal"), "a refused session leaves no binding");
            assertEquals(500, bookedNow(), "a refused session books nothing");

            // A running session is never refused on its later calls.
            assertEquals("3", client.get("ann", first, "spark.sql.shuffle.partitions"));

            client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(first)
                    .setUserContext(ConnectClient.user("ann")).build());
            awaitBooked(250);
            client.set("cal", third, "spark.sql.shuffle.partitions", "5");
            assertEquals("5", client.get("cal", third, "spark.sql.shuffle.partitions"));
            assertEquals(500, bookedNow());

            for (var s : List.of(Map.entry(second, "ben"), Map.entry(third, "cal"))) {
                client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(s.getKey())
                        .setUserContext(ConnectClient.user(s.getValue())).build());
            }
            awaitBooked(0);
        }
    }

    private long bookedNow() {
        Instant now = Instant.now();
        List<SliceUsage> slices = calendar.slices("local-dev", now, now.plusSeconds(1)).await().atMost(Duration.ofSeconds(5));
        return slices.get(0).used().vcpuMillis();
    }

    private void awaitBooked(long vcpuMillis) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (bookedNow() != vcpuMillis && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(vcpuMillis, bookedNow());
    }
}

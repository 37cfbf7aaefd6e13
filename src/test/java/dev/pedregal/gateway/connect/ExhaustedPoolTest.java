package dev.pedregal.gateway.connect;

import static dev.pedregal.gateway.support.ConnectClient.newSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.junit.jupiter.api.Test;

import com.google.rpc.RetryInfo;

import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.Operator;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A pool of one driver with one slot: the second session waits its bound, then is told to retry. */
@QuarkusTest
@TestProfile(ExhaustedPoolTest.OneSlot.class)
class ExhaustedPoolTest {

    public static class OneSlot implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pedregal.pool.warm-drivers", "1",
                    "pedregal.pool.max-drivers", "1",
                    "pedregal.pool.max-sessions-per-driver", "1",
                    "pedregal.connect.driver-wait", "2s",
                    "pedregal.connect.retry-after", "3s");
        }
    }

    @Test
    void noFreeDriverIsResourceExhaustedWithRetryInfoAndNeverUnavailable() throws Exception {
        Operator.awaitReadyDrivers(1);
        try (ConnectClient client = new ConnectClient()) {
            String first = newSession();
            client.set("ann", first, "spark.sql.shuffle.partitions", "3");

            String second = newSession();
            long start = System.nanoTime();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> client.set("ben", second, "spark.sql.shuffle.partitions", "4"));
            long waitedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(waitedMs >= 1500, "waited for a driver up to the bound before refusing (" + waitedMs + " ms)");
            RetryInfo retry = StatusProto.fromThrowable(e).getDetails(0).unpack(RetryInfo.class);
            assertEquals(3, retry.getRetryDelay().getSeconds());
            assertTrue(e.getStatus().getDescription().contains("no Spark driver"), e.getStatus().getDescription());
            assertEquals(null, Operator.session(second, "ben"), "a refused session leaves no binding");

            // Once the first session ends, its slot serves the next one.
            client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(first)
                    .setUserContext(ConnectClient.user("ann")).build());
            client.set("ben", second, "spark.sql.shuffle.partitions", "4");
            assertEquals("4", client.get("ben", second, "spark.sql.shuffle.partitions"));
            client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(second)
                    .setUserContext(ConnectClient.user("ben")).build());
        }
    }

    @Test
    void aWaitingSessionGetsTheSlotAsSoonAsItFrees() throws Exception {
        Operator.awaitReadyDrivers(1);
        try (ConnectClient client = new ConnectClient()) {
            String holder = newSession();
            client.set("cal", holder, "spark.sql.shuffle.partitions", "3");
            String waiter = newSession();
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ignored) {
                    return;
                }
                client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(holder)
                        .setUserContext(ConnectClient.user("cal")).build());
            });
            release.start();
            client.set("dee", waiter, "spark.sql.shuffle.partitions", "8");
            release.join();
            assertEquals("8", client.get("dee", waiter, "spark.sql.shuffle.partitions"));
            client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(waiter)
                    .setUserContext(ConnectClient.user("dee")).build());
        }
    }
}

package dev.pedregal.gateway.connect;

import static dev.pedregal.gateway.support.ConnectClient.newSession;
import static dev.pedregal.gateway.support.ConnectClient.sql;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.pedregal.gateway.support.BlockedThreadWatch;
import dev.pedregal.gateway.support.ConnectClient;
import dev.pedregal.gateway.support.Operator;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The front door against real Spark drivers, with a plain gRPC client: affinity, bad input and faults.
 * (The pyspark end-to-end suite covers the data engineer's view.)
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FrontDoorTest {

    static BlockedThreadWatch blocked;
    ConnectClient client;

    @BeforeAll
    static void watchEventLoops() {
        blocked = BlockedThreadWatch.install();
    }

    @AfterAll
    static void noEventLoopWasBlocked() {
        blocked.uninstall();
        assertEquals(java.util.List.of(), blocked.warnings(), "an event loop was blocked");
    }

    @BeforeEach
    void connect() {
        Operator.awaitReadyDrivers(1);
        client = new ConnectClient();
    }

    @org.junit.jupiter.api.AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    @Test
    @Order(1)
    void theSameSessionIdOfTwoUsersIsTwoSessions() {
        String session = newSession();
        client.set("alice", session, "spark.sql.shuffle.partitions", "7");
        client.set("bob", session, "spark.sql.shuffle.partitions", "9");
        for (int i = 0; i < 5; i++) {
            assertEquals("7", client.get("alice", session, "spark.sql.shuffle.partitions"));
            assertEquals("9", client.get("bob", session, "spark.sql.shuffle.partitions"));
        }
        Map<String, Object> alice = Operator.session(session, "alice");
        Map<String, Object> bob = Operator.session(session, "bob");
        assertNotNull(alice);
        assertNotNull(bob);
        assertEquals(6L, ((Number) alice.get("rpcs")).longValue(), "every RPC of alice's session was counted on it");
    }

    @Test
    @Order(2)
    void everyRpcOfASessionReachesOneDriver() {
        String session = newSession();
        client.set("carol", session, "spark.sql.shuffle.partitions", "3");
        String driverId = (String) Operator.session(session, "carol").get("driverId");
        long before = ((Number) Operator.driver(driverId).get("rpcs")).longValue();
        Iterator<ExecutePlanResponse> result = client.stub().executePlan(sql("carol", session,
                "select count(*) from range(1000)"));
        result.forEachRemaining(r -> {
        });
        assertEquals("3", client.get("carol", session, "spark.sql.shuffle.partitions"));
        long after = ((Number) Operator.driver(driverId).get("rpcs")).longValue();
        assertTrue(after - before >= 2, "ExecutePlan and Config went to the session's driver " + driverId);
        assertEquals(driverId, Operator.session(session, "carol").get("driverId"));
    }

    @Test
    @Order(3)
    void aSessionIdThatIsNotAUuidIsInvalidAndBindsNothing() {
        long before = Operator.forwardedRpcs();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.set("dave", "not-a-uuid", "k", "v"));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("session_id must be a UUID"));
        assertTrue(Operator.sessions().stream().noneMatch(s -> "not-a-uuid".equals(s.get("sessionId"))));
        assertEquals(before, Operator.forwardedRpcs(), "no driver was called");
    }

    @Test
    @Order(4)
    void garbageIsInvalidAndTheConnectionLivesOn() {
        long before = Operator.forwardedRpcs();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.rawUnary(
                "spark.connect.SparkConnectService/Config", new byte[] { (byte) 0xff, (byte) 0xff, (byte) 0xff }));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("malformed Config request"));
        assertEquals(before, Operator.forwardedRpcs(), "no driver was called");
        // Same channel, same connection: a valid call still works.
        String session = newSession();
        client.set("erin", session, "spark.sql.shuffle.partitions", "5");
        assertEquals("5", client.get("erin", session, "spark.sql.shuffle.partitions"));
    }

    @Test
    @Order(5)
    void aMessageOverTheLimitIsRefusedBeforeItIsBuffered() {
        byte[] huge = new byte[129 * 1024 * 1024];
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.rawUnary("spark.connect.SparkConnectService/Config", huge));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        String session = newSession();
        client.set("frank", session, "spark.sql.shuffle.partitions", "4");
        assertEquals("4", client.get("frank", session, "spark.sql.shuffle.partitions"));
    }

    @Test
    @Order(5)
    void aCompressedMessageThatInflatesPastTheLimitIsRefused() {
        long before = Operator.forwardedRpcs();
        // 129 MiB of zeros: about 130 KB once gzipped, so only the inflated size can exceed the limit.
        byte[] inflatesPastTheLimit = new byte[129 * 1024 * 1024];
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.rawUnaryGzipped("spark.connect.SparkConnectService/Config", inflatesPastTheLimit));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getMessage());
        assertEquals(before, Operator.forwardedRpcs(), "no driver was called");
        String session = newSession();
        client.set("frank", session, "spark.sql.shuffle.partitions", "5");
        assertEquals("5", client.get("frank", session, "spark.sql.shuffle.partitions"), "the connection still works");
    }

    @Test
    @Order(6)
    void unknownMethodsAreUnimplemented() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.rawUnary("spark.connect.SparkConnectService/NoSuchMethod", new byte[0]));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        e = assertThrows(StatusRuntimeException.class, () -> client.rawUnary("no.such.Service/Call", new byte[0]));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    }

    @Test
    @Order(7)
    void aHeaderListOverTheLimitNeverReachesADriver() {
        long before = Operator.forwardedRpcs();
        Metadata big = new Metadata();
        big.put(Metadata.Key.of("x-padding", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(20 * 1024));
        byte[] request = ConfigRequest.newBuilder().setSessionId(newSession())
                .setUserContext(ConnectClient.user("gina")).build().toByteArray();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.rawUnary("spark.connect.SparkConnectService/Config", request, big));
        assertNotEquals(Status.Code.OK, e.getStatus().getCode());
        assertEquals(before, Operator.forwardedRpcs(), "no driver was called");
    }

    @Test
    @Order(8)
    void continuingAnUnknownSessionIsNotFoundButReleasingItIsANoOp() {
        String session = newSession();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.stub()
                .reattachExecute(ReattachExecuteRequest.newBuilder().setSessionId(session)
                        .setUserContext(ConnectClient.user("hank")).setOperationId(newSession()).build())
                .hasNext());
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals(session, client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(session)
                .setUserContext(ConnectClient.user("hank")).build()).getSessionId());
        assertNull(Operator.session(session, "hank"));
    }

    @Test
    @Order(9)
    void releasingASessionFreesItsBindingAndSlot() {
        String session = newSession();
        client.set("ivan", session, "spark.sql.shuffle.partitions", "2");
        String driverId = (String) Operator.session(session, "ivan").get("driverId");
        int sessionsBefore = ((Number) Operator.driver(driverId).get("sessions")).intValue();
        client.stub().releaseSession(ReleaseSessionRequest.newBuilder().setSessionId(session)
                .setUserContext(ConnectClient.user("ivan")).build());
        assertNull(Operator.session(session, "ivan"));
        assertEquals(sessionsBefore - 1, ((Number) Operator.driver(driverId).get("sessions")).intValue());
    }

    @Test
    @Order(10)
    void theClientsDeadlineTravelsToTheDriver() {
        String session = newSession();
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.stub()
                .withDeadlineAfter(1500, TimeUnit.MILLISECONDS)
                .executePlan(sql("judy", session, "select count(*) from range(0, 200000000000)"))
                .forEachRemaining(r -> {
                }));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 15);
    }

    @Test
    @Order(11)
    void http2LimitsAreAdvertised() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", ConnectClient.PORT)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }); // empty SETTINGS
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
            int type = in.readUnsignedByte();
            in.readUnsignedByte();
            in.readInt();
            assertEquals(4, type, "the server's first frame is SETTINGS");
            Long maxStreams = null;
            Long maxHeaderList = null;
            for (int read = 0; read < length; read += 6) {
                int id = in.readUnsignedShort();
                long value = Integer.toUnsignedLong(in.readInt());
                if (id == 3) {
                    maxStreams = value;
                } else if (id == 6) {
                    maxHeaderList = value;
                }
            }
            assertEquals(100L, maxStreams, "MAX_CONCURRENT_STREAMS");
            assertEquals(16384L, maxHeaderList, "MAX_HEADER_LIST_SIZE");
        }
    }

    @Test
    @Order(12)
    void aClientConnectingStraightToADriverIsRefused() throws Exception {
        String endpoint = (String) Operator.drivers().get(0).get("endpoint");
        String[] hostPort = endpoint.split(":");
        io.grpc.ManagedChannel direct = io.grpc.ManagedChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
                .usePlaintext().build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> org.apache.spark.connect.proto.SparkConnectServiceGrpc
                    .newBlockingStub(direct).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .config(ConfigRequest.newBuilder().setSessionId(newSession()).setUserContext(ConnectClient.user("eve"))
                            .setOperation(ConfigRequest.Operation.newBuilder()
                                    .setGetAll(ConfigRequest.GetAll.getDefaultInstance()))
                            .build()));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        } finally {
            direct.shutdownNow();
        }
    }

    @Test
    @Order(13)
    void theDriverSecretNeverReachesAClient() {
        String session = newSession();
        String value = client.get("fay", session, "spark.connect.authenticate.token");
        assertEquals(SecretRedaction.REDACTED, value);
        var all = client.stub().config(ConfigRequest.newBuilder().setSessionId(session)
                .setUserContext(ConnectClient.user("fay"))
                .setOperation(ConfigRequest.Operation.newBuilder().setGetAll(ConfigRequest.GetAll.getDefaultInstance()))
                .build());
        var token = all.getPairsList().stream().filter(p -> p.getKey().equals("spark.connect.authenticate.token")).findFirst();
        token.ifPresent(p -> assertEquals(SecretRedaction.REDACTED, p.getValue()));
        assertTrue(all.getPairsCount() > 5, "getAll still answers the rest");
    }

    @Test
    @Order(100)
    void aDriverKilledMidQueryLosesItsSessionClearlyAndThePoolRefills() throws Exception {
        String session = newSession();
        client.set("kim", session, "spark.sql.shuffle.partitions", "2");
        String driverId = (String) Operator.session(session, "kim").get("driverId");
        long pid = Operator.pid(Operator.driver(driverId));
        Iterator<ExecutePlanResponse> running = client.stub()
                .executePlan(sql("kim", session, "select count(*) from range(0, 300000000000)"));
        Thread.sleep(1500);
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        long killed = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> running.forEachRemaining(r -> {
        }));
        assertTrue(Duration.ofNanos(System.nanoTime() - killed).toSeconds() < 10, "told within seconds");
        assertEquals(Status.Code.ABORTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("SESSION_DRIVER_LOST"), e.getStatus().getDescription());

        // Never re-pinned: the next RPC of the session gets the same answer, not a fresh session elsewhere.
        StatusRuntimeException next = assertThrows(StatusRuntimeException.class,
                () -> client.get("kim", session, "spark.sql.shuffle.partitions"));
        assertEquals(Status.Code.ABORTED, next.getStatus().getCode());
        assertEquals("LOST", Operator.session(session, "kim").get("state"));

        Operator.await("the killed driver to leave the pool", Duration.ofSeconds(30), () -> Operator.driver(driverId) == null);
        Operator.awaitReadyDrivers(2);
        String fresh = newSession();
        client.set("kim", fresh, "spark.sql.shuffle.partitions", "6");
        assertEquals("6", client.get("kim", fresh, "spark.sql.shuffle.partitions"));
    }
}

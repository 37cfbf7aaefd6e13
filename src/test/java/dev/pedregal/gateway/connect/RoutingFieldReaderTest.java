package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.apache.spark.connect.proto.AddArtifactsRequest;
import org.apache.spark.connect.proto.AnalyzePlanRequest;
import org.apache.spark.connect.proto.ArtifactStatusesRequest;
import org.apache.spark.connect.proto.CloneSessionRequest;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.ExecutePlanResponse;
import org.apache.spark.connect.proto.FetchErrorDetailsRequest;
import org.apache.spark.connect.proto.InterruptRequest;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.ReattachExecuteRequest;
import org.apache.spark.connect.proto.ReleaseExecuteRequest;
import org.apache.spark.connect.proto.ReleaseSessionRequest;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

class RoutingFieldReaderTest {

    static final String SESSION = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    static final String OP = "11111111-2222-3333-4444-555555555555";
    static final UserContext USER = UserContext.newBuilder().setUserId("alice").setUserName("Alice").build();

    /** One request of every type, built with the generated classes, and the operation id it carries. */
    static Stream<Arguments> requests() {
        Plan plan = Plan.newBuilder().setRoot(Relation.newBuilder().setSql(SQL.newBuilder().setQuery("select 1"))).build();
        return Stream.of(
                Arguments.of(ConnectMethod.EXECUTE_PLAN, ExecutePlanRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).setOperationId(OP).setPlan(plan).setClientType("test").build(), OP),
                Arguments.of(ConnectMethod.ANALYZE_PLAN, AnalyzePlanRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).setSparkVersion(AnalyzePlanRequest.SparkVersion.getDefaultInstance())
                        .build(), null),
                Arguments.of(ConnectMethod.CONFIG, ConfigRequest.newBuilder().setSessionId(SESSION).setUserContext(USER)
                        .setOperation(ConfigRequest.Operation.newBuilder().setGetAll(ConfigRequest.GetAll.getDefaultInstance()))
                        .build(), null),
                Arguments.of(ConnectMethod.ADD_ARTIFACTS, AddArtifactsRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).build(), null),
                Arguments.of(ConnectMethod.ARTIFACT_STATUS, ArtifactStatusesRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).addNames("a.jar").build(), null),
                Arguments.of(ConnectMethod.INTERRUPT, InterruptRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).setInterruptType(InterruptRequest.InterruptType.INTERRUPT_TYPE_OPERATION_ID)
                        .setOperationId(OP).build(), OP),
                Arguments.of(ConnectMethod.REATTACH_EXECUTE, ReattachExecuteRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).setOperationId(OP).setLastResponseId("r1").build(), OP),
                Arguments.of(ConnectMethod.RELEASE_EXECUTE, ReleaseExecuteRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).setOperationId(OP)
                        .setReleaseAll(ReleaseExecuteRequest.ReleaseAll.getDefaultInstance()).build(), OP),
                Arguments.of(ConnectMethod.RELEASE_SESSION, ReleaseSessionRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).build(), null),
                Arguments.of(ConnectMethod.FETCH_ERROR_DETAILS, FetchErrorDetailsRequest.newBuilder()
                        .setSessionId(SESSION).setUserContext(USER).setErrorId("e1").build(), null),
                Arguments.of(ConnectMethod.CLONE_SESSION, CloneSessionRequest.newBuilder().setSessionId(SESSION)
                        .setUserContext(USER).setNewSessionId(OP).build(), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void readsTheRoutingFieldsOfEveryRequestType(ConnectMethod method, Message request, String op) throws Exception {
        RoutingFields fields = RoutingFieldReader.read(method, request.toByteArray());
        assertEquals(SESSION, fields.sessionId());
        assertEquals("alice", fields.userId());
        assertEquals(op, fields.operationId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void fieldOrderDoesNotMatter(ConnectMethod method, Message request, String op) throws Exception {
        // Protobuf allows fields in any order: write them highest number first.
        byte[] reversed = reverseFieldOrder(request);
        assertFalse(Arrays.equals(reversed, request.toByteArray()), "the test must really reorder fields");
        RoutingFields fields = RoutingFieldReader.read(method, reversed);
        assertEquals(SESSION, fields.sessionId());
        assertEquals("alice", fields.userId());
        assertEquals(op, fields.operationId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void unknownFieldsOfEveryWireTypeAreSkipped(ConnectMethod method, Message request, String op) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt64(9001, 42);
        out.writeString(9002, "from a newer client");
        out.writeFixed32(9003, 7);
        out.writeFixed64(9004, 8);
        out.writeGroup(9005, USER); // deprecated group wire type
        out.flush();
        bytes.write(request.toByteArray());
        RoutingFields fields = RoutingFieldReader.read(method, bytes.toByteArray());
        assertEquals(SESSION, fields.sessionId());
        assertEquals("alice", fields.userId());
        assertEquals(op, fields.operationId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void truncatedRequestsAreRejected(ConnectMethod method, Message request, String op) {
        byte[] whole = request.toByteArray();
        // Cut inside the session id string: its length prefix then promises more bytes than there are.
        byte[] cut = Arrays.copyOf(whole, 10);
        assertThrows(InvalidProtocolBufferException.class, () -> RoutingFieldReader.read(method, cut));
    }

    @Test
    void garbageIsRejected() {
        assertThrows(InvalidProtocolBufferException.class,
                () -> RoutingFieldReader.read(ConnectMethod.CONFIG, new byte[] { (byte) 0xff, (byte) 0xff, (byte) 0xff }));
        assertThrows(InvalidProtocolBufferException.class,
                () -> RoutingFieldReader.read(ConnectMethod.CONFIG, new byte[] { 0x0a, 0x05, 'a' }));
    }

    @Test
    void anEmptyMessageHasNoSession() throws Exception {
        RoutingFields fields = RoutingFieldReader.read(ConnectMethod.CONFIG, new byte[0]);
        assertEquals("", fields.sessionId());
        assertEquals("", fields.userId());
        assertNull(fields.operationId());
    }

    @Test
    void repeatedUserContextsMergeLikeProtobufDoes() throws Exception {
        byte[] first = ConfigRequest.newBuilder().setUserContext(UserContext.newBuilder().setUserId("mallory")).build()
                .toByteArray();
        byte[] second = ConfigRequest.newBuilder().setSessionId(SESSION)
                .setUserContext(UserContext.newBuilder().setUserName("no id here")).build().toByteArray();
        byte[] both = concat(first, second);
        assertEquals(ConfigRequest.parseFrom(both).getUserContext().getUserId(),
                RoutingFieldReader.read(ConnectMethod.CONFIG, both).userId());
    }

    @Test
    void locatesTheUserContextBytes() throws Exception {
        byte[] bytes = ConfigRequest.newBuilder().setSessionId(SESSION).setUserContext(USER).setClientType("t")
                .build().toByteArray();
        RoutingFields fields = RoutingFieldReader.read(ConnectMethod.CONFIG, bytes);
        byte[] expected = ConfigRequest.newBuilder().setUserContext(USER).build().toByteArray();
        assertArrayEquals(expected, Arrays.copyOfRange(bytes, fields.userContextOffset(),
                fields.userContextOffset() + fields.userContextLength()));
    }

    @Test
    void tellsReleaseAllFromReleaseUntil() throws Exception {
        byte[] all = ReleaseExecuteRequest.newBuilder().setSessionId(SESSION).setOperationId(OP)
                .setReleaseAll(ReleaseExecuteRequest.ReleaseAll.getDefaultInstance()).build().toByteArray();
        byte[] until = ReleaseExecuteRequest.newBuilder().setSessionId(SESSION).setOperationId(OP)
                .setReleaseUntil(ReleaseExecuteRequest.ReleaseUntil.newBuilder().setResponseId("r9")).build().toByteArray();
        assertTrue(RoutingFieldReader.read(ConnectMethod.RELEASE_EXECUTE, all).releaseAll());
        assertFalse(RoutingFieldReader.read(ConnectMethod.RELEASE_EXECUTE, until).releaseAll());
    }

    @Test
    void readsTheOperationIdOfAnExecutePlanResponse() {
        byte[] response = ExecutePlanResponse.newBuilder().setSessionId(SESSION).setOperationId(OP)
                .setResponseId("r1").build().toByteArray();
        assertEquals(OP, RoutingFieldReader.operationIdOfResponse(response));
        assertNull(RoutingFieldReader.operationIdOfResponse(new byte[] { (byte) 0xff }));
    }

    /** Re-encodes a message with its fields in descending field-number order. */
    static byte[] reverseFieldOrder(Message message) {
        List<byte[]> parts = message.getAllFields().entrySet().stream()
                .sorted((a, b) -> Integer.compare(b.getKey().getNumber(), a.getKey().getNumber()))
                .map(e -> message.newBuilderForType().setField(e.getKey(), e.getValue()).build().toByteArray())
                .toList();
        return parts.stream().reduce(new byte[0], RoutingFieldReaderTest::concat);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

}

package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.connect.proto.AddArtifactsRequest;
import org.apache.spark.connect.proto.ConfigRequest;
import org.apache.spark.connect.proto.ExecutePlanRequest;
import org.apache.spark.connect.proto.Plan;
import org.apache.spark.connect.proto.Relation;
import org.apache.spark.connect.proto.SQL;
import org.apache.spark.connect.proto.UserContext;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;

class UserStampTest {

    static final String SESSION = RoutingFieldReaderTest.SESSION;

    @Test
    void overwritesTheClaimedUserAndKeepsEverythingElse() throws Exception {
        UserContext claimed = UserContext.newBuilder().setUserId("victim").setUserName("Victim")
                .addExtensions(Any.pack(StringValue.of("plugin data"))).build();
        ExecutePlanRequest request = ExecutePlanRequest.newBuilder().setSessionId(SESSION).setUserContext(claimed)
                .setOperationId("op").setClientType("pyspark")
                .setPlan(Plan.newBuilder().setRoot(Relation.newBuilder().setSql(SQL.newBuilder().setQuery("select 1"))))
                .build();
        byte[] bytes = request.toByteArray();
        byte[] stamped = UserStamp.stamp(bytes, RoutingFieldReader.read(ConnectMethod.EXECUTE_PLAN, bytes), "alice");
        ExecutePlanRequest forwarded = ExecutePlanRequest.parseFrom(stamped);
        assertEquals("alice", forwarded.getUserContext().getUserId());
        assertEquals("alice", forwarded.getUserContext().getUserName());
        assertEquals(claimed.getExtensionsList(), forwarded.getUserContext().getExtensionsList());
        assertEquals(request.toBuilder().clearUserContext().build(), forwarded.toBuilder().clearUserContext().build(),
                "nothing but the user context changed");
    }

    @Test
    void addsAUserContextWhenTheClientSentNone() throws Exception {
        byte[] bytes = ConfigRequest.newBuilder().setSessionId(SESSION).build().toByteArray();
        byte[] stamped = UserStamp.stamp(bytes, RoutingFieldReader.read(ConnectMethod.CONFIG, bytes), "bob");
        assertEquals("bob", ConfigRequest.parseFrom(stamped).getUserContext().getUserId());
        assertEquals(SESSION, ConfigRequest.parseFrom(stamped).getSessionId());
    }

    @Test
    void aRepeatedUserContextCannotSmuggleTheClaimedUserBack() throws Exception {
        byte[] first = ConfigRequest.newBuilder().setUserContext(UserContext.newBuilder().setUserId("victim")).build()
                .toByteArray();
        byte[] second = ConfigRequest.newBuilder().setSessionId(SESSION)
                .setUserContext(UserContext.newBuilder().setUserName("x")).build().toByteArray();
        byte[] both = RoutingFieldReaderTest.concat(first, second);
        byte[] stamped = UserStamp.stamp(both, RoutingFieldReader.read(ConnectMethod.CONFIG, both), "alice");
        assertEquals("alice", ConfigRequest.parseFrom(stamped).getUserContext().getUserId());
    }

    @Test
    void readsWhetherAnExecutionIsReattachable() throws Exception {
        ExecutePlanRequest.Builder request = ExecutePlanRequest.newBuilder().setSessionId(SESSION);
        assertTrue(!RoutingFieldReader.read(ConnectMethod.EXECUTE_PLAN, request.build().toByteArray()).reattachable());
        request.addRequestOptions(ExecutePlanRequest.RequestOption.newBuilder()
                .setReattachOptions(org.apache.spark.connect.proto.ReattachOptions.newBuilder().setReattachable(true)));
        assertTrue(RoutingFieldReader.read(ConnectMethod.EXECUTE_PLAN, request.build().toByteArray()).reattachable());
    }

    @Test
    void stampsStreamedArtifactMessagesToo() throws Exception {
        byte[] bytes = AddArtifactsRequest.newBuilder().setSessionId(SESSION)
                .setUserContext(UserContext.newBuilder().setUserId("victim")).build().toByteArray();
        byte[] stamped = UserStamp.stamp(bytes, RoutingFieldReader.read(ConnectMethod.ADD_ARTIFACTS, bytes), "carol");
        assertEquals("carol", AddArtifactsRequest.parseFrom(stamped).getUserContext().getUserId());
    }
}

package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Set;
import java.util.stream.Collectors;

import org.apache.spark.connect.proto.SparkConnectServiceGrpc;
import org.junit.jupiter.api.Test;

import io.grpc.MethodDescriptor;

class ConnectMethodTest {

    @Test
    void everyMethodOfTheProtocolHasARoutingRuleOfTheSameShape() {
        for (MethodDescriptor<?, ?> m : SparkConnectServiceGrpc.getServiceDescriptor().getMethods()) {
            ConnectMethod method = ConnectMethod.byRpcName(m.getBareMethodName());
            assertNotNull(method, "no routing rule for " + m.getFullMethodName());
            assertEquals(m.getType(), method.type(), m.getFullMethodName());
            assertEquals(m.getFullMethodName(), method.fullName());
        }
        Set<String> protocol = SparkConnectServiceGrpc.getServiceDescriptor().getMethods().stream()
                .map(MethodDescriptor::getBareMethodName).collect(Collectors.toSet());
        for (ConnectMethod method : ConnectMethod.values()) {
            assertEquals(true, protocol.contains(method.rpcName()), method + " is not in the protocol");
        }
    }
}

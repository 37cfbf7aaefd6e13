package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.google.rpc.RetryInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

class StatusMapperTest {

    @Test
    void noDriverIsResourceExhaustedWithRetryInfo() throws Exception {
        StatusRuntimeException e = StatusMapper.toStatus(
                new GatewayFailure.NoDriverAvailable("no driver free", Duration.ofMillis(2500)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        RetryInfo retry = details.getDetails(0).unpack(RetryInfo.class);
        assertEquals(2, retry.getRetryDelay().getSeconds());
        assertEquals(500_000_000, retry.getRetryDelay().getNanos());
        assertEquals("no driver free", e.getStatus().getDescription());
    }

    @Test
    void aLostDriverIsNotRetryableAndSaysWhatToDo() {
        StatusRuntimeException e = StatusMapper.toStatus(new GatewayFailure.DriverLost("s1", "drv-1", "killed"));
        // pyspark retries UNAVAILABLE on its own; a lost session must not look transient.
        assertEquals(Status.Code.ABORTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("SESSION_DRIVER_LOST"));
        assertTrue(e.getStatus().getDescription().contains("new SparkSession"));
    }

    @Test
    void eachFailureHasItsStatus() {
        assertEquals(Status.Code.INVALID_ARGUMENT,
                StatusMapper.toStatus(new GatewayFailure.InvalidRequest("x")).getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, StatusMapper.toStatus(new GatewayFailure.NotFound("x")).getStatus().getCode());
        assertEquals(Status.Code.UNAVAILABLE, StatusMapper.toStatus(new GatewayFailure.Draining()).getStatus().getCode());
        assertEquals(Status.Code.INTERNAL, StatusMapper.toStatus(new IllegalStateException()).getStatus().getCode());
    }
}

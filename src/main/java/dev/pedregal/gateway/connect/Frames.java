package dev.pedregal.gateway.connect;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Messages as opaque byte arrays: read once off the wire, written straight to the next hop without
 * re-encoding.
 */
final class Frames {

    /**
     * What {@link #MARSHALLER} answers for a compressed message that inflates past the size limit. gRPC enforces
     * that limit only while the message is read, here; left to propagate, the failure would reach the client as
     * UNKNOWN "Application error". The call's listener answers RESOURCE_EXHAUSTED instead (compared by identity).
     */
    static final byte[] OVERSIZED = new byte[0];

    static final Marshaller<byte[]> MARSHALLER = new Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new Frame(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                // gRPC's message stream knows its length: one copy into an array of the exact size, where
                // readAllBytes would gather 8 KiB chunks and copy them again.
                if (stream instanceof KnownLength) {
                    int length = stream.available();
                    byte[] message = new byte[length];
                    if (stream.readNBytes(message, 0, length) == length) {
                        return message;
                    }
                    throw new IllegalStateException("message shorter than its announced " + length + " bytes");
                }
                return stream.readAllBytes();
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                    return OVERSIZED;
                }
                throw e;
            } catch (IOException e) {
                throw new IllegalStateException("could not read message", e);
            }
        }
    };

    private Frames() {
    }

    /** A byte-array descriptor of a Spark Connect method, used both to serve it and to call a driver. */
    static MethodDescriptor<byte[], byte[]> descriptor(ConnectMethod method) {
        return MethodDescriptor.<byte[], byte[]> newBuilder()
                .setType(method.type())
                .setFullMethodName(method.fullName())
                .setRequestMarshaller(MARSHALLER)
                .setResponseMarshaller(MARSHALLER)
                .build();
    }

    /** Lets gRPC learn the size up front and drain the bytes without an intermediate copy. */
    private static final class Frame extends ByteArrayInputStream implements KnownLength, Drainable {
        Frame(byte[] bytes) {
            super(bytes);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
}

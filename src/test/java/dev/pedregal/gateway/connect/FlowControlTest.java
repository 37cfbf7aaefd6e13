package dev.pedregal.gateway.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * {@link FlowControl} relaying a server stream over real gRPC/Netty connections: a driver that streams as fast
 * as it is allowed, a relay built the way {@link ForwardedCall} uses it, and a client. A client that stops
 * reading must stop the driver, with the relay holding at most its read-ahead; while it stops, the relay must
 * still have read ahead well beyond one message (gRPC's default 32 KiB readiness would make it stop-and-wait).
 */
class FlowControlTest {

    static final int MESSAGE = 64 * 1024;
    static final int READ_AHEAD = 2 * 1024 * 1024;
    /** The client's HTTP/2 window (fixed: no auto-tuning), which bounds what may leave the relay unread. */
    static final int CLIENT_WINDOW = 1024 * 1024;
    static final int DRIVER_CAP = 5_000;

    static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]> newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName("test.Relay/Stream")
            .setRequestMarshaller(Frames.MARSHALLER)
            .setResponseMarshaller(Frames.MARSHALLER)
            .build();

    final List<AutoCloseable> open = new ArrayList<>();
    final AtomicInteger driverSent = new AtomicInteger();
    final AtomicInteger forwarded = new AtomicInteger();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void aClientThatStopsReadingStopsTheDriverWithAtMostTheReadAheadInTheRelay() throws Exception {
        ManagedChannel client = clientOf(relay(driver(DRIVER_CAP)));
        CountDownLatch first = new CountDownLatch(1);
        ClientCall<byte[], byte[]> call = client.newCall(STREAM, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                first.countDown(); // and never asks for another
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(new byte[] {1});
        call.halfClose();
        assertTrue(first.await(10, TimeUnit.SECONDS));

        int settled = settle(forwarded);
        int sent = driverSent.get();
        call.cancel("done", null);

        long inRelayOrBeyond = (long) settled * MESSAGE;
        assertTrue(inRelayOrBeyond <= READ_AHEAD + CLIENT_WINDOW + 2L * MESSAGE,
                "the relay forwarded " + settled + " messages to a client that read one");
        assertTrue(inRelayOrBeyond >= READ_AHEAD, "the relay read ahead only " + settled + " messages");
        assertTrue(sent < DRIVER_CAP / 10, "the driver kept sending (" + sent + " messages) to a stalled client");
    }

    @Test
    void aReadingClientGetsEveryMessageInOrder() throws Exception {
        int count = 300;
        ManagedChannel client = clientOf(relay(driver(count)));
        CountDownLatch done = new CountDownLatch(1);
        List<Integer> seen = new ArrayList<>();
        Status[] status = new Status[1];
        ClientCall<byte[], byte[]> call = client.newCall(STREAM, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                seen.add(ByteBuffer.wrap(message).getInt());
                call.request(1);
            }

            @Override
            public void onClose(Status s, Metadata trailers) {
                status[0] = s;
                done.countDown();
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(new byte[] {1});
        call.halfClose();
        assertTrue(done.await(30, TimeUnit.SECONDS));
        assertEquals(Status.Code.OK, status[0].getCode());
        assertEquals(count, seen.size());
        for (int i = 0; i < count; i++) {
            assertEquals(i, seen.get(i));
        }
    }

    /** Waits until the counter stops moving for half a second; answers its value. */
    static int settle(AtomicInteger counter) throws InterruptedException {
        int last = -1;
        while (counter.get() != last) {
            last = counter.get();
            Thread.sleep(500);
        }
        return last;
    }

    /** A driver streaming {@code count} numbered messages, each as soon as its stream is ready. */
    int driver(int count) throws Exception {
        ServerCallHandler<byte[], byte[]> handler = (call, headers) -> {
            call.sendHeaders(new Metadata());
            call.request(1);
            return new ServerCall.Listener<>() {
                int next;

                @Override
                public void onHalfClose() {
                    onReady();
                }

                @Override
                public void onReady() {
                    while (next < count && call.isReady()) {
                        byte[] message = new byte[MESSAGE];
                        ByteBuffer.wrap(message).putInt(next++);
                        call.sendMessage(message);
                        driverSent.incrementAndGet();
                    }
                    if (next == count) {
                        next++;
                        call.close(Status.OK, new Metadata());
                    }
                }

                @Override
                public void onCancel() {
                    next = count + 1;
                }
            };
        };
        return serve(handler);
    }

    /** The relay: every event on one event-loop thread, as ForwardedCall confines them to its context. */
    int relay(int driverPort) throws Exception {
        NioEventLoopGroup loop = group();
        ManagedChannel toDriver = NettyChannelBuilder.forAddress("127.0.0.1", driverPort).usePlaintext()
                .eventLoopGroup(loop).channelType(NioSocketChannel.class).directExecutor().build();
        open.add(toDriver::shutdownNow);
        ServerCallHandler<byte[], byte[]> handler = (downstream, headers) -> {
            FlowControl flow = new FlowControl(downstream, READ_AHEAD);
            ClientCall<byte[], byte[]> upstream = toDriver.newCall(STREAM, flow.driverOptions(CallOptions.DEFAULT));
            upstream.start(new ClientCall.Listener<>() {
                @Override
                public void onHeaders(Metadata h) {
                    downstream.sendHeaders(h);
                }

                @Override
                public void onMessage(byte[] message) {
                    downstream.sendMessage(message);
                    forwarded.incrementAndGet();
                    flow.sentToClient();
                }

                @Override
                public void onReady() {
                    flow.driverReady();
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    downstream.close(status, trailers);
                }
            }, new Metadata());
            flow.driverStarted(upstream);
            downstream.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    upstream.sendMessage(message);
                    flow.sentToDriver();
                }

                @Override
                public void onHalfClose() {
                    upstream.halfClose();
                }

                @Override
                public void onCancel() {
                    upstream.cancel("client cancelled", null);
                }

                @Override
                public void onReady() {
                    flow.clientReady();
                }
            };
        };
        return serve(handler, loop);
    }

    ManagedChannel clientOf(int port) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .flowControlWindow(CLIENT_WINDOW).eventLoopGroup(group()).channelType(NioSocketChannel.class)
                .directExecutor().build();
        open.add(channel::shutdownNow);
        return channel;
    }

    int serve(ServerCallHandler<byte[], byte[]> handler) throws Exception {
        return serve(handler, group());
    }

    int serve(ServerCallHandler<byte[], byte[]> handler, NioEventLoopGroup loop) throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .bossEventLoopGroup(loop).workerEventLoopGroup(loop).channelType(NioServerSocketChannel.class)
                .directExecutor()
                .addService(ServerServiceDefinition.builder("test.Relay").addMethod(STREAM, handler).build())
                .build().start();
        open.add(0, server::shutdownNow);
        return server.getPort();
    }

    NioEventLoopGroup group() {
        NioEventLoopGroup loop = new NioEventLoopGroup(1);
        open.add(() -> loop.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        return loop;
    }
}

package dev.pedregal.gateway.placement;

import java.util.ArrayList;
import java.util.List;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;

/**
 * The gateway's HTTP/2 connections to one driver: one per Vert.x event loop, each bound to its loop. A call is
 * forwarded on the connection of the loop that serves its client connection, so its bytes never change
 * thread on the way to the driver and back (with a single connection, every RPC woke a second loop twice).
 * All calls from one loop share that loop's connection; a connection opens on its first call.
 */
final class DriverChannels {

    private final EventLoop[] loops;
    private final ManagedChannel[] channels;

    DriverChannels(String host, int port, int maxMessageSize, EventLoopGroup group) {
        List<EventLoop> found = new ArrayList<>();
        for (EventExecutor executor : group) {
            found.add((EventLoop) executor);
        }
        loops = found.toArray(EventLoop[]::new);
        channels = new ManagedChannel[loops.length];
        for (int i = 0; i < loops.length; i++) {
            channels[i] = NettyChannelBuilder.forAddress(host, port)
                    .usePlaintext()
                    .maxInboundMessageSize(maxMessageSize)
                    .eventLoopGroup(loops[i])
                    .channelType(NioSocketChannel.class)
                    .directExecutor()
                    .build();
        }
    }

    /** The connection of the calling thread's event loop; the first one when called off the loops. */
    ManagedChannel current() {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i].inEventLoop()) {
                return channels[i];
            }
        }
        return channels[0];
    }

    /** Retries connecting at once (a starting driver refuses connections until its port is bound). */
    void resetConnectBackoff() {
        for (ManagedChannel channel : channels) {
            channel.resetConnectBackoff();
        }
    }

    void shutdownNow() {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
    }
}

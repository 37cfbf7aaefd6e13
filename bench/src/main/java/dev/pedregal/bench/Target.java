package dev.pedregal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * One way to reach the backend — {@code direct}, {@code gateway} or {@code nginx} — and the client channels
 * a run opens to it (one HTTP/2 connection each, as a pyspark client per process would).
 */
record Target(String name, String host, int port) {

    /** Parses {@code name=host:port}. */
    static Target parse(String text) {
        int eq = text.indexOf('=');
        int colon = text.lastIndexOf(':');
        return new Target(text.substring(0, eq), text.substring(eq + 1, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    static List<Target> parseAll(String commaSeparated) {
        List<Target> targets = new ArrayList<>();
        for (String t : commaSeparated.split(",")) {
            targets.add(parse(t.trim()));
        }
        return targets;
    }

    List<ManagedChannel> open(int count, EventLoopGroup loop) {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            channels.add(NettyChannelBuilder.forAddress(host, port)
                    .usePlaintext()
                    .eventLoopGroup(loop)
                    .channelType(NioSocketChannel.class)
                    .directExecutor()
                    .maxInboundMessageSize(256 << 20)
                    .build());
        }
        return channels;
    }

    static void close(List<ManagedChannel> channels) {
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels) {
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

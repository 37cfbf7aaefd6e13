package dev.pedregal.gateway.connect;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import dev.pedregal.gateway.config.GatewayConfig;
import dev.pedregal.gateway.observability.GatewayMetrics;
import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.grpc.VertxServerBuilder;

/**
 * HTTP/2 limits of the Spark Connect port that Quarkus's configuration does not expose: concurrent streams
 * per connection (unlimited by default), the rapid-reset guard and the handshake timeout; plus connection
 * counting.
 */
@Singleton
public class ConnectServerCustomizer implements ServerBuilderCustomizer<VertxServerBuilder> {

    private static final Attributes.Key<Boolean> COUNTED = Attributes.Key.create("pedregal.counted");

    private final GatewayConfig.Connect config;
    private final GatewayMetrics metrics;

    public ConnectServerCustomizer(GatewayConfig config, GatewayMetrics metrics) {
        this.config = config.connect();
        this.metrics = metrics;
    }

    @Override
    public void customize(GrpcServerConfiguration grpc, VertxServerBuilder builder) {
        builder.nettyBuilder()
                .maxConcurrentCallsPerConnection(config.maxConcurrentStreams())
                .maxRstFramesPerWindow(config.maxRstFramesPerWindow(), (int) config.rstWindow().toSeconds())
                .handshakeTimeout(config.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .addTransportFilter(new ServerTransportFilter() {
                    @Override
                    public Attributes transportReady(Attributes attributes) {
                        metrics.connectionOpened();
                        return attributes.toBuilder().set(COUNTED, Boolean.TRUE).build();
                    }

                    @Override
                    public void transportTerminated(Attributes attributes) {
                        // Transports that failed their handshake were never ready and have no attributes.
                        if (attributes != null && Boolean.TRUE.equals(attributes.get(COUNTED))) {
                            metrics.connectionClosed();
                        }
                    }
                });
    }
}

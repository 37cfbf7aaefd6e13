package dev.pedregal.gateway.connect;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ServerCall;

/**
 * End-to-end flow control of one relayed call, with bounded read-ahead. gRPC calls a stream "ready" while fewer
 * than its on-ready threshold of bytes are queued on it; raising that threshold from gRPC's 32 KiB to
 * {@code pedregal.connect.read-ahead} lets the gateway keep that many bytes in flight toward the slower side, so
 * that both links stay busy (with 1 MiB Arrow batches, 32 KiB made the relay stop-and-wait), and no more: the
 * next message is requested from one side only while the other side's stream is ready. A client that stops
 * reading therefore stops the driver, through HTTP/2 flow control, once the read-ahead is full.
 *
 * <p>Not thread-safe: confined to the call's serializing context, like the rest of the call's state.
 */
final class FlowControl {

    private final ServerCall<?, ?> client;
    private final int readAhead;
    private ClientCall<?, ?> driver;
    /** The next client message waits for the driver's stream to drain. */
    private boolean clientPaused;
    /** The next driver message waits for the client's stream to drain. */
    private boolean driverPaused;

    FlowControl(ServerCall<?, ?> client, int readAhead) {
        this.client = client;
        this.readAhead = readAhead;
        client.setOnReadyThreshold(readAhead);
    }

    /** The driver call's options with the same bound toward the driver. */
    CallOptions driverOptions(CallOptions options) {
        return options.withOnReadyThreshold(readAhead);
    }

    /** The driver call started: ask it for its first message. */
    void driverStarted(ClientCall<?, ?> call) {
        driver = call;
        driver.request(1);
    }

    /** A client message went to the driver: take the next one if the driver's stream has room. */
    void sentToDriver() {
        if (driver.isReady()) {
            client.request(1);
        } else {
            clientPaused = true;
        }
    }

    /** A driver message went to the client: take the next one if the client's stream has room. */
    void sentToClient() {
        if (client.isReady()) {
            driver.request(1);
        } else {
            driverPaused = true;
        }
    }

    /** The client's stream drained below the read-ahead. */
    void clientReady() {
        if (driverPaused && driver != null && client.isReady()) {
            driverPaused = false;
            driver.request(1);
        }
    }

    /** The driver's stream drained below the read-ahead. */
    void driverReady() {
        if (clientPaused && driver.isReady()) {
            clientPaused = false;
            client.request(1);
        }
    }
}

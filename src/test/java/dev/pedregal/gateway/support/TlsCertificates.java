package dev.pedregal.gateway.support;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** A local CA and server certificate (src/local-stack/certs.sh) for the gateway's TLS listener. */
public class TlsCertificates implements QuarkusTestResourceLifecycleManager {

    public static final Path DIR = Path.of("target/certs").toAbsolutePath();

    @Override
    public Map<String, String> start() {
        try {
            Process p = new ProcessBuilder("src/local-stack/certs.sh", DIR.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("certs.sh failed");
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not create test certificates: " + e.getMessage(), e);
        }
        return Map.of(
                "quarkus.grpc.server.ssl.certificate", DIR.resolve("server.crt").toString(),
                "quarkus.grpc.server.ssl.key", DIR.resolve("server.key").toString());
    }

    @Override
    public void stop() {
    }
}

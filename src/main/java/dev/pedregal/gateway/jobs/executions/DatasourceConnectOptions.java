package dev.pedregal.gateway.jobs.executions;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.vertx.core.net.JksOptions;
import io.vertx.core.net.KeyStoreOptionsBase;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/**
 * How to open a connection of our own (the LISTEN connection of {@link ReplicaChanges}) to the reactive datasource's
 * database, from the same settings Quarkus gives the datasource's pool: the URL (the first, where several are
 * listed), the credentials, and TLS: {@code quarkus.datasource.reactive.postgresql.ssl-mode},
 * {@code .hostname-verification-algorithm}, {@code .trust-all}, {@code .trust-certificate-pem|jks|pfx} and
 * {@code .key-certificate-pem|jks|pfx}, read by their documented names and applied as Quarkus applies them. A
 * credentials provider is not consulted.
 */
final class DatasourceConnectOptions {

    private static final String REACTIVE = "quarkus.datasource.reactive.";

    private DatasourceConnectOptions() {
    }

    /** The options, or empty when no reactive URL is configured; {@code property} reads one configuration key. */
    static Optional<PgConnectOptions> from(Function<String, Optional<String>> property) {
        Settings settings = new Settings(property);
        return property.apply(REACTIVE + "url").map(urls -> urls.split(",")[0].trim()).map(url -> {
            // The same URL forms Quarkus accepts for the reactive datasource.
            PgConnectOptions options = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""));
            property.apply("quarkus.datasource.username").ifPresent(options::setUser);
            property.apply("quarkus.datasource.password").ifPresent(options::setPassword);
            tls(settings, options);
            return options;
        });
    }

    private static void tls(Settings settings, PgConnectOptions options) {
        String hostnameVerification = settings.text("hostname-verification-algorithm").orElse("NONE");
        settings.text("postgresql.ssl-mode").map(SslMode::of).ifPresent(mode -> {
            if (mode == SslMode.VERIFY_FULL && hostnameVerification.equalsIgnoreCase("NONE")) {
                throw new IllegalArgumentException(REACTIVE + "hostname-verification-algorithm must be specified "
                        + "under verify-full sslmode");
            }
            options.setSslMode(mode);
        });
        options.setHostnameVerificationAlgorithm(hostnameVerification.equalsIgnoreCase("NONE") ? ""
                : hostnameVerification);
        options.setTrustAll(settings.enabled("trust-all"));
        if (settings.enabled("trust-certificate-pem")) {
            PemTrustOptions pem = new PemTrustOptions();
            settings.list("trust-certificate-pem.certs").forEach(pem::addCertPath);
            options.setTrustOptions(pem);
        }
        if (settings.enabled("trust-certificate-jks")) {
            options.setTrustOptions(settings.store("trust-certificate-jks", new JksOptions()));
        }
        if (settings.enabled("trust-certificate-pfx")) {
            options.setTrustOptions(settings.store("trust-certificate-pfx", new PfxOptions()));
        }
        if (settings.enabled("key-certificate-pem")) {
            PemKeyCertOptions pem = new PemKeyCertOptions();
            settings.list("key-certificate-pem.keys").forEach(pem::addKeyPath);
            settings.list("key-certificate-pem.certs").forEach(pem::addCertPath);
            options.setKeyCertOptions(pem);
        }
        if (settings.enabled("key-certificate-jks")) {
            options.setKeyCertOptions(settings.store("key-certificate-jks", new JksOptions()));
        }
        if (settings.enabled("key-certificate-pfx")) {
            options.setKeyCertOptions(settings.store("key-certificate-pfx", new PfxOptions()));
        }
    }

    /** The {@code quarkus.datasource.reactive.*} settings. */
    private record Settings(Function<String, Optional<String>> property) {

        Optional<String> text(String key) {
            return property.apply(REACTIVE + key).map(String::trim).filter(v -> !v.isEmpty());
        }

        boolean enabled(String key) {
            return text(key).map(Boolean::parseBoolean).orElse(false);
        }

        List<String> list(String key) {
            return text(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(p -> !p.isEmpty())
                    .toList()).orElse(List.of());
        }

        /** A key or trust store (JKS, PKCS#12): its {@code .path} and {@code .password}. */
        <T extends KeyStoreOptionsBase> T store(String key, T store) {
            text(key + ".path").ifPresent(store::setPath);
            text(key + ".password").ifPresent(store::setPassword);
            return store;
        }
    }
}

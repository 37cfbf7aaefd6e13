package dev.pedregal.gateway.jobs.executions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/** The datasource settings the LISTEN connection is opened with, mapped as Quarkus maps them for the pool. */
class DatasourceConnectOptionsTest {

    static PgConnectOptions options(Map<String, String> settings) {
        return DatasourceConnectOptions.from(key -> Optional.ofNullable(settings.get(key))).orElseThrow();
    }

    @Test
    void theUrlAndCredentialsAsConfigured() {
        PgConnectOptions o = options(Map.of("quarkus.datasource.reactive.url",
                "vertx-reactive:postgresql://db.example:6543/ledger, postgresql://other:5432/x",
                "quarkus.datasource.username", "gw", "quarkus.datasource.password", "secret"));
        assertEquals("db.example", o.getHost());
        assertEquals(6543, o.getPort());
        assertEquals("ledger", o.getDatabase());
        assertEquals("gw", o.getUser());
        assertEquals("secret", o.getPassword());
        assertEquals(SslMode.DISABLE, o.getSslMode(), "no TLS unless configured");
        assertFalse(o.isTrustAll());
        assertNull(o.getTrustOptions());
        assertTrue(DatasourceConnectOptions.from(key -> Optional.empty()).isEmpty(), "no URL, no connection");
    }

    @Test
    void verifyFullWithPemTrustAndAClientCertificate() {
        PgConnectOptions o = options(Map.of("quarkus.datasource.reactive.url", "postgresql://db:5432/p",
                "quarkus.datasource.reactive.postgresql.ssl-mode", "verify-full",
                "quarkus.datasource.reactive.hostname-verification-algorithm", "HTTPS",
                "quarkus.datasource.reactive.trust-certificate-pem", "true",
                "quarkus.datasource.reactive.trust-certificate-pem.certs", "/etc/pg/ca.crt, /etc/pg/ca2.crt",
                "quarkus.datasource.reactive.key-certificate-pem", "true",
                "quarkus.datasource.reactive.key-certificate-pem.keys", "/etc/pg/client.key",
                "quarkus.datasource.reactive.key-certificate-pem.certs", "/etc/pg/client.crt"));
        assertEquals(SslMode.VERIFY_FULL, o.getSslMode());
        assertEquals("HTTPS", o.getHostnameVerificationAlgorithm());
        assertEquals(List.of("/etc/pg/ca.crt", "/etc/pg/ca2.crt"),
                assertInstanceOf(PemTrustOptions.class, o.getTrustOptions()).getCertPaths());
        PemKeyCertOptions key = assertInstanceOf(PemKeyCertOptions.class, o.getKeyCertOptions());
        assertEquals(List.of("/etc/pg/client.key"), key.getKeyPaths());
        assertEquals(List.of("/etc/pg/client.crt"), key.getCertPaths());
    }

    @Test
    void requireWithTrustAllOrKeyStores() {
        PgConnectOptions trustAll = options(Map.of("quarkus.datasource.reactive.url", "postgresql://db/p",
                "quarkus.datasource.reactive.postgresql.ssl-mode", "require",
                "quarkus.datasource.reactive.trust-all", "true"));
        assertEquals(SslMode.REQUIRE, trustAll.getSslMode());
        assertTrue(trustAll.isTrustAll());
        assertEquals("", trustAll.getHostnameVerificationAlgorithm(), "NONE: no hostname verification");

        PgConnectOptions stores = options(Map.of("quarkus.datasource.reactive.url", "postgresql://db/p",
                "quarkus.datasource.reactive.postgresql.ssl-mode", "verify-ca",
                "quarkus.datasource.reactive.trust-certificate-jks", "true",
                "quarkus.datasource.reactive.trust-certificate-jks.path", "/etc/pg/trust.jks",
                "quarkus.datasource.reactive.trust-certificate-jks.password", "changeit",
                "quarkus.datasource.reactive.key-certificate-pfx", "true",
                "quarkus.datasource.reactive.key-certificate-pfx.path", "/etc/pg/client.p12"));
        JksOptions trust = assertInstanceOf(JksOptions.class, stores.getTrustOptions());
        assertEquals("/etc/pg/trust.jks", trust.getPath());
        assertEquals("changeit", trust.getPassword());
        assertEquals("/etc/pg/client.p12", assertInstanceOf(PfxOptions.class, stores.getKeyCertOptions()).getPath());
    }

    @Test
    void verifyFullWithoutHostnameVerificationIsRefusedAsQuarkusRefusesIt() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> options(Map.of(
                "quarkus.datasource.reactive.url", "postgresql://db/p",
                "quarkus.datasource.reactive.postgresql.ssl-mode", "verify-full")));
        assertTrue(refused.getMessage().contains("hostname-verification-algorithm"), refused.getMessage());
    }
}

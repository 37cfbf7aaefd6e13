package dev.pedregal.gateway.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link PostgresResource}'s PostgreSQL, taking TLS connections only: a server certificate of the local CA
 * ({@link TlsCertificates}, for 127.0.0.1 and localhost), {@code hostssl} in pg_hba.conf and every plaintext TCP
 * connection rejected. The datasource (reactive and JDBC) is configured to verify the server against that CA.
 */
public class PostgresTlsResource extends PostgresResource {

    public static final Path CA = TlsCertificates.DIR.resolve("ca.crt");

    @Override
    public Map<String, String> start() {
        Map<String, String> plain = super.start();
        new TlsCertificates().start();
        try {
            tlsOnly();
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("PostgreSQL with TLS for the tests: " + e.getMessage(), e);
        }
        Map<String, String> config = new HashMap<>(plain);
        config.put("quarkus.datasource.jdbc.url", tlsJdbcUrl("pedregal"));
        config.put("quarkus.datasource.reactive.postgresql.ssl-mode", "verify-full");
        config.put("quarkus.datasource.reactive.hostname-verification-algorithm", "HTTPS");
        config.put("quarkus.datasource.reactive.trust-certificate-pem", "true");
        config.put("quarkus.datasource.reactive.trust-certificate-pem.certs", CA.toString());
        return config;
    }

    /** A JDBC URL that verifies the server against the local CA. */
    public static String tlsJdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + PORT + "/" + database + "?sslmode=verify-full&sslrootcert=" + CA;
    }

    /** The server's key and certificate in its data directory, TLS on, plaintext TCP rejected; then a reload. */
    private static void tlsOnly() throws IOException, SQLException {
        Path cert = DATA.resolve("server-tls.crt");
        Path key = DATA.resolve("server-tls.key");
        Files.copy(TlsCertificates.DIR.resolve("server.crt"), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(TlsCertificates.DIR.resolve("server.key"), key, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        if ("root".equals(System.getProperty("user.name"))) {
            // postgres.sh runs the server as the OS user postgres when started as root.
            UserPrincipalLookupService users = DATA.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(cert, users.lookupPrincipalByName("postgres"));
            Files.setOwner(key, users.lookupPrincipalByName("postgres"));
        }
        Files.writeString(DATA.resolve("pg_hba.conf"), """
                local     all all                trust
                hostssl   all all 127.0.0.1/32   trust
                hostssl   all all ::1/128        trust
                hostnossl all all 0.0.0.0/0      reject
                hostnossl all all ::/0           reject
                """);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PORT + "/postgres",
                "postgres", ""); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET ssl = 'on'");
            s.execute("ALTER SYSTEM SET ssl_cert_file = '" + cert + "'");
            s.execute("ALTER SYSTEM SET ssl_key_file = '" + key + "'");
            s.execute("SELECT pg_reload_conf()");
        }
        Operator.await("PostgreSQL to take TLS connections", Duration.ofSeconds(30), () -> {
            try (Connection c = DriverManager.getConnection(tlsJdbcUrl("pedregal"), "pedregal", "pedregal")) {
                return c.isValid(5);
            } catch (SQLException notYet) {
                return false;
            }
        });
    }
}

package dev.pedregal.gateway.jobs.executions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.pedregal.gateway.support.Operator;
import dev.pedregal.gateway.support.PostgresResource;
import dev.pedregal.gateway.support.PostgresTlsResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The LISTEN connection of {@link ReplicaChanges} against a PostgreSQL that takes TLS connections only, with the
 * datasource set to verify the server (ssl-mode verify-full, the local CA as PEM trust, HTTPS hostname
 * verification): it listens, over TLS.
 */
@QuarkusTest
@TestProfile(ReplicaChangesTlsTest.Tls.class)
@QuarkusTestResource(value = PostgresTlsResource.class, restrictToAnnotatedClass = true)
class ReplicaChangesTlsTest {

    public static class Tls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pedregal.pool.warm-drivers", "0");
        }
    }

    @Inject
    ReplicaChanges replicas;

    @Test
    void theListenConnectionUsesTheDatasourcesTlsSettings() throws SQLException {
        assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
                + PostgresResource.PORT + "/pedregal?sslmode=disable", "pedregal", "pedregal").close(),
                "plaintext connections are refused");
        Operator.await("this replica listening for other replicas' changes", Duration.ofSeconds(60),
                replicas::listening);
        try (Connection c = DriverManager.getConnection(PostgresTlsResource.tlsJdbcUrl("pedregal"), "pedregal",
                "pedregal"); PreparedStatement s = c.prepareStatement("select s.ssl from pg_stat_ssl s join "
                        + "pg_stat_activity a using (pid) where a.query ilike 'LISTEN%' || ? || '%'")) {
            s.setString(1, ReplicaChanges.CHANNEL);
            try (ResultSet r = s.executeQuery()) {
                assertTrue(r.next(), "one listening connection");
                assertEquals(true, r.getBoolean(1), "over TLS");
            }
        }
    }
}

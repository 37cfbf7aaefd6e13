package dev.pedregal.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Runs last (failsafe runs integration tests in alphabetical order): after every suite has pushed real
 * tokens through the gateway, no log the gateway or its drivers wrote carries a token or part of one.
 */
class ZzLogsCarryNoTokensIT {

    @Test
    void noLogContainsABearerTokenOrAJwt() throws IOException {
        List<Path> logs = new ArrayList<>();
        Path target = Path.of("target");
        try (Stream<Path> files = Files.walk(target, 3)) {
            files.filter(Files::isRegularFile).filter(p -> {
                String name = p.getFileName().toString();
                String dir = p.getParent() == null ? "" : p.getParent().toString();
                return name.equals("quarkus.log") || name.endsWith("-gateway.log")
                        || (dir.contains("drivers-") && name.endsWith(".log"))
                        || (dir.endsWith("surefire-reports") && name.endsWith(".xml"));
            }).forEach(logs::add);
        }
        assertTrue(logs.stream().anyMatch(p -> p.getFileName().toString().equals("quarkus.log")),
                "the gateway's log of the integration tests was scanned");
        List<String> leaks = new ArrayList<>();
        for (Path log : logs) {
            String text = Files.readString(log, StandardCharsets.ISO_8859_1);
            for (String marker : List.of("eyJ", "Bearer ")) {
                int at = text.indexOf(marker);
                if (at >= 0) {
                    leaks.add(log + ": '" + marker + "' at offset " + at);
                }
            }
        }
        assertEquals(List.of(), leaks, "tokens found in " + logs.size() + " logs");
    }
}

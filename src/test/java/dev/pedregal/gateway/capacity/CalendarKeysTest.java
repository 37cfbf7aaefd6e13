package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The hand-written name check accepts exactly what its documented pattern does. */
class CalendarKeysTest {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    @Test
    void acceptsExactlyThePattern() {
        List<String> names = List.of("analytics", "eu-prod", "team_1.a:b@c", "A", "x".repeat(128), "x".repeat(129), "",
                "a b", "a{b}", "é", "a/b", "a\nb", "Ωmega", "r-123", "1", "a*", "a\u0000");
        for (String name : names) {
            boolean expected = NAME.matcher(name).matches();
            if (expected) {
                assertEquals(name, CalendarKeys.requireName("name", name));
            } else {
                assertThrows(IllegalArgumentException.class, () -> CalendarKeys.requireName("name", name), name);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> CalendarKeys.requireName("name", null));
    }
}

package dev.pedregal.gateway.capacity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;

/**
 * The library's version during a rolling upgrade (one Redis, gateways of two versions): a load replaces an older
 * library but never a newer one; a gateway facing a newer library keeps working while the functions it calls are
 * there, and fails closed naming the versions when one is gone — without putting its older library back.
 */
class LibraryVersionTest {

    static final Duration WAIT = CalendarFixture.WAIT;
    static final Instant T0 = Slice.of(Instant.now()).start().plus(Duration.ofHours(1));
    static final FunctionsLibrary SHIPPED = LibraryVariants.SHIPPED;
    /**
     * The digest of calendar.lua for each version: a change to the file without a new VERSION would never be
     * loaded where the previous text already is (same version: left in place).
     */
    static final Map<Integer, String> DIGESTS = Map.of(1, "d24ddf95e016c11bdcd5d855a4722785688aef163233891b7029274a11492649");

    static CalendarFixture fixture;

    @BeforeAll
    static void start() {
        fixture = new CalendarFixture(26386);
        fixture.pool(PoolCapacity.of("p1", new Resources(8_000, 32_768)));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** The shipped library in Redis, the calendar empty. */
    @BeforeEach
    void shipped() {
        loadDirectly(SHIPPED);
        fixture.reset();
    }

    @Test
    void anOlderLibraryOrOneFromBeforeVersionsIsReplaced() {
        loadDirectly(LibraryVariants.older(code -> code));
        LibraryReport report = fixture.functions.load().await().atMost(WAIT);
        assertEquals(List.of(new LibraryReport.Held("redis", SHIPPED.version(), true)), report.held());

        // Before versions there was no version function: version 0, replaced as well.
        loadDirectly(FunctionsLibrary.of(SHIPPED.code()
                .replace("redis.register_function{function_name = 'pedregal_capacity_version'", "local unregistered = {function_name = 'x'")));
        assertEquals(0, versionInRedis());
        assertEquals(List.of(new LibraryReport.Held("redis", SHIPPED.version(), true)), fixture.functions.load().await().atMost(WAIT).held());
        assertEquals(SHIPPED.version(), versionInRedis());
    }

    @Test
    void aNewerLibraryIsKeptAndServesThisGatewayAndAnOlderGatewayKeepsTheShippedOne() {
        FunctionsLibrary newer = LibraryVariants.withVersion(SHIPPED.version() + 1, code -> code);
        loadDirectly(newer);
        assertEquals(List.of(new LibraryReport.Held("redis", newer.version(), false)), fixture.functions.load().await().atMost(WAIT).held());
        assertTrue(reserve(fixture.calendar, "a").granted(), "the newer library serves this gateway's calls");
        assertEquals(newer.version(), versionInRedis(), "still the newer one");

        // The other way round: a gateway one version older, starting while the shipped library is loaded.
        loadDirectly(SHIPPED);
        CapacityFunctions older = new CapacityFunctions(Primaries.single(fixture.redis), TestConfig.defaults(),
                LibraryVariants.older(code -> code));
        assertEquals(List.of(new LibraryReport.Held("redis", SHIPPED.version(), false)), older.load().await().atMost(WAIT).held());
        CapacityCalendar olderCalendar = new CapacityCalendar(older, TestConfig.defaults(), fixture, null);
        assertTrue(reserve(olderCalendar, "b").granted());
        assertEquals(SHIPPED.version(), versionInRedis(), "the older gateway did not put its library back");
        assertEquals(List.of(), CalendarLedger.read(fixture, "p1").mismatches());
    }

    @Test
    void aNewerLibraryWithoutAFunctionThisGatewayCallsFailsItsCallsClosedAndStays() {
        // An incompatible change renames the function: gateways that call the old name must be upgraded.
        FunctionsLibrary newer = LibraryVariants.withVersion(SHIPPED.version() + 1,
                code -> code.replace("redis.register_function('hold', hold)", "redis.register_function('hold_v2', hold)"));
        loadDirectly(newer);
        long loads = fixture.functions.loads();

        CapacityUnavailable refused = assertThrows(CapacityUnavailable.class, () -> reserve(fixture.calendar, "a"));
        assertTrue(refused.getMessage().contains("pedregal_capacity v" + newer.version()) && refused.getMessage().contains("'hold'")
                && refused.getMessage().contains("upgrade this gateway"), refused.getMessage());
        assertEquals(loads + 1, fixture.functions.loads(), "one reload, to be sure, which kept the newer library");
        assertEquals(newer.version(), versionInRedis());
        assertTrue(CalendarLedger.read(fixture, "p1").slices().isEmpty(), "nothing booked");
        assertEquals(ReservationState.UNKNOWN, fixture.calendar.release("p1", "a").await().atMost(WAIT),
                "the functions still there keep working");
    }

    @Test
    void theVersionChangesWithTheText() throws NoSuchAlgorithmException {
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(SHIPPED.code().getBytes(StandardCharsets.UTF_8)));
        assertEquals(DIGESTS.get(SHIPPED.version()), digest, "calendar.lua changed: raise its VERSION (a newer library"
                + " must still serve the calls of the previous one) and record the new version's digest here");
    }

    private static Admission reserve(CapacityCalendar calendar, String id) {
        return calendar.reserve(new Reservation(id, "t1", "p1", new Resources(1_000, 1_024), T0, T0.plus(Duration.ofHours(1))))
                .await().atMost(WAIT);
    }

    private static void loadDirectly(FunctionsLibrary library) {
        fixture.command(Request.cmd(Command.FUNCTION).arg("LOAD").arg("REPLACE").arg(library.code()));
    }

    private static int versionInRedis() {
        return SHIPPED.versionOn(new Primary("redis", fixture.redis)).await().atMost(WAIT);
    }
}

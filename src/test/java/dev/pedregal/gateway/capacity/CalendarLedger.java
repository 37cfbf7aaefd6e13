package dev.pedregal.gateway.capacity;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * An atomic dump of a pool's calendar straight from Redis (one EVAL), for invariant checks: every slice's
 * totals, and the totals the live reservation records add up to.
 */
record CalendarLedger(Map<Long, long[]> slices, Map<Long, long[]> fromRecords, int liveRecords) {

    private static final String DUMP = """
            local out = {{}, {}}
            for _, k in ipairs(redis.call('KEYS', ARGV[1] .. 's:*')) do
              local v = redis.call('HMGET', k, 'c', 'm')
              table.insert(out[1], string.sub(k, #ARGV[1] + 3) .. ':' .. (v[1] or 0) .. ':' .. (v[2] or 0))
            end
            for _, k in ipairs(redis.call('KEYS', ARGV[1] .. 'r:*')) do
              local r = redis.call('HMGET', k, 'state', 'c', 'm', 'first', 'last')
              if r[1] == 'held' or r[1] == 'committed' then
                table.insert(out[2], r[2] .. ':' .. r[3] .. ':' .. r[4] .. ':' .. r[5])
              end
            end
            return out
            """;

    static CalendarLedger read(CalendarFixture fixture, String pool) {
        Response dump = fixture.command(Request.cmd(Command.EVAL).arg(DUMP).arg(0).arg(CalendarKeys.tag(pool)));
        Map<Long, long[]> slices = new HashMap<>();
        for (Response line : dump.get(0)) {
            String[] f = line.toString().split(":");
            slices.put(Long.parseLong(f[0]), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        }
        Map<Long, long[]> fromRecords = new HashMap<>();
        int live = 0;
        for (Response line : dump.get(1)) {
            String[] f = line.toString().split(":");
            long c = Long.parseLong(f[0]);
            long m = Long.parseLong(f[1]);
            for (long s = Long.parseLong(f[2]); s <= Long.parseLong(f[3]); s++) {
                long[] t = fromRecords.computeIfAbsent(s, x -> new long[2]);
                t[0] += c;
                t[1] += m;
            }
            live++;
        }
        return new CalendarLedger(slices, fromRecords, live);
    }

    /** Slices whose totals exceed the capacity, as readable strings (empty when the invariant holds). */
    List<String> overBooked(Resources capacity) {
        return slices.entrySet().stream()
                .filter(e -> e.getValue()[0] > capacity.vcpuMillis() || e.getValue()[1] > capacity.memoryMib()
                        || e.getValue()[0] < 0 || e.getValue()[1] < 0)
                .map(e -> new Slice(e.getKey()) + "=" + e.getValue()[0] + "mCPU/" + e.getValue()[1] + "MiB")
                .toList();
    }

    /** Slices whose totals differ from what the live reservations add up to (a double booking or a leak). */
    List<String> mismatches() {
        java.util.Set<Long> all = new java.util.TreeSet<>(slices.keySet());
        all.addAll(fromRecords.keySet());
        return all.stream()
                .filter(s -> !java.util.Arrays.equals(slices.getOrDefault(s, new long[2]), fromRecords.getOrDefault(s, new long[2])))
                .map(s -> new Slice(s) + ": slices " + java.util.Arrays.toString(slices.getOrDefault(s, new long[2]))
                        + " vs records " + java.util.Arrays.toString(fromRecords.getOrDefault(s, new long[2])))
                .toList();
    }
}

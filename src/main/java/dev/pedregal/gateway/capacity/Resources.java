package dev.pedregal.gateway.capacity;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** An amount of compute: vCPU in millis (1000 = one vCPU) and memory in MiB. */
public record Resources(long vcpuMillis, long memoryMib) {

    public static final Resources NONE = new Resources(0, 0);

    public Resources {
        if (vcpuMillis < 0 || memoryMib < 0) {
            throw new IllegalArgumentException("resources cannot be negative: " + vcpuMillis + " mCPU, " + memoryMib + " MiB");
        }
    }

    public Resources plus(Resources other) {
        return new Resources(vcpuMillis + other.vcpuMillis, memoryMib + other.memoryMib);
    }

    /** Resources of {@code count} units of this size. */
    public Resources times(long count) {
        return new Resources(vcpuMillis * count, memoryMib * count);
    }

    /** This size split {@code ways} ways, rounded up so that shares never under-reserve. */
    public Resources share(int ways) {
        return new Resources(ceilDiv(vcpuMillis, ways), ceilDiv(memoryMib, ways));
    }

    /** vCPU (fractions allowed) and a Spark/JVM memory size such as {@code 768m} or {@code 4g}. */
    public static Resources of(double vcpu, String memory) {
        return new Resources(Math.round(vcpu * 1000), memoryMib(memory));
    }

    /** MiB in a Spark/JVM memory size ({@code 512m}, {@code 4g}, {@code 1t}, {@code 2048k}; plain numbers are MiB). */
    public static long memoryMib(String size) {
        String s = size.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("memory size is empty");
        }
        char unit = s.charAt(s.length() - 1);
        String digits = Character.isDigit(unit) ? s : s.substring(0, s.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a memory size: '" + size + "' (use e.g. 512m or 4g)");
        }
        return switch (unit) {
            case 'k' -> ceilDiv(n, 1024);
            case 'g' -> n * 1024;
            case 't' -> n * 1024 * 1024;
            default -> n;
        };
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    @JsonIgnore // not part of the JSON form of an amount
    public boolean isZero() {
        return vcpuMillis == 0 && memoryMib == 0;
    }

    @Override
    public String toString() {
        return vcpuMillis + " mCPU, " + memoryMib + " MiB";
    }
}

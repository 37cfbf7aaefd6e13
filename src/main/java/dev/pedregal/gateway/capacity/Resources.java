package dev.pedregal.gateway.capacity;

/** An amount of compute: vCPU in millis (1000 = one vCPU) and memory in MiB. */
public record Resources(long vcpuMillis, long memoryMib) {

    public static final Resources NONE = new Resources(0, 0);

    public Resources {
        if (vcpuMillis < 0 || memoryMib < 0) {
            throw new IllegalArgumentException("resources cannot be negative: " + vcpuMillis + " mCPU, " + memoryMib + " MiB");
        }
    }

    public boolean isZero() {
        return vcpuMillis == 0 && memoryMib == 0;
    }

    @Override
    public String toString() {
        return vcpuMillis + " mCPU, " + memoryMib + " MiB";
    }
}

package dev.pedregal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** JSON output of a benchmark, and the latency summary every scenario reports. */
final class Results {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Results() {
    }

    /** Percentiles of a nanosecond histogram, in microseconds. */
    static Map<String, Object> latencyMicros(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("mean", round(h.getMean() / 1000.0));
        m.put("p50", micros(h, 50));
        m.put("p90", micros(h, 90));
        m.put("p99", micros(h, 99));
        m.put("p999", micros(h, 99.9));
        m.put("max", round(h.getMaxValue() / 1000.0));
        return m;
    }

    private static double micros(Histogram h, double percentile) {
        return round(h.getValueAtPercentile(percentile) / 1000.0);
    }

    static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    static void write(String file, Object result) throws IOException {
        Path path = Path.of(file);
        if (path.getParent() != null) {
            Files.createDirectories(path.getParent());
        }
        JSON.writeValue(path.toFile(), result);
        System.out.println("wrote " + path);
    }
}

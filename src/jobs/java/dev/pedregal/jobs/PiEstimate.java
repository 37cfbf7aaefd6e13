package dev.pedregal.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The example batch job: estimates pi with Spark (like Spark's own SparkPi example, which Maven Central's mirror
 * here does not carry). Options exist so that tests can show what the gateway does around a real job:
 * <ul>
 * <li>{@code --slices N}: partitions of the estimate (default 2);</li>
 * <li>{@code --hold-seconds N}: afterwards, a task sleeps this long (to cancel or time out a running job);</li>
 * <li>{@code --exit CODE}: exits at once with this code (137 looks like a container killed at its limit);</li>
 * <li>{@code --exit-once MARKER}: exits with 137 if the file MARKER does not exist yet, creating it — so the
 * first attempt fails like a platform failure and the retry succeeds.</li>
 * </ul>
 */
public final class PiEstimate {

    public static void main(String[] args) throws Exception {
        int slices = 2;
        long holdSeconds = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--slices" -> slices = Integer.parseInt(args[i + 1]);
                case "--hold-seconds" -> holdSeconds = Long.parseLong(args[i + 1]);
                case "--exit" -> halt(Integer.parseInt(args[i + 1]));
                case "--exit-once" -> {
                    Path marker = Path.of(args[i + 1]);
                    if (!Files.exists(marker)) {
                        Files.createFile(marker);
                        halt(137);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        SparkSession spark = SparkSession.builder().appName("pi-estimate").getOrCreate();
        JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
        int samples = 100_000 * slices;
        List<Integer> seeds = new ArrayList<>(samples);
        for (int i = 0; i < samples; i++) {
            seeds.add(i);
        }
        long inside = sc.parallelize(seeds, slices).filter(i -> {
            double x = Math.random() * 2 - 1;
            double y = Math.random() * 2 - 1;
            return x * x + y * y <= 1;
        }).count();
        System.out.println("Pi is roughly " + 4.0 * inside / samples);
        if (holdSeconds > 0) {
            System.out.println("pedregal-example: holding for " + holdSeconds + " s");
            long millis = holdSeconds * 1000;
            sc.parallelize(List.of(1), 1).foreach(i -> Thread.sleep(millis));
        }
        spark.stop();
    }

    private static void halt(int code) {
        System.out.println("pedregal-example: exiting with code " + code + " as if the container had been killed");
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }
}

/**
 * Benchmarks of the gateway (run by {@code make bench}, see {@code bench/README.md}): a fake Spark Connect
 * server fast enough that the gateway's own cost shows, load generators that drive the same scenario directly,
 * through the gateway and through nginx in one run, and JMH benchmarks of per-RPC code paths.
 *
 * <p>Threading: every client and server here runs its Netty transport on one event-loop thread with a direct
 * executor, so that a process pinned to one CPU does not fight itself; latency histograms are HdrHistogram
 * {@code Recorder}s, written from that thread and read by the main thread.
 */
package dev.pedregal.bench;

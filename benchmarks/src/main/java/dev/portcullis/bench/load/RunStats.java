package dev.portcullis.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one run measured, written from every event loop: successful requests and their latency,
 * handshakes and how many resumed, errors by kind.
 *
 * <p>Only events inside the measurement window count as requests, latencies and handshakes: a
 * request completing during the warm-up or after the end is dropped, so the figures describe a
 * warmed-up steady state. Errors count from the start of the run (warm-up included) to the end
 * of the window, because a failure is worth seeing whenever it happened; closing everything at
 * the end is not a failure.
 *
 * <p>Latencies go into an HdrHistogram {@link Recorder} (microseconds, 3 significant digits):
 * recording is wait-free from any thread, and nothing is allocated per request.
 */
final class RunStats {

    private final Recorder latencyMicros = new Recorder(3);
    private final LongAdder requests = new LongAdder();
    private final LongAdder responseBytes = new LongAdder();
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final LongAdder goAways = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, String> errorExamples = new ConcurrentHashMap<>();
    /** Nothing counts until {@link #openWindow}. */
    private volatile long windowStartNanos = Long.MAX_VALUE;
    private volatile long windowEndNanos = Long.MAX_VALUE;
    private volatile boolean stopped;
    private volatile String tlsProtocol = "";
    /** h2: the first server SETTINGS_MAX_CONCURRENT_STREAMS seen; 0 before any, -1 for none sent (no limit). */
    private volatile long serverMaxStreams;

    void openWindow(long startNanos, long endNanos) {
        windowStartNanos = startNanos;
        windowEndNanos = endNanos;
    }

    /** Ends the window now (idle mode, whose window lasts until the driver lets go). */
    void closeWindow(long endNanos) {
        windowEndNanos = endNanos;
    }

    /** From now on nothing counts and no connection starts new work. */
    void stop() {
        stopped = true;
    }

    boolean running() {
        return !stopped;
    }

    private boolean inWindow(long nowNanos) {
        return nowNanos >= windowStartNanos && nowNanos < windowEndNanos && !stopped;
    }

    void success(long nowNanos, long latencyNanos, long bodyBytes) {
        if (inWindow(nowNanos)) {
            requests.increment();
            responseBytes.add(bodyBytes);
            latencyMicros.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(latencyNanos)));
        }
    }

    void handshake(long nowNanos, boolean wasResumed) {
        if (inWindow(nowNanos)) {
            handshakes.increment();
            if (wasResumed) {
                resumed.increment();
            }
        }
    }

    /** Whether the report still needs the negotiated protocol (only the first handshake's is kept). */
    boolean wantsProtocol() {
        return tlsProtocol.isEmpty();
    }

    void protocol(String protocol) {
        tlsProtocol = protocol;
    }

    /** h2: a GOAWAY received, counted from the start (warm-up included) to the end of the window. */
    void goAway() {
        if (!stopped && System.nanoTime() < windowEndNanos) {
            goAways.increment();
        }
    }

    boolean wantsServerMaxStreams() {
        return serverMaxStreams == 0;
    }

    void serverMaxStreams(long max) {
        serverMaxStreams = max;
    }

    /** Counts one failure of {@code kind}; {@code detail} is kept for the first of each kind. */
    void error(String kind, String detail) {
        if (stopped || System.nanoTime() >= windowEndNanos) {
            return;
        }
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
        if (detail != null) {
            errorExamples.putIfAbsent(kind, detail);
        }
    }

    // ---- read once the event loops have stopped ----------------------------------------------

    Histogram latencies() {
        return latencyMicros.getIntervalHistogram();
    }

    long requests() {
        return requests.sum();
    }

    long responseBytes() {
        return responseBytes.sum();
    }

    long handshakes() {
        return handshakes.sum();
    }

    long resumed() {
        return resumed.sum();
    }

    String tlsProtocol() {
        return tlsProtocol;
    }

    long goAways() {
        return goAways.sum();
    }

    long serverMaxStreams() {
        return serverMaxStreams;
    }

    Map<String, Long> errors() {
        Map<String, Long> counts = new TreeMap<>();
        errors.forEach((kind, count) -> counts.put(kind, count.sum()));
        return counts;
    }

    Map<String, String> errorExamples() {
        return new TreeMap<>(errorExamples);
    }
}

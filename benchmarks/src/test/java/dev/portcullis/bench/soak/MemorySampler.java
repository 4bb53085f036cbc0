package dev.portcullis.bench.soak;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * Samples the proxy at a fixed rate while the load runs: its resident memory from
 * {@code /proc/PID/status}, and from the admin endpoint's {@code /metrics} Netty's direct memory
 * (summed over allocators), the JVM's heap and non-heap, and the proxy's own handshake counters.
 * Each sample carries the stage the soak was in when it was taken, so the warm-up's samples can
 * be told from the ones that are judged.
 *
 * <p>One daemon thread takes the timed samples; {@link #sampleNow} takes one from the caller's
 * thread. The list is guarded by this object's lock. A failed scrape stops nothing but is kept
 * ({@link #failure}) so that the soak fails on it rather than judging a gap.
 */
final class MemorySampler implements AutoCloseable {

    /** What the soak was doing when a sample was taken. */
    enum Stage {
        /** The proxy is ready and nothing has connected yet. */
        START,
        /** The first handshakes, which JIT compilation, pools and caches grow through. */
        WARMUP,
        /** After the warm-up: the samples that are judged. */
        SOAK,
        /** The load has stopped and the proxy has settled for a moment. */
        END;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One look at the proxy.
     *
     * @param seconds           since the sampler was created
     * @param handshakesOk      {@code portcullis_tls_handshakes_total{result="ok"}}
     * @param handshakesFailed  {@code portcullis_tls_handshakes_total{result="failed"}}, every reason
     * @param resumed           {@code portcullis_tls_sessions_resumed_total}
     * @param directBytes       {@code netty_allocator_memory_used{memory_type="direct"}}, every allocator
     */
    record Sample(double seconds, Stage stage, long handshakesOk, long handshakesFailed, long resumed,
                  long rssBytes, long directBytes, long heapUsedBytes, long heapCommittedBytes,
                  long nonHeapCommittedBytes) {
    }

    private final ProxyProcess proxy;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "soak-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Sample> samples = new ArrayList<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile Stage stage = Stage.START;

    MemorySampler(ProxyProcess proxy) {
        this.proxy = requireNonNull(proxy, "proxy");
    }

    /** Samples every {@code interval} from now on, the first one at once. */
    void start(Duration interval) {
        timer.scheduleAtFixedRate(this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stage(Stage stage) {
        this.stage = requireNonNull(stage, "stage");
    }

    /** Takes one sample now, in the current stage, and keeps it. */
    Sample sampleNow() throws IOException {
        Stage current = stage;
        MetricsText metrics = new MetricsText(proxy.metrics());
        long rss = proxy.rssBytes();
        Sample sample = new Sample((System.nanoTime() - startNanos) / 1e9, current,
                (long) metrics.sum("portcullis_tls_handshakes_total", "result=\"ok\""),
                (long) metrics.sum("portcullis_tls_handshakes_total", "result=\"failed\""),
                (long) metrics.sum("portcullis_tls_sessions_resumed_total"),
                rss,
                (long) metrics.sum("netty_allocator_memory_used", "memory_type=\"direct\""),
                (long) metrics.sum("jvm_memory_used_bytes", "area=\"heap\""),
                (long) metrics.sum("jvm_memory_committed_bytes", "area=\"heap\""),
                (long) metrics.sum("jvm_memory_committed_bytes", "area=\"nonheap\""));
        synchronized (this) {
            samples.add(sample);
        }
        return sample;
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The first scrape that failed, if any did. */
    Exception failure() {
        return failure.get();
    }

    /** Stops the timed samples, letting one in progress finish (an interrupt would fail it). */
    @Override
    public void close() {
        timer.shutdown();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sampleQuietly() {
        try {
            sampleNow();
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }
}

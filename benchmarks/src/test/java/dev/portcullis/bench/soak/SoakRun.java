package dev.portcullis.bench.soak;

import dev.portcullis.bench.load.LoadResult;
import dev.portcullis.bench.soak.MemorySampler.Sample;
import dev.portcullis.bench.soak.MemorySampler.Stage;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

import static java.util.Objects.requireNonNull;

/**
 * Everything one soak measured, and the figures derived from it, so that the report and the
 * assertions read the same numbers.
 *
 * @param phases           the driver runs in order, warm-up first
 * @param samples          every sample of the proxy, all stages
 * @param loadSeconds      wall-clock time from the first driver run's start to the last one's end
 * @param upstreamRequests requests the upstream answered
 * @param proxyCommandLine the proxy JVM's command line
 * @param mallocArenaMax   {@code MALLOC_ARENA_MAX} in the proxy's environment
 * @param failedByReason   the proxy's failed handshakes by reason, at the end (non-zero ones only)
 */
record SoakRun(SoakSettings settings, List<Phase> phases, List<Sample> samples, double loadSeconds,
               long upstreamRequests, List<String> proxyCommandLine, String mallocArenaMax,
               Map<String, Long> failedByReason) {

    /** RSS may grow by less than this fraction from the baseline to the end. */
    static final double MAX_GROWTH = 0.05;
    /**
     * Direct memory may also grow by less than this, however small its baseline: Netty's adaptive
     * allocator reserves memory in chunks, so 5 % of a baseline of a few MiB is less than one chunk.
     */
    static final long DIRECT_FLOOR_BYTES = 1L << 20;
    /** Fewer judged samples than this and the run says nothing about growth. */
    static final int MIN_JUDGED_SAMPLES = 3;

    /** One driver run. */
    record Phase(int number, Stage stage, LoadResult result) {
    }

    SoakRun {
        requireNonNull(settings, "settings");
        phases = List.copyOf(phases);
        samples = List.copyOf(samples);
        proxyCommandLine = List.copyOf(proxyCommandLine);
        failedByReason = Map.copyOf(new TreeMap<>(failedByReason));
    }

    long handshakes() {
        return sum(LoadResult::handshakes);
    }

    long warmupHandshakes() {
        return phases.stream().filter(p -> p.stage() == Stage.WARMUP).mapToLong(p -> p.result().handshakes()).sum();
    }

    long requests() {
        return sum(LoadResult::requests);
    }

    long errors() {
        return sum(LoadResult::errors);
    }

    /** Handshakes the driver saw resumed (BoringSSL's {@code SSL_session_reused} after each one). */
    long resumed() {
        return sum(LoadResult::resumed);
    }

    Map<String, Long> errorsByKind() {
        Map<String, Long> kinds = new TreeMap<>();
        phases.forEach(p -> p.result().errorsByKind().forEach((kind, n) -> kinds.merge(kind, n, Long::sum)));
        return kinds;
    }

    /** Seconds the driver measured in all: its windows, without the gaps between runs. */
    double driverSeconds() {
        return phases.stream().mapToDouble(p -> p.result().durationSeconds()).sum();
    }

    double handshakesPerSecond() {
        return driverSeconds() > 0 ? handshakes() / driverSeconds() : 0;
    }

    /** The samples taken after the warm-up while the load ran. */
    List<Sample> judged() {
        return samples.stream().filter(s -> s.stage() == Stage.SOAK).toList();
    }

    /** Samples per median: {@code soak.medianOf}, fewer on a run too short for that many at each end. */
    int medianOf() {
        return Math.max(1, Math.min(settings.medianOf(), judged().size() / 3));
    }

    boolean judgeable() {
        return judged().size() >= MIN_JUDGED_SAMPLES;
    }

    Growth rss() {
        return growth(Sample::rssBytes);
    }

    Growth direct() {
        return growth(Sample::directBytes);
    }

    Growth heapCommitted() {
        return growth(Sample::heapCommittedBytes);
    }

    Growth nonHeapCommitted() {
        return growth(Sample::nonHeapCommittedBytes);
    }

    boolean rssWithinLimit() {
        return rss().within(MAX_GROWTH, 0);
    }

    boolean directWithinLimit() {
        return direct().within(MAX_GROWTH, DIRECT_FLOOR_BYTES);
    }

    /** The proxy's own count of resumed sessions, at the last sample. */
    long proxyResumed() {
        return samples.isEmpty() ? 0 : samples.get(samples.size() - 1).resumed();
    }

    long proxyHandshakesOk() {
        return samples.isEmpty() ? 0 : samples.get(samples.size() - 1).handshakesOk();
    }

    boolean passed() {
        return judgeable() && handshakes() >= settings.handshakes() && errors() == 0 && resumed() == 0
                && proxyResumed() == 0 && upstreamRequests >= requests() && rssWithinLimit() && directWithinLimit();
    }

    private Growth growth(ToLongFunction<Sample> quantity) {
        return Growth.of(judged().stream().map(quantity::applyAsLong).toList(), medianOf());
    }

    private long sum(ToLongFunction<LoadResult> count) {
        return phases.stream().mapToLong(p -> count.applyAsLong(p.result())).sum();
    }
}

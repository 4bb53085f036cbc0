package dev.portcullis.bench.soak;

import dev.portcullis.config.Durations;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import static java.util.Objects.requireNonNull;

/**
 * The soak's knobs, read once from system properties: {@code mvn -B verify -Psoak
 * -Dsoak.handshakes=20000} (failsafe hands Maven's {@code -D} properties to the test JVM).
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>property</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>soak.handshakes</td><td>200000</td><td>full mTLS handshakes, each with one request, warm-up included</td></tr>
 *   <tr><td>soak.warmup</td><td>a tenth of soak.handshakes</td><td>handshakes before samples start to count</td></tr>
 *   <tr><td>soak.connections</td><td>32</td><td>the driver's concurrent connections (as {@code run.sh})</td></tr>
 *   <tr><td>soak.sampleEvery</td><td>3s</td><td>interval between two samples of the proxy</td></tr>
 *   <tr><td>soak.medianOf</td><td>5</td><td>samples whose median is the baseline (the first after warm-up)
 *       and the end (the last)</td></tr>
 *   <tr><td>soak.phase</td><td>20s</td><td>longest single driver run; the soak is a sequence of them</td></tr>
 *   <tr><td>soak.maxDuration</td><td>30m</td><td>the soak fails rather than run longer (at most 2h)</td></tr>
 *   <tr><td>soak.results</td><td>benchmarks/results/&lt;UTC time&gt;-soak</td><td>where the samples and the
 *       summary are written</td></tr>
 *   <tr><td>soak.javaOpts</td><td>none</td><td>{@code PORTCULLIS_JAVA_OPTS} for the proxy; by default the
 *       launcher's own flags</td></tr>
 * </table>
 * {@code portcullis.root}, the checkout's root, is set by the soak profile in benchmarks/pom.xml.
 *
 * @param started the moment the settings were read, which also names the default results directory
 */
record SoakSettings(long handshakes, long warmupHandshakes, int connections, Duration sampleEvery, int medianOf,
                    Duration phase, Duration maxDuration, Path root, Path resultsDir, String javaOpts,
                    Instant started) {

    static final Duration MAX_DURATION_LIMIT = Duration.ofHours(2);

    private static final DateTimeFormatter RUN_NAME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    SoakSettings {
        requireNonNull(sampleEvery, "sampleEvery");
        requireNonNull(phase, "phase");
        requireNonNull(maxDuration, "maxDuration");
        requireNonNull(root, "root");
        requireNonNull(resultsDir, "resultsDir");
        requireNonNull(started, "started");
        if (handshakes < 1 || warmupHandshakes < 0 || warmupHandshakes >= handshakes) {
            throw new IllegalArgumentException("soak.warmup (" + warmupHandshakes
                    + ") must be below soak.handshakes (" + handshakes + ")");
        }
        if (connections < 1 || medianOf < 1) {
            throw new IllegalArgumentException("soak.connections and soak.medianOf must be at least 1");
        }
        if (maxDuration.compareTo(MAX_DURATION_LIMIT) > 0) {
            throw new IllegalArgumentException("soak.maxDuration: at most " + Durations.format(MAX_DURATION_LIMIT));
        }
    }

    static SoakSettings fromSystemProperties() {
        String rootProperty = System.getProperty("portcullis.root");
        if (rootProperty == null) {
            throw new IllegalStateException("system property portcullis.root is missing (the soak profile sets it)");
        }
        Path root = Path.of(rootProperty).toAbsolutePath().normalize();
        Instant started = Instant.now();
        long handshakes = longProperty("soak.handshakes", 200_000);
        String results = System.getProperty("soak.results");
        Path resultsDir = results != null ? Path.of(results).toAbsolutePath()
                : root.resolve("benchmarks/results").resolve(RUN_NAME.format(started) + "-soak");
        return new SoakSettings(
                handshakes,
                longProperty("soak.warmup", handshakes / 10),
                (int) longProperty("soak.connections", 32),
                durationProperty("soak.sampleEvery", "3s"),
                (int) longProperty("soak.medianOf", 5),
                durationProperty("soak.phase", "20s"),
                durationProperty("soak.maxDuration", "30m"),
                root, resultsDir, System.getProperty("soak.javaOpts"), started);
    }

    private static long longProperty(String name, long fallback) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": \"" + value + "\" (expected a whole number)");
        }
    }

    private static Duration durationProperty(String name, String fallback) {
        String value = System.getProperty(name, fallback);
        try {
            return Durations.parse(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }
}

package dev.portcullis.bench.soak;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.bench.load.LoadDriver;
import dev.portcullis.bench.load.LoadOptions;
import dev.portcullis.bench.load.LoadResult;
import dev.portcullis.bench.soak.MemorySampler.Stage;
import dev.portcullis.bench.soak.SoakRun.Phase;
import dev.portcullis.core.pki.DevPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak of "Hardened under load": at least 200,000 full mTLS handshakes, each carrying one
 * request, through the real jar started as users start it ({@code bin/portcullis}), while the
 * proxy's RSS and Netty direct memory are sampled. After the warm-up neither may grow by 5 % or
 * more, no request may fail and no handshake may be resumed. Memory that a connection leaves
 * behind (a buffer, a session, an entry in a map) shows up here as growth in proportion to the
 * number of connections, which no short test can tell from noise.
 *
 * <p>Runs only in the {@code soak} profile ({@code mvn -B verify -Psoak}), about two minutes on
 * two cores; its knobs are in {@link SoakSettings}. It writes its record to
 * {@code benchmarks/results/<UTC time>-soak/} before asserting anything ({@link SoakReport}).
 */
class SoakIT {

    /** A small JSON body, as an API sidecar's upstream would send. */
    private static final byte[] BODY = "{\"status\":\"ok\",\"service\":\"soak-upstream\"}\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** The first driver run is this long at most: it finds the rate the later runs are sized by. */
    private static final Duration PROBE_RUN = Duration.ofSeconds(5);
    /** Pause between the last driver run and the end sample, for connections to close. */
    private static final Duration SETTLE = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS)   // the 60 s default is for unit tests; soak.maxDuration bounds this one
    void fullHandshakesWithRequestsLeaveRssAndDirectMemoryFlatAfterWarmUp() throws Exception {
        SoakSettings settings = SoakSettings.fromSystemProperties();
        DevPki pki = DevPki.write(dir.resolve("pki"));
        AtomicLong upstreamRequests = new AtomicLong();
        HttpServer upstream = startUpstream(upstreamRequests);
        Path config = pki.dir().resolve("portcullis.yaml");
        Path log = dir.resolve("proxy.log");
        SoakRun run;
        Exception samplingFailure;
        try {
            int port = freePort();
            int adminPort = freePort();
            writeConfig(config, port, adminPort, upstream.getAddress().getPort());
            try (ProxyProcess proxy = ProxyProcess.start(settings.root(), config, adminPort, log, settings.javaOpts());
                 MemorySampler sampler = new MemorySampler(proxy)) {
                run = soak(settings, proxy, sampler, pki, port, upstreamRequests);
                samplingFailure = sampler.failure();
            }
        } finally {
            upstream.stop(0);
        }
        SoakReport.write(run, config, Files.readString(log));
        System.out.println("soak: " + (run.passed() ? "pass" : "FAIL") + ", record in " + settings.resultsDir());

        assertThat(samplingFailure).as("every sample of the proxy must succeed, or growth is judged on gaps").isNull();
        assertThat(run.errors())
                .as("driver errors %s, first of each kind: %s", run.errorsByKind(), errorExamples(run)).isZero();
        assertThat(run.handshakes())
                .as("full handshakes made within soak.maxDuration (%s)", settings.maxDuration())
                .isGreaterThanOrEqualTo(settings.handshakes());
        assertThat(run.resumed())
                .as("handshakes the driver saw resumed: each must be full, so each pays for a chain verification")
                .isZero();
        assertThat(run.proxyResumed()).as("sessions the proxy says it resumed").isZero();
        assertThat(run.upstreamRequests())
                .as("every request counted by the driver must have reached the upstream")
                .isGreaterThanOrEqualTo(run.requests());
        assertThat(run.judged().size())
                .as("samples under load after the warm-up (a shorter run judges nothing)")
                .isGreaterThanOrEqualTo(SoakRun.MIN_JUDGED_SAMPLES);
        assertThat(run.rssWithinLimit())
                .as("RSS after the warm-up: %s; what connections leave behind grows it without bound",
                        describe(run.rss()))
                .isTrue();
        assertThat(run.directWithinLimit())
                .as("Netty direct memory after the warm-up: %s; a buffer not released per connection grows it",
                        describe(run.direct()))
                .isTrue();
    }

    /**
     * Runs the driver in handshake mode, run after run, until the handshakes add up to
     * soak.handshakes: warm-up runs first, then runs sized by the rate so far (at most
     * soak.phase each). The sampler runs throughout; its stage follows the runs. Stops early on
     * a run with errors, or on soak.maxDuration, and lets the caller judge what it got.
     */
    private static SoakRun soak(SoakSettings settings, ProxyProcess proxy, MemorySampler sampler, DevPki pki,
                                int port, AtomicLong upstreamRequests) throws Exception {
        sampler.sampleNow();   // the start: ready, nothing connected yet
        sampler.stage(Stage.WARMUP);
        sampler.start(settings.sampleEvery());
        List<Phase> phases = new ArrayList<>();
        long loadStart = System.nanoTime();
        long deadline = loadStart + settings.maxDuration().toNanos();
        long done = 0;
        double rate = 0;
        while (done < settings.handshakes() && System.nanoTime() < deadline) {
            boolean warmup = done < settings.warmupHandshakes();
            long goal = warmup ? settings.warmupHandshakes() : settings.handshakes();
            LoadResult result = LoadDriver.run(options(settings, pki, port, runLength(goal - done, rate, settings)));
            Phase phase = new Phase(phases.size() + 1, warmup ? Stage.WARMUP : Stage.SOAK, result);
            phases.add(phase);
            done += result.handshakes();
            rate = result.durationSeconds() > 0 ? result.handshakes() / result.durationSeconds() : 0;
            System.out.printf(Locale.ROOT, "soak: run %d (%s) %.1f s: %d handshakes, %.0f/s, errors %d, resumed %d;"
                            + " %d of %d in all%n", phase.number(), phase.stage().label(), result.durationSeconds(),
                    result.handshakes(), rate, result.errors(), result.resumed(), done, settings.handshakes());
            if (warmup && done >= settings.warmupHandshakes()) {
                sampler.stage(Stage.SOAK);
            }
            if (result.errors() > 0 || result.handshakes() == 0) {
                break;   // judged now rather than after minutes of the same failure
            }
        }
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        sampler.close();
        Thread.sleep(SETTLE.toMillis());
        sampler.stage(Stage.END);
        sampler.sampleNow();
        Map<String, Long> failed = new TreeMap<>();
        new MetricsText(proxy.metrics()).byLabel("portcullis_tls_handshakes_total", "reason", "result=\"failed\"")
                .forEach((reason, count) -> {
                    if (count > 0) {
                        failed.put(reason, count.longValue());
                    }
                });
        return new SoakRun(settings, phases, sampler.samples(), loadSeconds, upstreamRequests.get(),
                proxy.commandLine(), proxy.mallocArenaMax(), failed);
    }

    /** Long enough for {@code remaining} handshakes at {@code rate} (a 2 % margin), within [1 s, soak.phase]. */
    private static Duration runLength(long remaining, double rate, SoakSettings settings) {
        if (rate <= 0) {
            return PROBE_RUN.compareTo(settings.phase()) < 0 ? PROBE_RUN : settings.phase();
        }
        long millis = (long) Math.ceil(remaining / rate * 1.02 * 1000);
        return Duration.ofMillis(Math.max(1000, Math.min(millis, settings.phase().toMillis())));
    }

    private static LoadOptions options(SoakSettings settings, DevPki pki, int port, Duration length) throws Exception {
        return LoadOptions.parse(
                "--url", "https://127.0.0.1:" + port + "/soak",
                "--cert", pki.clientCert().toString(), "--key", pki.clientKey().toString(),
                "--cacert", pki.caCert().toString(),
                "--mode", "handshake", "--connections", Integer.toString(settings.connections()), "--threads", "1",
                "--duration", length.toMillis() + "ms", "--warmup", "0", "--timeout", "5s");
    }

    /**
     * The upstream: 200 and a small body on the JDK server's one dispatcher thread, no pool, little
     * CPU. It writes a response's head and body separately, so without TCP_NODELAY Nagle holds the
     * body until the proxy's delayed ACK, about 40 ms, and that wait, not the proxy, would set the
     * rate (read once, when the server's configuration class loads).
     */
    private static HttpServer startUpstream(AtomicLong requests) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.createContext("/", exchange -> answer(exchange, requests));
        server.start();
        return server;
    }

    private static void answer(HttpExchange exchange, AtomicLong requests) throws IOException {
        try {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, BODY.length);
            exchange.getResponseBody().write(BODY);
        } finally {
            exchange.close();
        }
    }

    /** Paths in the config resolve against its directory, where DevPki wrote its files. */
    private static void writeConfig(Path config, int port, int adminPort, int upstreamPort) throws IOException {
        Files.writeString(config, """
                listen: "127.0.0.1:%d"
                tls:
                  cert: server.crt
                  key: server.key
                  client_ca: ca.crt
                upstream:
                  url: "http://127.0.0.1:%d"
                admin:
                  listen: "127.0.0.1:%d"
                access_log: "off"
                """.formatted(port, upstreamPort, adminPort));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String describe(Growth growth) {
        return String.format(Locale.ROOT, "%d -> %d bytes (%+.2f %%)", growth.baselineBytes(), growth.endBytes(),
                100 * growth.fraction());
    }

    private static Map<String, String> errorExamples(SoakRun run) {
        Map<String, String> examples = new TreeMap<>();
        run.phases().forEach(p -> p.result().errorExamples().forEach(examples::putIfAbsent));
        return examples;
    }
}

package dev.portcullis.bench.soak;

import dev.portcullis.bench.load.LoadResult;
import dev.portcullis.bench.soak.MemorySampler.Sample;
import dev.portcullis.bench.soak.SoakRun.Phase;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Writes one soak's record into its results directory: {@code soak.csv} (every sample),
 * {@code SOAK.md} (the machine, the settings, the verdict, the figures and one line per driver
 * run), and the proxy's config and output as they were. It is written before anything is
 * asserted, so a failed soak leaves its record too.
 */
final class SoakReport {

    private static final double MIB = 1024.0 * 1024.0;

    private SoakReport() {
    }

    static void write(SoakRun run, Path config, String proxyLog) throws IOException {
        Path dir = run.settings().resultsDir();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("soak.csv"), csv(run.samples()));
        Files.writeString(dir.resolve("SOAK.md"), markdown(run));
        Files.copy(config, dir.resolve("portcullis.yaml"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("proxy.log"), proxyLog);
    }

    static String csv(List<Sample> samples) {
        StringBuilder csv = new StringBuilder("seconds,stage,proxy_handshakes_ok,proxy_handshakes_failed,"
                + "proxy_resumed,rss_bytes,direct_bytes,heap_used_bytes,heap_committed_bytes,nonheap_committed_bytes\n");
        for (Sample s : samples) {
            csv.append(String.format(Locale.ROOT, "%.1f,%s,%d,%d,%d,%d,%d,%d,%d,%d%n", s.seconds(), s.stage().label(),
                    s.handshakesOk(), s.handshakesFailed(), s.resumed(), s.rssBytes(), s.directBytes(),
                    s.heapUsedBytes(), s.heapCommittedBytes(), s.nonHeapCommittedBytes()));
        }
        return csv.toString();
    }

    private static String markdown(SoakRun run) throws IOException {
        SoakSettings settings = run.settings();
        StringBuilder md = new StringBuilder();
        md.append("# Soak: ").append(count(run.handshakes())).append(" full mTLS handshakes through the real jar\n\n");
        md.append(DateTimeFormatter.ISO_INSTANT.format(settings.started().truncatedTo(ChronoUnit.SECONDS)))
                .append(" (UTC). Verdict: **").append(run.passed() ? "pass" : "FAIL").append("**. ")
                .append("Written by `SoakIT` (`mvn -B verify -Psoak`); see benchmarks/README.md.\n\n");

        md.append("## Machine\n\n");
        md.append("- `nproc`: ").append(command("nproc")).append('\n');
        md.append("- `uname -a`: `").append(command("uname", "-a")).append("`\n");
        md.append("- CPU: ").append(procField("/proc/cpuinfo", "model name")).append('\n');
        md.append("- memory: ").append(procField("/proc/meminfo", "MemTotal")).append('\n');
        md.append("- `java -version`: ").append(String.join("; ", command(javaBin(), "-version").lines().toList()))
                .append('\n');
        md.append("- shared: the proxy, the load driver and the upstream share these cores with each other "
                + "and with whatever else runs on the machine\n\n");

        md.append("## What ran\n\n");
        md.append("- command: `").append(commandLine()).append("`\n");
        md.append("- proxy: `bin/portcullis --config portcullis.yaml` (this directory), which ran `")
                .append(String.join(" ", run.proxyCommandLine())).append("` with `MALLOC_ARENA_MAX=")
                .append(run.mallocArenaMax()).append('`')
                .append(settings.javaOpts() == null ? " (the launcher's default flags)" : " (soak.javaOpts)")
                .append("; access log off\n");
        md.append("- jar: `proxy-app/target/portcullis.jar`, SHA-256 `").append(sha256(jar(settings)))
                .append("`, checkout at `").append(command("git", "-C", settings.root().toString(), "rev-parse", "HEAD"))
                .append("` (uncommitted changes, if any, are not recorded)\n");
        md.append("- load: `LoadDriver --mode handshake --connections ").append(settings.connections())
                .append(" --threads 1`, in the test JVM: per iteration a new TCP connection, a full mTLS handshake "
                        + "(the client's session cache is off, so it never offers a session) and one GET with "
                        + "`Connection: close`; ")
                .append(run.phases().size()).append(" driver runs of at most ")
                .append(settings.phase().toSeconds()).append(" s, back to back\n");
        md.append("- upstream: the JDK's `HttpServer` in the test JVM, 200 with a small body\n");
        md.append("- samples: every ").append(settings.sampleEvery().toMillis() / 1000.0)
                .append(" s: VmRSS from `/proc/PID/status`; from the admin `/metrics`: "
                        + "`netty_allocator_memory_used{memory_type=\"direct\"}` summed over allocators, heap and "
                        + "non-heap, the handshake counters (`soak.csv`)\n");
        md.append("- warm-up: the first ").append(count(run.warmupHandshakes()))
                .append(" handshakes (at least soak.warmup = ").append(count(settings.warmupHandshakes()))
                .append("); baseline = median of the first ").append(run.medianOf())
                .append(" samples after it, end = median of the last ").append(run.medianOf()).append(" of the ")
                .append(run.judged().size()).append(" samples taken under load after it\n\n");

        md.append("## Results\n\n");
        md.append("| | baseline | end | growth | limit | within |\n|---|---:|---:|---:|---|---|\n");
        if (run.judgeable()) {
            growthRow(md, "RSS", run.rss(), "< 5 %", yes(run.rssWithinLimit()));
            growthRow(md, "Netty direct memory", run.direct(), "< 5 % or < 1 MiB", yes(run.directWithinLimit()));
            growthRow(md, "heap committed", run.heapCommitted(), "information", "");
            growthRow(md, "non-heap committed", run.nonHeapCommitted(), "information", "");
        } else {
            md.append("| (too few samples after the warm-up to judge growth: ").append(run.judged().size())
                    .append(") | | | | | no |\n");
        }
        md.append('\n');
        md.append("- handshakes: ").append(count(run.handshakes())).append(" by the driver (required: ")
                .append(count(settings.handshakes())).append("), resumed ").append(run.resumed())
                .append("; the proxy counted ").append(count(run.proxyHandshakesOk())).append(" ok, resumed ")
                .append(run.proxyResumed()).append(", failed ").append(failed(run)).append('\n');
        md.append("- requests: ").append(count(run.requests())).append(" completed with 200; the upstream answered ")
                .append(count(run.upstreamRequests())).append('\n');
        md.append("- driver errors: ").append(run.errors()).append(run.errorsByKind().isEmpty() ? "" : " " + run.errorsByKind())
                .append('\n');
        md.append(String.format(Locale.ROOT, "- duration: %.1f s of load (%.1f s inside the driver's windows), "
                + "%.0f full handshakes/s%n", run.loadSeconds(), run.driverSeconds(), run.handshakesPerSecond()));
        if (!run.phases().isEmpty()) {
            md.append("- TLS: ").append(run.phases().get(0).result().tlsProtocol()).append('\n');
        }
        md.append('\n');

        md.append("## Driver runs\n\n");
        md.append("| # | stage | s | handshakes | handshakes/s | errors | resumed | p50 ms | p99 ms | max ms |\n");
        md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Phase phase : run.phases()) {
            LoadResult r = phase.result();
            md.append(String.format(Locale.ROOT, "| %d | %s | %.1f | %d | %.0f | %d | %d | %.1f | %.1f | %.1f |%n",
                    phase.number(), phase.stage().label(), r.durationSeconds(), r.handshakes(),
                    r.durationSeconds() > 0 ? r.handshakes() / r.durationSeconds() : 0, r.errors(), r.resumed(),
                    r.p50Ms(), r.p99Ms(), r.maxMs()));
        }
        md.append('\n');
        md.append("A driver run's end closes the connections it has in flight, so the proxy may count up to ")
                .append(settings.connections()).append(" handshakes per run as failed (closed mid-handshake); "
                        + "the driver counts no error for those.\n");
        return md.toString();
    }

    private static void growthRow(StringBuilder md, String name, Growth growth, String limit, String within) {
        md.append(String.format(Locale.ROOT, "| %s | %.1f MiB | %.1f MiB | %+.2f %% (%+.2f MiB) | %s | %s |%n",
                name, growth.baselineBytes() / MIB, growth.endBytes() / MIB, 100 * growth.fraction(),
                growth.bytes() / MIB, limit, within));
    }

    private static String failed(SoakRun run) {
        long total = run.failedByReason().values().stream().mapToLong(Long::longValue).sum();
        return total == 0 ? "0" : total + " " + new TreeMap<>(run.failedByReason());
    }

    private static String yes(boolean within) {
        return within ? "yes" : "**no**";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** The Maven command that reproduces this run, with the soak.* properties it was given. */
    private static String commandLine() {
        StringBuilder line = new StringBuilder("mvn -B verify -Psoak");
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("soak.")).sorted()
                .forEach(name -> line.append(" -D").append(name).append('=').append(System.getProperty(name)));
        return line.toString();
    }

    private static Path jar(SoakSettings settings) {
        return settings.root().resolve("proxy-app/target/portcullis.jar");
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value of the first {@code name : value} line of a /proc file. */
    private static String procField(String file, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of(file))) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return "unknown";
    }

    /** A short command's output (stdout and stderr), or "unavailable". */
    private static String command(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out;
            try (InputStream in = process.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "unavailable";
            }
            return process.exitValue() == 0 ? out : "unavailable";
        } catch (IOException e) {
            return "unavailable";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unavailable";
        }
    }
}

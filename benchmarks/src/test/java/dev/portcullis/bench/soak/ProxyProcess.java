package dev.portcullis.bench.soak;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The proxy under test, as users run it: {@code bin/portcullis --config FILE}, which is
 * {@code proxy-app/target/portcullis.jar} with the launcher's default JVM flags and
 * {@code MALLOC_ARENA_MAX}. The launcher {@code exec}s java, so the process started here is the
 * JVM whose memory is sampled. Its {@code PATH} starts with this JVM's {@code bin}, so the proxy
 * runs on the same JDK as the test.
 *
 * <p>Output goes to a file, so the child can never block on a full pipe. {@link #close} sends
 * SIGTERM and then SIGKILL after {@link #STOP_TIMEOUT}; a shutdown hook does the same if the test
 * JVM is stopped first, so no proxy outlives the build.
 */
final class ProxyProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final int HTTP_TIMEOUT_MILLIS = 5_000;

    private final Process process;
    private final int adminPort;
    private final Path log;
    private final Thread killOnExit;

    private ProxyProcess(Process process, int adminPort, Path log) {
        this.process = process;
        this.adminPort = adminPort;
        this.log = log;
        this.killOnExit = new Thread(process::destroyForcibly, "soak-proxy-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts the launcher and returns once the admin endpoint's {@code /readyz} answers 200.
     *
     * @param javaOpts {@code PORTCULLIS_JAVA_OPTS}, or null for the launcher's defaults
     */
    static ProxyProcess start(Path root, Path config, int adminPort, Path log, String javaOpts)
            throws IOException, InterruptedException {
        Path launcher = root.resolve("bin/portcullis");
        Path jar = root.resolve("proxy-app/target/portcullis.jar");
        if (!Files.isRegularFile(jar)) {
            // The launcher would build it with Maven, inside this build: refuse instead.
            throw new IllegalStateException(jar + " is missing; build proxy-app first "
                    + "(mvn -B verify -Psoak from the root builds it before the benchmarks module)");
        }
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "--config", config.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        Path javaBin = Path.of(System.getProperty("java.home"), "bin");
        env.put("PATH", javaBin + File.pathSeparator + env.getOrDefault("PATH", ""));
        // The launcher's defaults are what is measured, whatever the calling shell exported.
        env.remove("PORTCULLIS_JAVA_OPTS");
        env.remove("MALLOC_ARENA_MAX");
        if (javaOpts != null) {
            env.put("PORTCULLIS_JAVA_OPTS", javaOpts);
        }
        ProxyProcess proxy = new ProxyProcess(builder.start(), adminPort, log);
        try {
            proxy.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    long pid() {
        return process.pid();
    }

    /** VmRSS of the proxy's JVM, from {@code /proc/PID/status}. */
    long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                // "VmRSS:     123456 kB"
                return Long.parseLong(line.substring(6).strip().split("\\s+")[0]) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid() + "/status");
    }

    /** The JVM's command line as the kernel has it: the flags the launcher really used. */
    List<String> commandLine() throws IOException {
        String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid()), "cmdline")),
                StandardCharsets.UTF_8);
        return Arrays.asList(raw.split("\0"));
    }

    /** {@code MALLOC_ARENA_MAX} in the proxy's environment, as the launcher exported it. */
    String mallocArenaMax() throws IOException {
        String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid()), "environ")),
                StandardCharsets.UTF_8);
        for (String entry : raw.split("\0")) {
            if (entry.startsWith("MALLOC_ARENA_MAX=")) {
                return entry.substring("MALLOC_ARENA_MAX=".length());
            }
        }
        return "unset";
    }

    /** The admin endpoint's {@code /metrics}, Prometheus text. */
    String metrics() throws IOException {
        return get("/metrics");
    }

    /** What the proxy printed so far. */
    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** SIGTERM, then SIGKILL if it is still there after {@link #STOP_TIMEOUT} or if this thread is interrupted. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to; it kills the process anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("portcullis exited with " + process.exitValue()
                        + " before it was ready:\n" + log());
            }
            if (status("/readyz") == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("portcullis was not ready within " + READY_TIMEOUT.toSeconds() + " s:\n" + log());
    }

    /** The status of a GET to the admin endpoint, or -1 while nothing listens. */
    private int status(String path) {
        HttpURLConnection connection = null;
        try {
            connection = open(path);
            int status = connection.getResponseCode();
            drain(status < 400 ? connection.getInputStream() : connection.getErrorStream());
            return status;
        } catch (IOException notListening) {
            return -1;
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    private String get(String path) throws IOException {
        HttpURLConnection connection = open(path);
        try {
            int status = connection.getResponseCode();
            if (status != 200) {
                drain(connection.getErrorStream());
                throw new IOException("GET " + path + " on the admin endpoint: status " + status);
            }
            try (InputStream in = connection.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } finally {
            connection.disconnect();
        }
    }

    private HttpURLConnection open(String path) throws IOException {
        requireNonNull(path, "path");
        HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + adminPort + path)
                .toURL().openConnection();
        connection.setConnectTimeout(HTTP_TIMEOUT_MILLIS);
        connection.setReadTimeout(HTTP_TIMEOUT_MILLIS);
        return connection;
    }

    private static void drain(InputStream in) throws IOException {
        if (in != null) {
            try (in) {
                in.readAllBytes();
            }
        }
    }
}

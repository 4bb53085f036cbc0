package dev.portcullis.app;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code target/portcullis.jar} as a child JVM, the way users and {@code bin/portcullis} do,
 * so the *IT tests see the real manifest, the shaded Log4j plugins, exit codes and signals.
 * Failsafe passes the jar's path as the system property {@code portcullis.jar}.
 */
final class PortcullisJar {

    private PortcullisJar() {
    }

    /** What a finished run printed and returned. */
    record Result(int exitCode, String stdout, String stderr) {

        List<String> stderrLines() {
            return stderr.lines().toList();
        }
    }

    static Path jar() {
        String jar = System.getProperty("portcullis.jar");
        assertThat(jar).as("system property portcullis.jar (set by failsafe)").isNotNull();
        assertThat(Path.of(jar)).exists();
        return Path.of(jar);
    }

    static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xss512k");
        command.add("-XX:+UseSerialGC");
        // The jar turns leak detection off unless told otherwise; tests always look for leaks.
        command.add("-Dio.netty.leakDetection.level=paranoid");
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs a command that ends by itself and collects its output. */
    static Result run(String... args) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command(args)).redirectInput(ProcessBuilder.Redirect.from(devNull()))
                .start();
        CompletableFuture<String> stdout = readAsync(process.getInputStream());
        CompletableFuture<String> stderr = readAsync(process.getErrorStream());
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("portcullis " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Result(process.exitValue(), stdout.join(), stderr.join());
    }

    /** Starts a long-running command; stderr goes to {@code stderrFile} so it can never block the child. */
    static Process start(Path stderrFile, String... args) throws IOException {
        return new ProcessBuilder(command(args))
                .redirectInput(ProcessBuilder.Redirect.from(devNull()))
                .redirectError(stderrFile.toFile())
                .start();
    }

    /** Sends SIGTERM (what {@link Process#destroy} does on Unix) and waits for the exit code. */
    static int terminate(Process process, Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("portcullis did not stop within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    /** A port nothing listens on right now, for a child process to bind. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Writes {@code dir/portcullis.yaml} for the dev PKI that {@code DevPki.write(dir)} put there
     * (paths in a config resolve against its directory): the proxy on 127.0.0.1:{@code port},
     * {@code upstreamPort} as its upstream, the admin server on {@code adminPort} (0: any free
     * port), then {@code more}: further top-level YAML, which must say what {@code access_log} is.
     */
    static Path writeConfig(Path dir, int port, int upstreamPort, int adminPort, String more) throws IOException {
        Path config = dir.resolve("portcullis.yaml");
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
                """.formatted(port, upstreamPort, adminPort) + more);
        return config;
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}

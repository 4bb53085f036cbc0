package dev.portcullis.app;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.core.pki.DevPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container image's runtime, without a container engine: runs {@code docker/build-runtime.sh}
 * (the script the Dockerfile's build stage runs) into {@code target/container-runtime}, then starts
 * the proxy through the image's entry point on that jlink runtime, with an empty private
 * {@code TMPDIR}. One mTLS request goes through to an upstream, {@code /metrics} has the JVM and
 * Netty meters, the Netty native libraries come from the shipped {@code lib/} (so nothing is
 * extracted: read-only root filesystem), and SIGTERM exits 0. This proves the module list is
 * complete for what these paths load; the idle RSS 5 s after ready is printed for the docs.
 */
class ContainerRuntimeIT {

    @TempDir
    Path dir;

    private Process process;
    private HttpServer upstream;

    @AfterEach
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    @Test
    void proxyRunsOnTheJlinkRuntimeFromTheImageEntryPointWithoutWritingAnything() throws Exception {
        Path javaHome = Path.of(System.getProperty("java.home"));
        Assumptions.assumeTrue(Files.isExecutable(javaHome.resolve("bin/jlink")) && Files.isDirectory(javaHome.resolve("jmods")),
                "jlink or the jmods are missing in " + javaHome + "; the container runtime is not tested");
        Path jar = PortcullisJar.jar();
        Path repo = jar.toAbsolutePath().getParent().getParent().getParent();
        Path home = jar.toAbsolutePath().getParent().resolve("container-runtime");

        ProcessResult build = exec(List.of("bash", repo.resolve("docker/build-runtime.sh").toString(), jar.toString(),
                home.toString()), 120);
        assertThat(build.exitCode()).as("build-runtime.sh failed:%n%s", build.output()).isZero();
        assertThat(runtimeModules(home)).as("the runtime must hold every module jdeps finds in the jar")
                .containsAll(jdepsModules(jar));

        Path pki = dir.resolve("pki");
        ProcessResult certs = exec(List.of(home.resolve("bin/portcullis").toString(), "certs", "--out", pki.toString()), 60);
        assertThat(certs.exitCode()).as("portcullis certs on the jlink runtime:%n%s", certs.output()).isZero();

        Path etc = Files.createDirectories(dir.resolve("etc-portcullis/tls"));
        Files.copy(pki.resolve("server.crt"), etc.resolve("tls.crt"));
        Files.copy(pki.resolve("server.key"), etc.resolve("tls.key"));
        Files.copy(pki.resolve("ca.crt"), etc.resolve("ca.crt"));
        Path imageConfig = Files.copy(repo.resolve("docker/portcullis.yaml"), etc.resolveSibling("portcullis.yaml"));
        ProcessResult validate = exec(List.of(home.resolve("bin/portcullis").toString(), "validate", "--config",
                imageConfig.toString()), 60);
        assertThat(validate.output()).as("the image's default config with certificates under tls/").contains("ok");
        assertThat(validate.exitCode()).isZero();

        AtomicReference<String> seenSubject = new AtomicReference<>();
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            seenSubject.set(exchange.getRequestHeaders().getFirst("X-Client-DN"));
            byte[] body = "from upstream".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        int port = PortcullisJar.freePort();
        int adminPort = PortcullisJar.freePort();
        Path config = dir.resolve("portcullis.yaml");
        Files.writeString(config, """
                listen: "127.0.0.1:%d"
                tls:
                  cert: pki/server.crt
                  key: pki/server.key
                  client_ca: pki/ca.crt
                upstream:
                  url: "http://127.0.0.1:%d"
                admin:
                  listen: "127.0.0.1:%d"
                access_log: stdout
                """.formatted(port, upstream.getAddress().getPort(), adminPort));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder proxy = new ProcessBuilder(home.resolve("bin/portcullis").toString(), "--config", config.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        proxy.environment().put("TMPDIR", tmp.toString());
        process = proxy.start();
        HttpClient admin = HttpClient.newHttpClient();
        assertThat(awaitReady(admin, adminPort)).as("/readyz; stderr: %s", PortcullisJar.read(stderr)).isEqualTo(200);

        ProcessBuilder healthcheck = new ProcessBuilder(home.resolve("bin/healthcheck").toString()).redirectErrorStream(true);
        healthcheck.environment().put("PORTCULLIS_ADMIN_PORT", Integer.toString(adminPort));
        Process check = healthcheck.start();
        assertThat(check.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as("the image's HEALTHCHECK script against /healthz").isZero();

        Thread.sleep(5000);
        long idleRssKib = vmRssKib(process.pid());
        System.out.printf("ContainerRuntimeIT: idle VmRSS on the jlink runtime 5 s after ready: %d KiB (%.1f MiB)%n",
                idleRssKib, idleRssKib / 1024.0);

        SSLContext tls = Pem.clientContext(pki.resolve("client.crt"), pki.resolve("client.key"), pki.resolve("ca.crt"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("stderr: %s", PortcullisJar.read(stderr)).isEqualTo(200);
        assertThat(response.body()).isEqualTo("from upstream");
        assertThat(seenSubject.get()).as("the EC client certificate was verified (SunEC, jdk.crypto.ec)")
                .isEqualTo(DevPki.CLIENT_SUBJECT);

        PrometheusText metrics = PrometheusText.parse(admin.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(metrics.value("portcullis_requests_total{code=\"2xx\"}")).isEqualTo(1.0);
        assertThat(metrics.types()).as("JVM (java.management, jdk.management) and Netty meters")
                .containsKeys("jvm_memory_used_bytes", "jvm_gc_collections_total", "jvm_threads_live_threads",
                        "process_uptime_seconds", "process_files_open_files", "process_resident_memory_bytes",
                        "netty_allocator_memory_used", "netty_eventexecutor_workers");

        String maps = Files.readString(Path.of("/proc", Long.toString(process.pid()), "maps"));
        assertThat(maps).as("epoll and BoringSSL loaded from the shipped lib/, not extracted")
                .contains(home.resolve("lib") + "/libnetty_transport_native_epoll_")
                .contains(home.resolve("lib") + "/libnetty_tcnative_linux_");
        try (Stream<Path> written = Files.list(tmp)) {
            assertThat(written).as("nothing written to TMPDIR (read-only root filesystem)").isEmpty();
        }

        assertThat(PortcullisJar.terminate(process, Duration.ofSeconds(20))).as("SIGTERM exits 0").isZero();
        assertThat(PortcullisJar.read(stdout)).as("access log on stdout").contains("\"path\":\"/hello\"");
        assertThat(PortcullisJar.read(stderr)).as("a module missing at run time shows up as one of these")
                .doesNotContain("NoClassDefFoundError", "ClassNotFoundException", "UnsatisfiedLinkError",
                        "NoSuchAlgorithmException", "Exception in thread");
    }

    /** The modules jlink put in the runtime, from its {@code release} file. */
    private static Set<String> runtimeModules(Path home) throws IOException {
        String line = Files.readAllLines(home.resolve("runtime/release")).stream()
                .filter(l -> l.startsWith("MODULES=")).findFirst().orElseThrow();
        return Set.of(line.substring("MODULES=".length()).replace("\"", "").trim().split("\\s+"));
    }

    private static Set<String> jdepsModules(Path jar) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
                "--ignore-missing-deps", "--print-module-deps", "--multi-release", "17", jar.toString());
        String text = out.toString(StandardCharsets.UTF_8).trim();
        assertThat(code).as("jdeps: %s", text).isZero();
        String last = text.lines().reduce((a, b) -> b).orElseThrow();
        return Arrays.stream(last.split(",")).map(String::trim).collect(Collectors.toSet());
    }

    private record ProcessResult(int exitCode, String output) {
    }

    private static ProcessResult exec(List<String> command, int timeoutSeconds) throws Exception {
        Path log = Files.createTempFile("container-runtime", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process child = builder.start();
            if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s: " + Files.readString(log));
            }
            return new ProcessResult(child.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static long vmRssKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElseThrow();
    }

    private static int awaitReady(HttpClient admin, int adminPort) throws Exception {
        int last = -1;
        for (long deadline = System.nanoTime() + 30_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            try {
                last = admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == 200) {
                    return last;
                }
            } catch (IOException notListening) {
                last = -1;
            }
        }
        return last;
    }
}

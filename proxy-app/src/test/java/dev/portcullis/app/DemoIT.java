package dev.portcullis.app;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code portcullis demo} end to end against the real jar: the printed curl works, the echo
 * upstream sees the verified identity, the printed admin endpoint serves the proxy's metrics, and
 * SIGTERM ends the process with exit 0.
 */
class DemoIT {

    private static final Duration STARTUP = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Process process;

    @AfterEach
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    void printedCurlGetsTheEchoedVerifiedIdentityAndSigtermExitsZero() throws Exception {
        int port = PortcullisJar.freePort();
        Path stderr = dir.resolve("stderr.txt");
        Path demoDir = dir.resolve("demo");
        process = PortcullisJar.start(stderr, "demo", "--dir", demoDir.toString(), "--port", String.valueOf(port));
        BlockingQueue<String> stdout = linesOf(process);

        List<String> banner = readUntil(stdout, line -> line.trim().startsWith("curl "), stderr);
        String curl = banner.get(banner.size() - 1).trim();

        assertThat(banner.get(0)).startsWith("Portcullis demo: proxy on https://localhost:" + port
                + " -> built-in echo upstream on 127.0.0.1:");
        assertThat(curl).isEqualTo("curl --cert " + demoDir.resolve("client.crt") + " --key "
                + demoDir.resolve("client.key") + " --cacert " + demoDir.resolve("ca.crt")
                + " https://localhost:" + port + "/hello");

        SSLContext tls = Pem.clientContext(demoDir.resolve("client.crt"), demoDir.resolve("client.key"),
                demoDir.resolve("ca.crt"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/hello"))
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as("body: " + response.body()).isEqualTo(200);
        String echoed = response.body().toLowerCase(Locale.ROOT);
        assertThat(echoed)
                .as("the upstream saw the identity Portcullis verified")
                .contains("\"x-client-verify\": \"success\"")
                .contains("\"x-client-dn\": \"cn=dev-client,o=portcullis dev\"")
                .contains("\"uri\": \"/hello\"");

        if (curlInstalled()) {
            Process curlProcess = new ProcessBuilder(curl.split(" ")).redirectErrorStream(true).start();
            String curlOutput = new String(curlProcess.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curlProcess.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(curlProcess.exitValue()).as("curl output: " + curlOutput).isZero();
            assertThat(curlOutput.toLowerCase(Locale.ROOT)).contains("\"x-client-verify\": \"success\"");
        }

        List<String> afterCurl = readUntil(stdout, line -> line.startsWith("Admin endpoint: "), stderr);
        String adminLine = afterCurl.get(afterCurl.size() - 1);
        assertThat(adminLine).matches("Admin endpoint: http://127\\.0\\.0\\.1:\\d+/metrics \\(also .*\\)");
        URI metricsUrl = URI.create(adminLine.split(" ")[2]);
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(metricsUrl).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(PrometheusText.parse(metrics.body()).value(
                "portcullis_tls_handshakes_total{reason=\"none\",result=\"ok\"}"))
                .as("the printed admin address serves the demo proxy's meters").isPositive();
        HttpResponse<String> ready = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(metricsUrl.resolve("/readyz")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);

        assertThat(PortcullisJar.terminate(process, Duration.ofSeconds(15)))
                .as("SIGTERM is a normal stop (stderr: %s)", PortcullisJar.read(stderr))
                .isZero();
        assertThat(Files.readString(stderr)).doesNotContain("Exception").doesNotContain("LEAK");
    }

    @Test
    void portInUseIsOneLineAndExitOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            PortcullisJar.Result result = PortcullisJar.run("demo", "--dir", dir.toString(),
                    "--port", String.valueOf(taken.getLocalPort()));

            assertThat(result.stderrLines()).as("stderr: " + result.stderr()).singleElement().asString()
                    .startsWith("portcullis: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ");
            assertThat(result.exitCode()).isEqualTo(1);
        }
    }

    private static boolean curlInstalled() {
        try {
            return new ProcessBuilder("curl", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static BlockingQueue<String> linesOf(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "demo-stdout");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private List<String> readUntil(BlockingQueue<String> stdout, java.util.function.Predicate<String> last,
                                   Path stderr) throws Exception {
        List<String> lines = new ArrayList<>();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            String line = stdout.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                lines.add(line);
                if (last.test(line)) {
                    return lines;
                }
            } else if (!process.isAlive()) {
                break;
            }
        }
        throw new AssertionError("demo did not print its curl line; stdout: " + lines
                + (process.isAlive() ? "" : ", exit " + process.exitValue())
                + ", stderr: " + PortcullisJar.read(stderr));
    }
}

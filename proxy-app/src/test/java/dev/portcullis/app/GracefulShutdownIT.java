package dev.portcullis.app;

import com.sun.net.httpserver.HttpServer;
import dev.portcullis.core.pki.DevPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SIGTERM on the real jar: {@code /readyz} turns 503, the listener stops accepting, the request in
 * flight finishes with 200, and the process exits 0 (not the JVM's 143).
 */
class GracefulShutdownIT {

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
    void sigtermDrainsTheRequestInFlightAndExitsZero() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", exchange -> {
            arrived.countDown();
            sleep(1500);
            byte[] body = "finished".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        DevPki pki = DevPki.write(dir);
        int port = PortcullisJar.freePort();
        int adminPort = PortcullisJar.freePort();
        Path config = PortcullisJar.writeConfig(dir, port, upstream.getAddress().getPort(), adminPort, """
                access_log: "off"
                shutdown:
                  drain_timeout: 10s
                """);
        Path stderr = dir.resolve("stderr.txt");
        process = PortcullisJar.start(stderr, "--config", config.toString());
        HttpClient admin = HttpClient.newHttpClient();
        awaitStatus(admin, adminPort, 200);
        SSLContext tls = Pem.clientContext(pki.clientCert(), pki.clientKey(), pki.caCert());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();

        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/slow")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
        process.destroy(); // SIGTERM

        assertThat(awaitStatus(admin, adminPort, 503)).as("stderr: %s", PortcullisJar.read(stderr)).isEqualTo(503);
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                .as("the listener no longer accepts").isInstanceOf(IOException.class);
        HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("finished");
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(PortcullisJar.read(stderr)).contains("draining").contains("Portcullis stopped");
    }

    private static int awaitStatus(HttpClient admin, int adminPort, int wanted) throws Exception {
        int last = -1;
        for (long deadline = System.nanoTime() + 20_000_000_000L; System.nanoTime() < deadline; Thread.sleep(20)) {
            try {
                last = admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == wanted) {
                    return last;
                }
            } catch (IOException notListening) {
                last = -1;
            }
        }
        return last;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.portcullis.app;

import dev.portcullis.core.pki.DevPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGHUP reloads the TLS material and identity.allow of the real jar, even with the file watcher off. */
class SighupIT {

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
    void sighupAppliesANewAllowRule() throws Exception {
        DevPki pki = DevPki.write(dir);
        int port = PortcullisJar.freePort();
        Path config = dir.resolve("portcullis.yaml");
        String base = """
                listen: "127.0.0.1:%d"
                tls:
                  cert: server.crt
                  key: server.key
                  client_ca: ca.crt
                  reload: false
                upstream:
                  url: "http://127.0.0.1:%d"
                admin:
                  listen: "127.0.0.1:0"
                access_log: "off"
                """.formatted(port, PortcullisJar.freePort());
        Files.writeString(config, base);
        Path stderr = dir.resolve("stderr.txt");
        process = PortcullisJar.start(stderr, "--config", config.toString());
        SSLContext tls = Pem.clientContext(pki.clientCert(), pki.clientKey(), pki.caCert());
        assertThat(awaitStatus(tls, port, 502)).as("admitted; the upstream is down").isEqualTo(502);

        Files.writeString(config, base + "identity:\n  allow:\n    - { subject: \"CN=somebody-else\" }\n");
        new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start().waitFor();

        assertThat(awaitStatus(tls, port, 403)).as("stderr: %s", PortcullisJar.read(stderr)).isEqualTo(403);
        assertThat(PortcullisJar.read(stderr)).contains("SIGHUP received").contains("TLS material reloaded");
        assertThat(PortcullisJar.terminate(process, Duration.ofSeconds(15))).isZero();
    }

    /** Each attempt on a new connection: existing connections keep the decision of their handshake. */
    private static int awaitStatus(SSLContext tls, int port, int wanted) throws Exception {
        int last = -1;
        for (long deadline = System.nanoTime() + 20_000_000_000L; System.nanoTime() < deadline; Thread.sleep(100)) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            try {
                last = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == wanted) {
                    return last;
                }
            } catch (java.io.IOException notYetListening) {
                last = -1;
            }
        }
        return last;
    }
}

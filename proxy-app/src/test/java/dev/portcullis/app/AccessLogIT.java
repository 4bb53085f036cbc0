package dev.portcullis.app;

import dev.portcullis.core.pki.DevPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The real jar writes JSON access lines to the configured file, with tokens redacted. */
class AccessLogIT {

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
    void accessLinesGoToTheConfiguredFile() throws Exception {
        DevPki pki = DevPki.write(dir);
        int port = PortcullisJar.freePort();
        Path config = PortcullisJar.writeConfig(dir, port, PortcullisJar.freePort(), 0, "access_log: logs/access.json\n");
        Files.createDirectory(dir.resolve("logs"));
        Path stderr = dir.resolve("stderr.txt");
        process = PortcullisJar.start(stderr, "--config", config.toString());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(Pem.clientContext(pki.clientCert(), pki.clientKey(), pki.caCert()))
                .connectTimeout(Duration.ofSeconds(5)).build();

        assertThat(awaitStatus(client, port, "/orders?access_token=s3cr3t-in-url&page=2")).isEqualTo(400);
        assertThat(awaitStatus(client, port, "/orders")).as("the upstream is down").isEqualTo(502);
        assertThat(PortcullisJar.terminate(process, Duration.ofSeconds(15))).isZero();

        String log = Files.readString(dir.resolve("logs/access.json"));
        List<String> lines = log.lines().toList();
        Yaml json = new Yaml();
        Map<String, Object> rejected = json.load(lines.get(lines.size() - 2));
        Map<String, Object> failed = json.load(lines.get(lines.size() - 1));
        assertThat(rejected).containsEntry("path", "/orders?access_token=[REDACTED]&page=2")
                .containsEntry("status", 400).containsEntry("error", "token_in_query")
                .containsEntry("subject", "CN=dev-client,O=Portcullis Dev");
        assertThat(failed).containsEntry("path", "/orders").containsEntry("status", 502)
                .containsEntry("error", "upstream_unavailable");
        assertThat(log + PortcullisJar.read(stderr)).doesNotContain("s3cr3t-in-url");
    }

    /** Retries until the proxy listens. */
    private static int awaitStatus(HttpClient client, int port, String path) throws Exception {
        for (long deadline = System.nanoTime() + 20_000_000_000L; ; Thread.sleep(100)) {
            try {
                return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException notYetListening) {
                if (System.nanoTime() > deadline) {
                    throw notYetListening;
                }
            }
        }
    }
}

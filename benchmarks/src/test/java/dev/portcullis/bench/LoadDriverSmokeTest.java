package dev.portcullis.bench;

import dev.portcullis.bench.load.LoadDriver;
import dev.portcullis.bench.load.LoadOptions;
import dev.portcullis.bench.load.LoadResult;
import dev.portcullis.bench.load.Mode;
import dev.portcullis.core.pki.PemWriter;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.ProxyExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI smoke run of the load driver: every mode, in-process, for about five seconds in all,
 * against the real proxy and a real upstream. It proves that the driver completes requests
 * without errors (and without leaking a buffer: the build runs paranoid leak detection), that
 * handshake mode really makes full handshakes and resume mode really resumes, and that idle mode
 * holds its connections. It measures nothing worth comparing.
 */
class LoadDriverSmokeTest {

    @RegisterExtension
    static final ProxyExtension proxy = new ProxyExtension();

    @TempDir
    static Path dir;

    private static Path cert;
    private static Path key;
    private static Path caCert;

    /** The client's files, as the CLI takes them: chain (leaf + Client CA), PKCS#8 key, server root. */
    @BeforeAll
    static void writeClientFiles() throws Exception {
        ClientCredentials client = proxy.pki().validClient();
        cert = Files.writeString(dir.resolve("client.crt"), PemWriter.certificates(client.chain()));
        key = dir.resolve("client.key");
        PemWriter.writePrivateKey(key, client.privateKey());
        caCert = Files.writeString(dir.resolve("ca.crt"), PemWriter.certificates(client.serverTrust()));
    }

    @Test
    void keepaliveCompletesRequestsWithoutErrorsAndEveryOneReachedTheUpstream() throws Exception {
        LoadResult result = report(LoadDriver.run(options(Mode.KEEPALIVE, 10, "1500ms", "500ms")));

        assertThat(result.requests()).as("requests in the window").isPositive();
        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.rps()).isPositive();
        assertThat(result.p50Ms()).isPositive().isLessThanOrEqualTo(result.p99Ms());
        assertThat(result.p99Ms()).isLessThanOrEqualTo(result.maxMs());
        assertThat(proxy.upstream().requestCount())
                .as("each counted response must be a real round trip through the proxy")
                .isGreaterThanOrEqualTo((int) result.requests());
        assertThat(result.summaryLine()).startsWith("keepalive c=10 1.5s: " + result.requests() + " req, ");
        assertThat(result.toJson()).startsWith("{\"mode\":\"keepalive\",\"connections\":10,\"duration_s\":1.500,")
                .contains("\"p999_ms\":", "\"errors\":0,").doesNotContain("resumed_fraction");
    }

    @Test
    void handshakeModeMakesOnlyFullHandshakes() throws Exception {
        LoadResult result = report(LoadDriver.run(options(Mode.HANDSHAKE, 4, "1s", "200ms")));

        assertThat(result.requests()).isPositive();
        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.handshakes()).as("one handshake per request").isGreaterThanOrEqualTo(result.requests() - 4);
        // SSL_session_reused on the client reports what the server's ServerHello decided, so no
        // resumed handshake on this side means the proxy did a full handshake (and verified the
        // client chain) for every connection.
        assertThat(result.resumed()).as("handshakes the proxy resumed, which this mode must prevent").isZero();
        assertThat(result.toJson()).contains("\"resumed_fraction\":0.000");
    }

    @Test
    void resumeModeResumesMostHandshakes() throws Exception {
        LoadResult result = report(LoadDriver.run(options(Mode.RESUME, 4, "1s", "200ms")));

        assertThat(result.requests()).isPositive();
        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.resumedFraction()).isPresent();
        assertThat(result.resumedFraction().getAsDouble())
                .as("resumed fraction of %d handshakes", result.handshakes()).isGreaterThan(0.5);
        assertThat(result.summaryLine()).contains("resumed ");
    }

    @Test
    void idleModeHoldsEveryConnectionAfterOneRequestAndSaysReady() throws Exception {
        AtomicInteger ready = new AtomicInteger(-1);
        List<Integer> readyCalls = new ArrayList<>();
        LoadResult result = report(LoadDriver.run(options(Mode.IDLE, 20, "500ms", "0"), n -> {
            readyCalls.add(n);
            ready.set(proxy.upstream().requestCount());
        }));

        assertThat(readyCalls).as("READY once, with every connection").containsExactly(20);
        assertThat(ready.get()).as("upstream requests when READY was reported").isEqualTo(20);
        assertThat(result.established()).isEqualTo(20);
        assertThat(result.requests()).as("one request per connection, none while held").isEqualTo(20);
        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.toJson()).contains("\"mode\":\"idle\"", "\"established\":20");
    }

    /** The summary in the build log, so a CI run shows what the smoke run did. */
    private static LoadResult report(LoadResult result) {
        System.out.println(result.summaryLine());
        return result;
    }

    private static LoadOptions options(Mode mode, int connections, String duration, String warmup) throws Exception {
        return LoadOptions.parse(
                "--url", "https://127.0.0.1:" + proxy.address().getPort() + "/load",
                "--cert", cert.toString(), "--key", key.toString(), "--cacert", caCert.toString(),
                "--mode", mode.label(), "--connections", Integer.toString(connections),
                "--duration", duration, "--warmup", warmup, "--timeout", "5s");
    }
}

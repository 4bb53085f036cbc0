package dev.portcullis.bench;

import dev.portcullis.bench.load.LoadDriver;
import dev.portcullis.bench.load.LoadOptions;
import dev.portcullis.bench.load.LoadResult;
import dev.portcullis.bench.load.Mode;
import dev.portcullis.core.pki.PemWriter;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI smoke run of the driver's h2 modes, about four seconds in all, in-process against the
 * real proxy (HTTP/2 to clients, HTTP/1.1 to the recording upstream), as the benchmark runs it.
 * It proves that the streams of each connection complete without errors (and without leaking a
 * buffer: the build runs paranoid leak detection), that streams beyond the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS wait in the driver instead of being refused, that a GOAWAY
 * (here the proxy's {@code max_requests_per_connection}) moves the streams to a new connection
 * without an error, that h2-idle holds its connections, and that a server without h2 is an
 * {@code alpn} error. It measures nothing worth comparing.
 */
class H2LoadSmokeTest {

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
    void streamsOfEveryConnectionCompleteWithoutErrorsAndEachReachedTheUpstream() throws Exception {
        LoadResult result = report(LoadDriver.run(options(Mode.H2, 2, 10, "1s", "300ms")));

        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.requests()).as("responses in the window").isPositive();
        assertThat(proxy.upstream().requestCount())
                .as("each counted response must be a real round trip through the proxy")
                .isGreaterThanOrEqualTo((int) result.requests());
        assertThat(result.p50Ms()).isPositive().isLessThanOrEqualTo(result.p99Ms());
        assertThat(result.serverMaxStreams()).as("the proxy's http2.max_concurrent_streams").isEqualTo(100);
        assertThat(result.handshakes()).as("connections opened in the window: both lived through it").isZero();
        assertThat(result.goAways()).isZero();
        assertThat(result.summaryLine()).startsWith("h2 c=2 streams=10 1.0s: " + result.requests() + " req, ")
                .contains("server max streams 100", "TLSv1.3 h2");
        assertThat(result.toJson()).startsWith("{\"mode\":\"h2\",\"connections\":2,\"duration_s\":1.000,")
                .contains("\"streams\":10,\"handshakes\":0,\"goaways\":0,\"server_max_concurrent_streams\":100");
    }

    @Test
    void streamsBeyondTheServersLimitWaitInTheDriverInsteadOfBeingRefused() throws Exception {
        proxy.restart(b -> b.set("http2.max_concurrent_streams", 4));

        LoadResult result = report(LoadDriver.run(options(Mode.H2, 1, 12, "500ms", "200ms")));

        assertThat(result.errors()).as("errors (a refused stream would be h2_rst_refused_stream): %s",
                result.errorExamples()).isZero();
        assertThat(result.serverMaxStreams()).isEqualTo(4);
        assertThat(result.requests()).isPositive();
    }

    @Test
    void aGoawayMovesTheStreamsToANewConnectionWithoutAnError() throws Exception {
        proxy.restart(b -> b.set("limits.max_requests_per_connection", 40));

        LoadResult result = report(LoadDriver.run(options(Mode.H2, 1, 10, "1s", "200ms")));

        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.goAways()).as("one GOAWAY per 40 streams").isGreaterThan(1);
        assertThat(result.handshakes()).as("a new connection for each").isPositive();
        assertThat(result.requests()).isGreaterThan(40);
        assertThat(Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "drain"))
                .as("the proxy's own count of them").isGreaterThanOrEqualTo(result.goAways());
    }

    @Test
    void idleHoldsEveryConnectionAfterItsRequestAndSaysReady() throws Exception {
        List<Integer> readyCalls = new ArrayList<>();
        List<Integer> upstreamWhenReady = new ArrayList<>();
        LoadResult result = report(LoadDriver.run(options(Mode.H2_IDLE, 10, 1, "300ms", "0"), n -> {
            readyCalls.add(n);
            upstreamWhenReady.add(proxy.upstream().requestCount());
        }));

        assertThat(readyCalls).as("READY once, with every connection").containsExactly(10);
        assertThat(upstreamWhenReady).as("upstream requests when READY was reported").containsExactly(10);
        assertThat(result.established()).isEqualTo(10);
        assertThat(result.requests()).as("one request per connection, none while held").isEqualTo(10);
        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.toJson()).contains("\"mode\":\"h2-idle\"", "\"established\":10", "\"streams\":1,");
    }

    @Test
    void aServerWithoutH2IsAnAlpnErrorAndNothingIsMeasured() throws Exception {
        proxy.restart(b -> b.set("http2.enabled", false));

        LoadResult result = report(LoadDriver.run(options(Mode.H2, 1, 2, "300ms", "0")));

        assertThat(result.requests()).isZero();
        assertThat(result.errorsByKind()).as("errors: %s", result.errorExamples()).containsKey("alpn");
        assertThat(proxy.upstream().requestCount()).isZero();
    }

    /** The summary in the build log, so a CI run shows what the smoke run did. */
    private static LoadResult report(LoadResult result) {
        System.out.println(result.summaryLine());
        return result;
    }

    private static LoadOptions options(Mode mode, int connections, int streams, String duration, String warmup)
            throws Exception {
        return LoadOptions.parse(
                "--url", "https://127.0.0.1:" + proxy.address().getPort() + "/load",
                "--cert", cert.toString(), "--key", key.toString(), "--cacert", caCert.toString(),
                "--mode", mode.label(), "--connections", Integer.toString(connections),
                "--streams", Integer.toString(streams),
                "--duration", duration, "--warmup", warmup, "--timeout", "5s");
    }
}

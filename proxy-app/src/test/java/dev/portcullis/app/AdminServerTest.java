package dev.portcullis.app;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.HostPort;
import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.ProxyServer;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.RecordingUpstream;
import dev.portcullis.testing.TestPki;
import dev.portcullis.testing.TlsTestClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin endpoint over real sockets, next to a real proxy whose meters live in the registry
 * {@code /metrics} scrapes: each route's status, headers and body, HEAD, keep-alive, errors, and
 * {@code /connections} following a live mTLS connection.
 */
class AdminServerTest {

    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(10);
    /** RFC 3339 UTC with milliseconds, as the access log writes {@code ts}. */
    private static final String RFC3339_UTC = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static RecordingUpstream upstream;
    private static ProxyConfig config;

    private PrometheusMeterRegistry metrics;
    /** What the admin endpoint sees: null, a running proxy, or a closed one. */
    private final AtomicReference<ProxyServer> proxy = new AtomicReference<>();
    /** The proxy this test started and has not closed yet. */
    private ProxyServer running;
    private AdminServer admin;

    @BeforeAll
    static void pkiAndUpstream() throws Exception {
        pki = TestPki.create();
        upstream = RecordingUpstream.start();
        config = ConfigLoader.load(ProxyExtension.builder().writeConfig(dir, pki, upstream.url()));
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    /** The admin endpoint first, with no proxy yet, as a test of startup order needs it. */
    @BeforeEach
    void startAdmin() throws IOException {
        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        admin = AdminServer.start(new HostPort("127.0.0.1", 0), metrics, proxy::get);
    }

    @AfterEach
    void stopAll() {
        try {
            closeProxy();
        } finally {
            admin.close();
            metrics.close();
        }
    }

    private void startProxy() throws Exception {
        running = ProxyServer.start(config, metrics);
        proxy.set(running);
    }

    /** Closes the proxy; the admin endpoint keeps seeing it, as it does while Portcullis shuts down. */
    private void closeProxy() {
        ProxyServer server = running;
        running = null;
        if (server != null) {
            server.close();
        }
    }

    // ---- /healthz and /readyz -------------------------------------------------------------

    @Test
    void healthzIsOkEvenBeforeTheProxyIsUp() throws Exception {
        RawResponse response = get("/healthz");

        assertThat(response.status()).isEqualTo(200);
        assertJson(response);
        assertThat(response.bodyText()).isEqualTo("{\"status\":\"ok\"}\n");
    }

    @Test
    void readyzIs503UntilTheProxyIsUpAndAgainOnceItCloses() throws Exception {
        RawResponse before = get("/readyz");
        assertThat(before.status()).as("no proxy yet: a load balancer must not send traffic").isEqualTo(503);
        assertJson(before);
        assertThat(before.bodyText()).isEqualTo("{\"status\":\"not_ready\"}\n");

        startProxy();
        RawResponse up = get("/readyz");
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.bodyText()).isEqualTo("{\"status\":\"ready\"}\n");

        closeProxy();
        RawResponse after = get("/readyz");
        assertThat(after.status()).as("a closed proxy is not ready, while the admin endpoint stays up")
                .isEqualTo(503);
        assertThat(after.bodyText()).isEqualTo("{\"status\":\"not_ready\"}\n");
        assertThat(get("/healthz").status()).isEqualTo(200);
    }

    // ---- /metrics -------------------------------------------------------------------------

    @Test
    void metricsIsPrometheusTextHoldingTheProxysHandshakeCounter() throws Exception {
        startProxy();
        try (TlsTestClient client = TlsTestClient.connect(proxyAddress(), pki.validClient())) {
            assertThat(client.get("/hello").status()).isEqualTo(200);
        }

        RawResponse response = get("/metrics");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertAdminHeaders(response);
        PrometheusText text = PrometheusText.parse(response.bodyText());
        assertThat(text.value("portcullis_tls_handshakes_total{reason=\"none\",result=\"ok\"}")).isEqualTo(1.0);
        assertThat(text.value("portcullis_tls_handshakes_total{reason=\"expired\",result=\"failed\"}")).isZero();
        assertThat(text.type("portcullis_tls_handshakes_total")).contains("counter");
    }

    @Test
    void metricsBeforeTheProxyIsUpIsAnEmptyButValidExposition() throws Exception {
        RawResponse response = get("/metrics");

        assertThat(response.status()).isEqualTo(200);
        assertThat(PrometheusText.parse(response.bodyText()).samples()).isEmpty();
    }

    // ---- HEAD, keep-alive, errors ---------------------------------------------------------

    @Test
    void headAnswersWithGetsHeadersAndNoBodyOnAConnectionThatStaysUsable() throws Exception {
        startProxy();
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            for (String path : new String[] {"/healthz", "/readyz", "/connections", "/metrics"}) {
                RawResponse get = client.get(path);
                RawResponse head = client.request("HEAD", path, null);

                assertThat(head.status()).as(path).isEqualTo(get.status());
                assertThat(head.header("Content-Type")).as(path).isEqualTo(get.header("Content-Type"));
                assertThat(head.header("Content-Length")).as(path).isPresent();
                assertAdminHeaders(head);
                assertThat(head.body()).as(path).isEmpty();
            }
            assertThat(client.get("/healthz").bodyText())
                    .as("no stray body bytes after the HEAD responses: the next response parses")
                    .isEqualTo("{\"status\":\"ok\"}\n");
        }
    }

    @Test
    void headOfHealthzAnnouncesTheLengthOfGetsBody() throws Exception {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            RawResponse head = client.request("HEAD", "/healthz", null);

            assertThat(head.header("Content-Length")).contains(String.valueOf("{\"status\":\"ok\"}\n".length()));
        }
    }

    @Test
    void unknownPathIsAJson404ThatDoesNotEchoThePath() throws Exception {
        RawResponse response = get("/admin%22%3Cscript%3E");

        assertThat(response.status()).isEqualTo(404);
        assertJson(response);
        assertThat(response.bodyText()).startsWith("{\"error\":\"not_found\",\"message\":\"").endsWith("\"}\n")
                .doesNotContain("script");
    }

    @Test
    void postToAnExistingRouteIsA404() throws Exception {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            RawResponse response = client.request("POST", "/healthz", "x".getBytes());

            assertThat(response.status()).isEqualTo(404);
            assertJson(response);
            assertThat(response.bodyText()).startsWith("{\"error\":\"not_found\",");
        }
    }

    @Test
    void malformedRequestIsA400AndTheConnectionCloses() throws Exception {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            client.sendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n");
            RawResponse response = client.readResponse();

            assertThat(response.status()).isEqualTo(400);
            assertJson(response);
            assertThat(response.bodyText()).startsWith("{\"error\":\"bad_request\",");
            assertThat(response.connectionClose()).isTrue();
            assertThat(client.isClosedByPeer(POLL_TIMEOUT)).isTrue();
        }
    }

    @Test
    void aRequestBodyOverTheSmallLimitIsA413AndTheConnectionCloses() throws Exception {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            RawResponse response = client.request("POST", "/metrics",
                    new byte[AdminServer.MAX_REQUEST_BODY_BYTES + 1]);

            assertThat(response.status()).isEqualTo(413);
            assertJson(response);
            assertThat(response.bodyText()).startsWith("{\"error\":\"body_too_large\",");
            assertThat(client.isClosedByPeer(POLL_TIMEOUT)).isTrue();
        }
    }

    @Test
    void connectionCloseFromTheClientIsHonoured() throws Exception {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            RawResponse response = client.get("/healthz", "Connection", "close");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.connectionClose()).isTrue();
            assertThat(client.isClosedByPeer(POLL_TIMEOUT)).isTrue();
        }
    }

    // ---- /connections ---------------------------------------------------------------------

    @Test
    void connectionsShowsALiveMtlsConnectionUntilItCloses() throws Exception {
        startProxy();
        ClientCredentials alice = pki.validClient();
        try (TlsTestClient client = TlsTestClient.connect(proxyAddress(), alice)) {
            assertThat(client.get("/hello").status()).isEqualTo(200);

            RawResponse response = get("/connections");

            assertThat(response.status()).isEqualTo(200);
            assertJson(response);
            String connection = "\\{\"id\":\\d+"
                    + ",\"remote\":\"127\\.0\\.0\\.1:" + client.socket().getLocalPort() + "\""
                    + ",\"opened\":\"" + RFC3339_UTC + "\""
                    + ",\"protocol\":\"" + Pattern.quote(client.session().getProtocol()) + "\""
                    + ",\"cipher\":\"" + Pattern.quote(client.session().getCipherSuite()) + "\""
                    + ",\"resumed\":false"
                    + ",\"subject\":\"CN=alice,OU=eng,O=Example\""
                    + ",\"fingerprint\":\"" + alice.fingerprint() + "\""
                    + ",\"requests\":1"
                    + ",\"bytes_in\":[1-9]\\d*,\"bytes_out\":[1-9]\\d*"
                    + ",\"buffered_bytes\":\\d+,\"peak_buffered_bytes\":\\d+,\"http\":\"HTTP/1.1\",\"streams\":0\\}";
            assertThat(response.bodyText())
                    .as("exactly these keys, in this order, and nothing else (no certificate, no header)")
                    .matches(Pattern.compile("\\{\"total\":1,\"connections\":\\[" + connection + "]}\n"));
            assertThat(client.session().getProtocol()).isEqualTo("TLSv1.3");
        }

        assertThat(pollConnections("{\"total\":0,\"connections\":[]}\n"))
                .as("a closed connection leaves the list").isTrue();
    }

    @Test
    void aSubjectWithQuotesAndBackslashesStaysValidJson() throws Exception {
        startProxy();
        ClientCredentials quoted = pki.issueClient("CN=O\\\"Brien\\, Jr.,OU=eng,O=Example", b -> b);
        try (TlsTestClient client = TlsTestClient.connect(proxyAddress(), quoted)) {
            assertThat(client.get("/hello").status()).isEqualTo(200);

            String body = get("/connections").bodyText();

            // The proxy renders the DN as OpenSSL does: CN=O\"Brien\, Jr.,OU=eng,O=Example. In JSON
            // each backslash doubles and the quote gets its own backslash.
            assertThat(body).contains("\"subject\":\"CN=O\\\\\\\"Brien\\\\, Jr.,OU=eng,O=Example\"");
        }
    }

    @Test
    void connectionsIsEmptyBeforeTheProxyIsUp() throws Exception {
        RawResponse response = get("/connections");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("{\"total\":0,\"connections\":[]}\n");
    }

    @Test
    void limitCutsTheListButNotTheTotal() throws Exception {
        startProxy();
        try (TlsTestClient first = TlsTestClient.connect(proxyAddress(), pki.validClient());
             TlsTestClient second = TlsTestClient.connect(proxyAddress(), pki.validClient())) {
            assertThat(first.get("/a").status()).isEqualTo(200);
            assertThat(second.get("/b").status()).isEqualTo(200);

            String one = get("/connections?limit=1").bodyText();
            String capped = get("/connections?limit=99999999999999").bodyText();

            assertThat(one).startsWith("{\"total\":2,").containsOnlyOnce("\"id\":");
            assertThat(capped).as("a huge limit is capped, not refused").startsWith("{\"total\":2,");
            assertThat(capped.split("\"id\":")).hasSize(3);
        }
    }

    @Test
    void limitThatIsNotAPositiveIntegerIsA400() throws Exception {
        for (String limit : new String[] {"0", "-1", "abc", "", "1.5", "+3", "1&limit=2"}) {
            RawResponse response = get("/connections?limit=" + limit);

            assertThat(response.status()).as("limit=" + limit).isEqualTo(400);
            assertJson(response);
            assertThat(response.bodyText()).as("limit=" + limit).startsWith("{\"error\":\"bad_request\",");
        }
    }

    // ---- lifecycle ------------------------------------------------------------------------

    @Test
    void closeReleasesThePort() {
        InetSocketAddress address = admin.address();
        assertThat(address.getPort()).as("port 0 binds an ephemeral port and exposes it").isPositive();

        admin.close();

        assertThatThrownBy(() -> TlsTestClient.connectPlain(address)).isInstanceOf(IOException.class);
    }

    @Test
    void aPortInUseFailsTheStartWithTheBindError() {
        HostPort taken = new HostPort("127.0.0.1", admin.address().getPort());

        assertThatThrownBy(() -> AdminServer.start(taken, metrics, proxy::get))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Address already in use");
    }

    // ---- helpers --------------------------------------------------------------------------

    private InetSocketAddress proxyAddress() {
        return proxy.get().address();
    }

    /** One GET on a fresh admin connection. */
    private RawResponse get(String path) throws IOException {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            return client.get(path);
        }
    }

    /** Polls {@code /connections} until its body is {@code expected}. */
    private boolean pollConnections(String expected) throws Exception {
        long deadline = System.nanoTime() + POLL_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (get("/connections").bodyText().equals(expected)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private static void assertJson(RawResponse response) {
        assertThat(response.header("Content-Type")).contains("application/json");
        assertAdminHeaders(response);
    }

    /** What every admin response carries, whatever the route or status. */
    private static void assertAdminHeaders(RawResponse response) {
        assertThat(response.header("Cache-Control")).as("probes and scrapes must never be cached")
                .contains("no-store");
        assertThat(response.framing()).isIn(RawResponse.Framing.CONTENT_LENGTH, RawResponse.Framing.NO_BODY);
        assertThat(response.header("Content-Length")).isPresent();
        assertThat(response.hasHeader("Server")).as("no software banner").isFalse();
        if (response.framing() == RawResponse.Framing.CONTENT_LENGTH) {
            assertThat(response.header("Content-Length")).contains(String.valueOf(response.body().length));
        }
    }
}

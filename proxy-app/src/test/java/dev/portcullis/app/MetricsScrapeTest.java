package dev.portcullis.app;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.HostPort;
import dev.portcullis.core.ProxyServer;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RecordingUpstream;
import dev.portcullis.testing.TestPki;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.Options;
import dev.portcullis.testing.UpstreamBehaviour;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scripted run against a real proxy, then {@code /metrics} scraped and parsed as Prometheus
 * text: every counter of DESIGN.md's table moved by exactly what the script did.
 */
class MetricsScrapeTest {

    @TempDir
    Path dir;

    private RecordingUpstream upstream;
    private PrometheusMeterRegistry registry;
    private ProxyServer proxy;
    private AdminServer admin;
    private TestPki pki;

    @BeforeEach
    void start() throws Exception {
        pki = TestPki.create();
        upstream = RecordingUpstream.start();
        Path config = ProxyExtension.builder().maxBodySize("1KiB").verifyDepth(1).writeConfig(dir, pki, upstream.url());
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        proxy = ProxyServer.start(ConfigLoader.load(config), registry);
        admin = AdminServer.start(new HostPort("127.0.0.1", 0), registry, () -> proxy);
    }

    @AfterEach
    void stop() {
        admin.close();
        proxy.close();
        registry.close();
        upstream.close();
    }

    @Test
    void everyCounterMovesByExactlyWhatHappened() throws Exception {
        PrometheusText before = scrape();

        // three requests on one connection
        try (TlsTestClient client = client()) {
            for (int i = 0; i < 3; i++) {
                assertThat(client.get("/ok").status()).isEqualTo(200);
            }
        }
        // a second connection that resumes a third one's session
        SSLContext resuming = TlsTestClient.sslContext(pki.validClient());
        for (int i = 0; i < 2; i++) {
            try (TlsTestClient client = client(pki.validClient(), Options.defaults().sslContext(resuming))) {
                assertThat(client.get("/again").status()).isEqualTo(200);
            }
        }
        // each handshake failure the test PKI can produce
        Map<String, ClientCredentials> failures = Map.of(
                "unknown_ca", pki.clientFromUnknownCa(),
                "expired", pki.expiredClient(),
                "not_yet_valid", pki.notYetValidClient(),
                "bad_certificate", pki.clientWithoutClientAuthEku(),
                "depth_exceeded", pki.clientChain(2),
                "no_certificate", pki.noClientCert());
        for (ClientCredentials credentials : failures.values()) {
            assertThat(TlsTestClient.handshakeOnly(proxy.address(), credentials).succeeded()).isFalse();
        }
        // a 413 and a 502
        try (TlsTestClient client = client()) {
            assertThat(client.request("POST", "/big", new byte[2048]).status()).isEqualTo(413);
        }
        upstream.behaviour(UpstreamBehaviour.resetConnection());
        try (TlsTestClient client = client()) {
            assertThat(client.request("POST", "/reset", new byte[10]).status()).isEqualTo(502);
        }
        awaitNoConnections();

        PrometheusText after = scrape();
        Delta delta = new Delta(before, after);
        assertThat(delta.of("portcullis_connections_opened_total")).isEqualTo(3 + 2 + failures.size());
        assertThat(delta.of("portcullis_tls_handshakes_total{result=\"ok\",reason=\"none\"}")).isEqualTo(5);
        for (String reason : failures.keySet()) {
            assertThat(delta.of("portcullis_tls_handshakes_total{result=\"failed\",reason=\"" + reason + "\"}"))
                    .as(reason).isEqualTo(1);
        }
        for (String reason : List.of("protocol", "timeout", "revoked", "other")) {
            assertThat(delta.of("portcullis_tls_handshakes_total{result=\"failed\",reason=\"" + reason + "\"}"))
                    .as(reason).isZero();
        }
        assertThat(delta.of("portcullis_tls_handshake_seconds_count")).isEqualTo(5);
        assertThat(delta.of("portcullis_tls_sessions_resumed_total")).isEqualTo(1);
        assertThat(delta.of("portcullis_requests_total{code=\"2xx\"}")).isEqualTo(5);
        assertThat(delta.of("portcullis_requests_total{code=\"4xx\"}")).isEqualTo(1);
        assertThat(delta.of("portcullis_requests_total{code=\"5xx\"}")).isEqualTo(1);
        assertThat(delta.of("portcullis_request_duration_seconds_count")).isEqualTo(7);
        assertThat(delta.of("portcullis_requests_rejected_total{reason=\"body_too_large\"}")).isEqualTo(1);
        assertThat(delta.of("portcullis_requests_rejected_total{reason=\"upstream_unavailable\"}")).isEqualTo(1);
        assertThat(delta.of("portcullis_requests_rejected_total{reason=\"token_in_query\"}")).isZero();
        assertThat(delta.of("portcullis_upstream_errors_total{reason=\"reset\"}")).isEqualTo(1);
        assertThat(delta.of("portcullis_upstream_errors_total{reason=\"connect\"}")).isZero();
        assertThat(delta.of("portcullis_upstream_errors_total{reason=\"timeout\"}")).isZero();
        assertThat(delta.of("portcullis_connection_peak_buffered_bytes_count")).isEqualTo(3 + 2 + failures.size());
        assertThat(after.value("portcullis_connections_active")).isZero();
        assertThat(after.value("portcullis_connection_buffered_bytes")).isZero();
        assertThat(after.value("portcullis_connection_buffered_bytes_max")).isZero();
    }

    @Test
    void theTableOfDesignMdIsThereWithItsTypes() throws Exception {
        try (TlsTestClient client = client()) {
            assertThat(client.get("/").status()).isEqualTo(200);
        }
        PrometheusText metrics = scrape();

        Map<String, String> types = Map.ofEntries(
                Map.entry("portcullis_connections_active", "gauge"),
                Map.entry("portcullis_connections_opened_total", "counter"),
                Map.entry("portcullis_connections_rejected_total", "counter"),
                Map.entry("portcullis_connection_buffered_bytes", "gauge"),
                Map.entry("portcullis_connection_buffered_bytes_max", "gauge"),
                Map.entry("portcullis_connection_peak_buffered_bytes", "histogram"),
                Map.entry("portcullis_tls_handshakes_total", "counter"),
                Map.entry("portcullis_tls_handshake_seconds", "histogram"),
                Map.entry("portcullis_tls_sessions_resumed_total", "counter"),
                Map.entry("portcullis_tls_session_cache_entries", "gauge"),
                Map.entry("portcullis_tls_session_cache_capacity", "gauge"),
                Map.entry("portcullis_tls_reloads_total", "counter"),
                Map.entry("portcullis_tls_certificate_expiry_timestamp_seconds", "gauge"),
                Map.entry("portcullis_requests_total", "counter"),
                Map.entry("portcullis_request_duration_seconds", "histogram"),
                Map.entry("portcullis_requests_rejected_total", "counter"),
                Map.entry("portcullis_upstream_connections", "gauge"),
                Map.entry("portcullis_upstream_errors_total", "counter"),
                Map.entry("portcullis_websocket_tunnels_active", "gauge"),
                Map.entry("portcullis_websocket_tunnels_total", "counter"),
                Map.entry("process_resident_memory_bytes", "gauge"));
        types.forEach((name, type) -> assertThat(metrics.type(name)).as(name).hasValue(type));
        assertThat(metrics.value("portcullis_upstream_connections{state=\"idle\"}")).isEqualTo(1);
        assertThat(metrics.value("portcullis_upstream_connections{state=\"active\"}")).isZero();
        assertThat(metrics.value("portcullis_connections_rejected_total{reason=\"max_connections\"}")).isZero();
        assertThat(metrics.value("portcullis_tls_certificate_expiry_timestamp_seconds{cert=\"server\"}")).isPositive();
        assertThat(metrics.value("process_resident_memory_bytes")).isGreaterThan(16 * 1024 * 1024);
        assertThat(metrics.samples().keySet()).anyMatch(series -> series.startsWith("jvm_memory_used_bytes"))
                .anyMatch(series -> series.startsWith("netty_allocator_memory_used"))
                .anyMatch(series -> series.startsWith("netty_eventexecutor_tasks_pending"));
        assertThat(metrics.type("jvm_gc_collections_total")).hasValue("counter");
        assertThat(metrics.type("jvm_gc_collection_seconds_total")).hasValue("counter");
        assertThat(metrics.samples().keySet()).anyMatch(series -> series.startsWith("jvm_gc_collections_total{gc="));
    }

    private TlsTestClient client() throws Exception {
        return client(pki.validClient(), Options.defaults());
    }

    private TlsTestClient client(ClientCredentials credentials, Options options) throws Exception {
        return TlsTestClient.connect(proxy.address(), credentials, options);
    }

    private PrometheusText scrape() throws Exception {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin.address())) {
            return PrometheusText.parse(client.get("/metrics").bodyText());
        }
    }

    private void awaitNoConnections() throws InterruptedException {
        for (long deadline = System.nanoTime() + 10_000_000_000L; proxy.connections().size() > 0; Thread.sleep(10)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("connections still open: " + proxy.connections().size());
            }
        }
    }

    /** How much a series moved between two scrapes (absent counts as 0). */
    private record Delta(PrometheusText before, PrometheusText after) {
        double of(String series) {
            return after.find(series).orElse(0.0) - before.find(series).orElse(0.0);
        }
    }
}

package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Keep-alive, pipelining, pooling and upstream failures. */
class UpstreamExchangeTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().upstreamResponseTimeout("500ms").build();

    @Test
    void keepAliveClientConnectionServesManyRequestsOverOnePooledUpstreamConnection() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            for (int i = 0; i < 20; i++) {
                assertThat(client.get("/r" + i).status()).isEqualTo(200);
            }
        }
        assertThat(proxy.upstream().requestCount()).isEqualTo(20);
        assertThat(proxy.upstream().connectionsAccepted())
                .as("at most one new connection: one may still be pooled from an earlier test")
                .isLessThanOrEqualTo(1);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.respond(r -> UpstreamBehaviour.Response.of(200, "text/plain", r.uri())));
        StringBuilder pipelined = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            pipelined.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: localhost\r\n\r\n");
        }
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw(pipelined.toString());
            for (int i = 0; i < 10; i++) {
                RawResponse response = client.readResponse();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.bodyText()).isEqualTo("/p" + i);
            }
        }
    }

    @Test
    void aPipelinedExpectContinueWaitsUntilTheResponseBeforeItIsComplete() throws Exception {
        proxy.upstream().route(head -> head.uri().equals("/big")
                ? UpstreamBehaviour.streamBody(2 * 1024 * 1024, false) : UpstreamBehaviour.echo());
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");

            RawResponse big = client.readResponse();
            assertThat(big.status()).isEqualTo(200);
            assertThat(big.body()).as("a 100 inside this body would corrupt it").hasSize(2 * 1024 * 1024);
            assertThat(client.readResponse().status()).as("the 100 comes once the upload is the current exchange")
                    .isEqualTo(100);
            client.sendRaw("hello");
            RawResponse echoed = client.readResponse();
            assertThat(echoed.status()).isEqualTo(200);
            assertThat(echoed.bodyText()).isEqualTo("hello");
        }
    }

    @Test
    void upstreamDownGets502WithJsonBody() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        proxy.restart(b -> b.set("upstream.url", "http://127.0.0.1:" + closedPort));

        RawResponse response = proxy.get("/");

        assertThat(response.status()).isEqualTo(502);
        assertThat(response.header("Content-Type")).contains("application/json");
        assertThat(response.bodyText()).contains("\"error\":\"upstream_unavailable\"");
    }

    @Test
    void connectionKeepsServingAfterA502() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.closeWithoutResponse());
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/").status()).isEqualTo(502);
            proxy.upstream().behaviour(UpstreamBehaviour.ok());
            assertThat(client.get("/").status()).isEqualTo(200);
        }
    }

    @Test
    void upstreamResetGets502() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.resetConnection());
        assertThat(proxy.get("/").status()).isEqualTo(502);
    }

    @Test
    void slowUpstreamGets504() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofSeconds(3), UpstreamBehaviour.ok()));
        RawResponse response = proxy.get("/slow");

        assertThat(response.status()).isEqualTo(504);
        assertThat(response.bodyText()).contains("\"error\":\"upstream_timeout\"");
    }

    @Test
    void idempotentRequestOnAPooledConnectionThatTheUpstreamDroppedIsRetriedOnce() throws Exception {
        AtomicBoolean dropNext = new AtomicBoolean(true);
        proxy.upstream().route(head -> head.uri().equals("/second") && dropNext.getAndSet(false)
                ? UpstreamBehaviour.closeWithoutResponse() : UpstreamBehaviour.ok());
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/first").status()).isEqualTo(200);
            assertThat(client.get("/second").status())
                    .as("a GET the upstream dropped on a reused connection is sent again on a new one")
                    .isEqualTo(200);
        }
        assertThat(proxy.upstream().drainRequests()).filteredOn(r -> r.uri().equals("/second")).hasSize(2);
    }

    @Test
    void requestWithABodyIsNotRetried() throws Exception {
        AtomicBoolean dropNext = new AtomicBoolean(true);
        proxy.upstream().route(head -> head.uri().equals("/second") && dropNext.getAndSet(false)
                ? UpstreamBehaviour.closeWithoutResponse() : UpstreamBehaviour.ok());
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/first").status()).isEqualTo(200);
            assertThat(client.request("POST", "/second", "data".getBytes()).status()).isEqualTo(502);
        }
    }

    @Test
    void headRequestGetsTheHeadersWithoutABodyAndTheConnectionStaysUsable() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            RawResponse head = client.request("HEAD", "/", null);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(client.get("/after-head").bodyText()).isEqualTo("ok");
        }
    }

    @Test
    void noContentAndNotModifiedResponsesPassThroughWithoutBodies() throws Exception {
        proxy.upstream().route(head -> UpstreamBehaviour.respond(UpstreamBehaviour.Response.of(
                head.uri().equals("/204") ? 204 : 304)));
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/204").status()).isEqualTo(204);
            assertThat(client.get("/304").status()).isEqualTo(304);
        }
    }

    @Test
    void expectContinueIsAnsweredByTheProxyAndNotForwarded() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(100);
            client.sendRaw("hello");
            assertThat(client.readResponse().status()).isEqualTo(200);
        }
        var received = proxy.upstream().takeRequest();
        assertThat(received.bodyText()).isEqualTo("hello");
        assertThat(received.headerNames()).noneMatch(name -> name.equalsIgnoreCase("Expect"));
    }

    @Test
    void clientThatDisconnectsMidUploadAbortsTheUpstreamExchange() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
            Thread.sleep(200);
        }
        var received = proxy.upstream().takeRequest();
        assertThat(received.complete()).as("the upstream saw the upload cut off, not a complete request").isFalse();
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/").status()).isEqualTo(200);
        }
    }

    @Test
    void idleClientConnectionIsClosedAfterIdleTimeoutButNotDuringASlowResponse() throws Exception {
        proxy.restart(b -> b.set("limits.idle_timeout", "300ms").upstreamResponseTimeout("5s"));
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofMillis(800), UpstreamBehaviour.ok()));
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/slow").status())
                    .as("an exchange in flight is not idle, however long the upstream takes")
                    .isEqualTo(200);
            assertThat(client.isClosedByPeer(Duration.ofSeconds(3))).as("then idle: closed").isTrue();
        }
    }

    @Test
    void idlePooledUpstreamConnectionsAreClosedAfterTheUpstreamIdleTimeout() throws Exception {
        proxy.restart(b -> b.set("upstream.idle_timeout", "300ms"));
        assertThat(proxy.get("/").status()).isEqualTo(200);
        int pooled = proxy.upstream().activeConnections();
        for (long deadline = System.nanoTime() + 3_000_000_000L;
             proxy.upstream().activeConnections() >= pooled && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
        }
        assertThat(proxy.upstream().activeConnections())
                .as("the pooled connection closes (others may linger from earlier tests' proxies)")
                .isLessThan(pooled);
    }

    @Test
    void clientConnectionCloseIsHonoured() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            RawResponse response = client.get("/", "Connection", "close");
            assertThat(response.status()).isEqualTo(200);
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void http10ClientIsServed() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /old HTTP/1.0\r\nHost: localhost\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
        }
        assertThat(proxy.upstream().takeRequest().protocolVersion()).isEqualTo("HTTP/1.1");
    }

    @Test
    void upstreamResponseHopByHopHeadersAreNotRelayed() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.respond(new UpstreamBehaviour.Response(200,
                java.util.List.of(java.util.Map.entry("Content-Type", "text/plain"),
                        java.util.Map.entry("Connection", "X-Upstream-Hop"),
                        java.util.Map.entry("X-Upstream-Hop", "1"),
                        java.util.Map.entry("Keep-Alive", "timeout=5")),
                "ok".getBytes())));
        RawResponse response = proxy.get("/");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.hasHeader("X-Upstream-Hop")).isFalse();
        assertThat(response.hasHeader("Keep-Alive")).isFalse();
    }
}

package dev.portcullis.core;

import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.RawUpstream;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.RecordingUpstream;
import dev.portcullis.testing.TestBodies;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import dev.portcullis.testing.WebSocketTestClient;
import dev.portcullis.testing.WebSocketUpstream;
import dev.portcullis.core.connection.ConnectionSnapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * WebSocket through the real proxy (DESIGN.md "WebSocket"): a real client (the JDK's) and a real
 * server (Netty's) on either side, and a scripted {@link RawUpstream} where the bytes on the wire
 * are the point.
 */
class WebSocketTest {

    private static final WebSocketUpstream WS = WebSocketUpstream.start();

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .set("upstream.url", WS.url())
            .accessLog("stdout")
            .build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @AfterAll
    static void stopUpstream() {
        WS.close();
    }

    @Test
    void textAndOneMebibyteBinaryMessagesAreEchoedThroughTheTunnel() throws Exception {
        byte[] binary = new byte[1024 * 1024];
        new Random(14).nextBytes(binary);
        try (WebSocketTestClient client = WebSocketTestClient.connect(proxy.address(), proxy.pki().validClient(),
                WebSocketUpstream.PATH)) {
            client.sendText("hello through portcullis");
            assertThat(client.receive()).isEqualTo("hello through portcullis");
            client.sendBinary(binary);
            assertThat(client.receive()).isEqualTo(binary);
        }
    }

    @Test
    void theUpgradeRequestCarriesTheVerifiedIdentityOnceAndNoForgedOne() throws Exception {
        WS.clearRequests();
        try (WebSocketTestClient client = WebSocketTestClient.connect(proxy.address(), proxy.pki().validClient(),
                WebSocketUpstream.PATH + "/chat", "X-Client-DN", "CN=root", "X_Client_DN", "CN=root",
                "SSL_CLIENT_CERT", "forged")) {
            client.sendText("ping");
            assertThat(client.receive()).isEqualTo("ping");
        }
        RecordingUpstream.RequestHead upgrade = WS.takeRequest(Duration.ofSeconds(5));
        assertThat(upgrade.uri()).isEqualTo("/ws/chat");
        assertThat(values(upgrade, "X-Client-DN")).containsExactly(proxy.pki().validClient().subjectDn());
        assertThat(values(upgrade, "X-Client-Verify")).containsExactly("SUCCESS");
        assertThat(values(upgrade, "X_Client_DN")).isEmpty();
        assertThat(values(upgrade, "SSL_CLIENT_CERT")).isEmpty();
        assertThat(values(upgrade, "Connection")).containsExactly("upgrade");
        assertThat(values(upgrade, "Upgrade")).containsExactly("websocket");
        assertThat(values(upgrade, "Sec-WebSocket-Version")).containsExactly("13");
        assertThat(values(upgrade, "Sec-WebSocket-Key")).hasSize(1);
        assertThat(values(upgrade, "X-Forwarded-Proto")).containsExactly("https");
    }

    @Test
    void aTokenInTheWebSocketUrlIsRefusedBeforeAnythingIsForwarded() throws Exception {
        WS.clearRequests();
        WebSocketHandshakeException refused = catchThrowableOfType(WebSocketHandshakeException.class,
                () -> WebSocketTestClient.connect(proxy.address(), proxy.pki().validClient(),
                        WebSocketUpstream.PATH + "?room=1&access_token=s3cr3t"));
        assertThat(refused.getResponse().statusCode()).isEqualTo(400);
        assertThat((String) refused.getResponse().body()).contains("\"error\":\"token_in_query\"");
        Map<String, Object> line = logs.awaitAccessLine(1);
        assertThat(line.get("path")).isEqualTo(WebSocketUpstream.PATH + "?room=1&access_token=[REDACTED]");
        assertThat(logs.lines()).noneMatch(l -> l.contains("s3cr3t"));
    }

    @Test
    void aTokenInTheWebSocketUrlIsStrippedWhenConfigured() throws Exception {
        proxy.restart(b -> b.set("tokens.on_query_token", "strip"));
        WS.clearRequests();
        try (WebSocketTestClient client = WebSocketTestClient.connect(proxy.address(), proxy.pki().validClient(),
                WebSocketUpstream.PATH + "?room=1&access_token=s3cr3t")) {
            client.sendText("ping");
            assertThat(client.receive()).isEqualTo("ping");
        }
        assertThat(WS.takeRequest(Duration.ofSeconds(5)).uri()).isEqualTo(WebSocketUpstream.PATH + "?room=1");
    }

    @Test
    void anUpgradeTheUpstreamRefusesIsRelayedAndTheConnectionStaysHttp() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            // a pipelined request right behind the upgrade request is held, then read as HTTP
            client.sendRaw(RawUpstream.upgradeRequest("/not-a-socket") + "GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n");
            RawResponse refused = client.readResponse();
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.header("Upgrade")).isEmpty();
            assertThat(client.readResponse().status()).as("the request behind the refused upgrade").isEqualTo(403);
            assertThat(client.get("/after").status()).as("the connection is still HTTP").isEqualTo(403);
        }
    }

    @Test
    void theFirstFramesMayShareASegmentWithThe101AndFollowTheUpgradeRequest() throws Exception {
        BlockingQueue<byte[]> behindRequest = new ArrayBlockingQueue<>(1);
        byte[] clientFrame = RawUpstream.clientTextFrame("from the client");
        try (RawUpstream raw = RawUpstream.start(connection -> {
            // the proxy holds what followed the upgrade request until the 101
            connection.accept(RawUpstream.serverTextFrame("first frame"));
            connection.write(RawUpstream.serverTextFrame("second frame"));
            behindRequest.add(connection.readExactly(clientFrame.length));
            connection.socket().getInputStream().read();
        })) {
            proxy.restart(b -> b.set("upstream.url", raw.url()));
            try (TlsTestClient client = proxy.client()) {
                client.sendRaw(RawUpstream.concat(RawUpstream.upgradeRequest("/ws").getBytes(StandardCharsets.US_ASCII),
                        clientFrame));
                RawResponse switched = client.readResponse();
                assertThat(switched.status()).isEqualTo(101);
                assertThat(switched.header("Upgrade")).contains("websocket");
                assertThat(switched.header("Connection")).contains("upgrade");
                assertThat(switched.header("Sec-WebSocket-Accept"))
                        .contains(RawUpstream.acceptValue("dGhlIHNhbXBsZSBub25jZQ=="));
                assertThat(switched.header("Content-Length")).isEmpty();
                assertThat(switched.header("Transfer-Encoding")).isEmpty();
                assertThat(client.readExactly(RawUpstream.serverTextFrame("first frame").length))
                        .isEqualTo(RawUpstream.serverTextFrame("first frame"));
                assertThat(client.readExactly(RawUpstream.serverTextFrame("second frame").length))
                        .isEqualTo(RawUpstream.serverTextFrame("second frame"));
                assertThat(behindRequest.poll(5, TimeUnit.SECONDS)).as("bytes sent right behind the upgrade request")
                        .isEqualTo(clientFrame);
            }
            raw.assertNoFailure();
        }
    }

    @Test
    void a101NobodyAskedForIs502() throws Exception {
        proxy.restart(b -> b.set("upstream.url", proxy.upstream().url()));
        proxy.upstream().behaviour(UpstreamBehaviour.raw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + RawUpstream.acceptValue("x") + "\r\n\r\nframes",
                UpstreamBehaviour.Ending.STAY_OPEN));
        try (TlsTestClient client = proxy.client()) {
            RawResponse response = client.get("/plain");
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.bodyText()).contains("\"error\":\"upstream_unavailable\"");
        }
    }

    @Test
    void otherUpgradeTokensAreStrippedAsHopByHop() throws Exception {
        proxy.restart(b -> b.set("upstream.url", proxy.upstream().url()));
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/h2c", "Connection", "Upgrade, HTTP2-Settings", "Upgrade", "h2c",
                    "HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA").status()).isEqualTo(200);
        }
        RecordedRequest forwarded = proxy.upstream().takeRequest();
        assertThat(forwarded.headers("Upgrade")).isEmpty();
        assertThat(forwarded.headers("Connection")).isEmpty();
        assertThat(forwarded.headers("HTTP2-Settings")).isEmpty();
    }

    @Test
    void withWebSocketDisabledTheUpgradeHeadersAreStripped() throws Exception {
        proxy.restart(b -> b.set("upstream.url", proxy.upstream().url()).set("websocket.enabled", false));
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw(RawUpstream.upgradeRequest("/ws"));
            assertThat(client.readResponse().status()).isEqualTo(200);
        }
        RecordedRequest forwarded = proxy.upstream().takeRequest();
        assertThat(forwarded.headers("Upgrade")).isEmpty();
        assertThat(forwarded.headers("Connection")).isEmpty();
        assertThat(forwarded.headers("Sec-WebSocket-Key")).hasSize(1);
    }

    @Test
    void anOpenTunnelIsShownCountedAndLoggedOnceWhenItCloses() throws Exception {
        try (WebSocketTestClient client = WebSocketTestClient.connect(proxy.address(), proxy.pki().validClient(),
                WebSocketUpstream.PATH)) {
            client.sendText("0123456789");
            assertThat(client.receive()).isEqualTo("0123456789");
            ConnectionSnapshot tunnel = proxy.server().connections().heaviest(10).get(0);
            assertThat(tunnel.http()).isEqualTo("websocket");
            assertThat(Meters.gauge(proxy.registry(), "portcullis.websocket.tunnels.active")).isEqualTo(1.0);
            assertThat(Meters.gauge(proxy.registry(), "portcullis.upstream.connections", "state", "active"))
                    .as("the tunnel's upstream connection stays out of the pool").isEqualTo(1.0);
            assertThat(logs.accessLog()).as("no line while the tunnel is open").isEmpty();
        }
        Map<String, Object> line = logs.awaitAccessLine(1);
        assertThat(line.get("status")).isEqualTo(101);
        assertThat(line.get("method")).isEqualTo("GET");
        assertThat(line.get("path")).isEqualTo(WebSocketUpstream.PATH);
        // a masked client frame: 2 + 4 + 10 bytes; the echo comes back unmasked: 2 + 10
        assertThat(line.get("bytes_in")).isEqualTo(16);
        assertThat(line.get("bytes_out")).isEqualTo(12);
        awaitGauge("portcullis.websocket.tunnels.active", 0.0);
        assertThat(Meters.counter(proxy.registry(), "portcullis.websocket.tunnels")).isEqualTo(1.0);
    }

    @Test
    void sixtyFourMebibytesEachWayToASlowReaderStayWithinTheConnectionsBuffer() throws Exception {
        long size = 64L * 1024 * 1024;
        long limit = 512 * 1024;
        BlockingQueue<String> uploadSeen = new ArrayBlockingQueue<>(1);
        try (RawUpstream raw = RawUpstream.start(connection -> {
            connection.accept(new byte[0]);
            uploadSeen.add(TestBodies.readSha256(connection.socket().getInputStream(), size, 1));
            TestBodies.write(connection.socket().getOutputStream(), size);
            connection.socket().getInputStream().read();
        })) {
            proxy.restart(b -> b.set("upstream.url", raw.url()).set("limits.max_connection_buffer", "512KiB"));
            try (TlsTestClient client = proxy.client()) {
                client.sendRaw(RawUpstream.upgradeRequest("/bulk"));
                assertThat(client.readResponse().status()).isEqualTo(101);
                BufferSampler sampler = BufferSampler.start(proxy.server());
                Thread upload = new Thread(() -> {
                    try {
                        TestBodies.write(client.socket().getOutputStream(), size);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                upload.start();
                assertThat(uploadSeen.poll(60, TimeUnit.SECONDS)).as("the slow upstream read it all, unchanged")
                        .isEqualTo(TestBodies.sha256(size));
                upload.join();
                assertThat(TestBodies.readSha256(client.input(), size, 1)).as("the slow client read it all, unchanged")
                        .isEqualTo(TestBodies.sha256(size));
                long peak = sampler.stop();
                assertThat(peak).as("the most the connection held").isPositive().isLessThan(limit);
            }
            raw.assertNoFailure();
        }
    }

    @Test
    void anUpstreamHalfCloseReachesTheClientWhoseLaterBytesStillReachTheUpstream() throws Exception {
        BlockingQueue<byte[]> afterHalfClose = new ArrayBlockingQueue<>(1);
        try (RawUpstream raw = RawUpstream.start(connection -> {
            connection.accept("bye".getBytes(StandardCharsets.US_ASCII));
            connection.socket().shutdownOutput();
            afterHalfClose.add(connection.socket().getInputStream().readAllBytes());
        })) {
            proxy.restart(b -> b.set("upstream.url", raw.url()));
            try (TlsTestClient client = proxy.client()) {
                client.sendRaw(RawUpstream.upgradeRequest("/half"));
                assertThat(client.readResponse().status()).isEqualTo(101);
                assertThat(client.readUntilClose()).as("what came before the upstream's FIN, then the end")
                        .isEqualTo("bye".getBytes(StandardCharsets.US_ASCII));
                client.sendRaw("still talking");
                client.socket().close();
            }
            assertThat(afterHalfClose.poll(5, TimeUnit.SECONDS)).as("the client's bytes after the half-close, then its close")
                    .isEqualTo("still talking".getBytes(StandardCharsets.US_ASCII));
            raw.assertNoFailure();
        }
    }

    /**
     * The client's half-close (TLS close_notify, then FIN) reaches the upstream as a FIN. What the
     * upstream sends after it cannot follow: BoringSSL answers a close_notify with its own, which
     * ends the client's TLS session both ways, so the connection then closes.
     */
    @Test
    void aClientHalfCloseReachesTheUpstream() throws Exception {
        BlockingQueue<byte[]> beforeClientFin = new ArrayBlockingQueue<>(1);
        try (RawUpstream raw = RawUpstream.start(connection -> {
            connection.accept(new byte[0]);
            beforeClientFin.add(connection.socket().getInputStream().readAllBytes());
            connection.write("late answer".getBytes(StandardCharsets.US_ASCII));
        })) {
            proxy.restart(b -> b.set("upstream.url", raw.url()));
            try (TlsTestClient client = proxy.client()) {
                client.sendRaw(RawUpstream.upgradeRequest("/half"));
                assertThat(client.readResponse().status()).isEqualTo(101);
                client.sendRaw("last words");
                client.socket().shutdownOutput();
                assertThat(beforeClientFin.poll(5, TimeUnit.SECONDS)).as("the client's bytes, then its FIN")
                        .isEqualTo("last words".getBytes(StandardCharsets.US_ASCII));
                assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).as("then the connection ends").isTrue();
            }
            raw.assertNoFailure();
        }
    }

    @Test
    void aSilentTunnelOutlivesTheHttpIdleTimeoutAndClosesAfterItsOwn() throws Exception {
        proxy.restart(b -> b.set("limits.idle_timeout", "200ms").set("limits.request_header_timeout", "200ms")
                .set("websocket.idle_timeout", "1500ms"));
        try (WebSocketTestClient client = WebSocketTestClient.connect(proxy.address(), proxy.pki().validClient(),
                WebSocketUpstream.PATH)) {
            Thread.sleep(700);
            client.sendText("still here");
            assertThat(client.receive()).as("past limits.idle_timeout").isEqualTo("still here");
            long silentSince = System.nanoTime();
            assertThat(client.closedWithin(Duration.ofSeconds(5))).as("closed by websocket.idle_timeout").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - silentSince)).isGreaterThan(Duration.ofMillis(1000));
        }
        awaitGauge("portcullis.websocket.tunnels.active", 0.0);
    }

    @Test
    void aTunnelStaysOpenDuringTheDrainAndClosesWhenItEnds() throws Exception {
        try (WebSocketTestClient client = WebSocketTestClient.connect(proxy.address(), proxy.pki().validClient(),
                WebSocketUpstream.PATH)) {
            java.util.concurrent.CompletableFuture<Integer> drained = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> proxy.server().drain(Duration.ofSeconds(1)));
            Thread.sleep(200);
            client.sendText("during the drain");
            assertThat(client.receive()).isEqualTo("during the drain");
            assertThat(drained.get(5, TimeUnit.SECONDS)).as("connections left when the drain timed out").isEqualTo(1);
            proxy.restart(b -> { });
            assertThat(client.closedWithin(Duration.ofSeconds(5))).as("closed with the proxy").isTrue();
        }
    }

    private static void awaitGauge(String name, double value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (Meters.gauge(proxy.registry(), name) != value && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Meters.gauge(proxy.registry(), name)).isEqualTo(value);
    }

    /** Samples the heaviest connection's peak buffered bytes while a transfer runs. */
    private static final class BufferSampler implements Runnable {

        private final ProxyServer server;
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long peak;

        private BufferSampler(ProxyServer server) {
            this.server = server;
            this.thread = new Thread(this, "buffer-sampler");
        }

        static BufferSampler start(ProxyServer server) {
            BufferSampler sampler = new BufferSampler(server);
            sampler.thread.start();
            return sampler;
        }

        @Override
        public void run() {
            while (running) {
                sample();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void sample() {
            for (ConnectionSnapshot connection : server.connections().heaviest(1)) {
                peak = Math.max(peak, Math.max(connection.peakBufferedBytes(), connection.bufferedBytes()));
            }
        }

        long stop() throws InterruptedException {
            running = false;
            thread.join();
            sample();
            return peak;
        }
    }

    private static java.util.List<String> values(RecordingUpstream.RequestHead head, String name) {
        return head.headers().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }
}

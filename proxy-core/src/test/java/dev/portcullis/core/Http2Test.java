package dev.portcullis.core;

import dev.portcullis.core.connection.ConnectionSnapshot;
import dev.portcullis.testing.BufferSampler;
import dev.portcullis.testing.H2FrameClient;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.TestBodies;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 through the real proxy (DESIGN.md "HTTP/2") with a real h2 client, the JDK's (ALPN,
 * HPACK, one multiplexed connection), to the real HTTP/1.1 recording upstream.
 */
class Http2Test {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().accessLog("stdout").build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version)
                .sslContext(TlsTestClient.sslContext(proxy.pki().validClient()))
                .connectTimeout(TIMEOUT).build();
    }

    private URI uri(String pathAndQuery) {
        return URI.create("https://localhost:" + proxy.address().getPort() + pathAndQuery);
    }

    @Test
    void aStreamIsAnExchangeWithTheVerifiedIdentityAndNothingForged() throws Exception {
        HttpResponse<String> response = client(HttpClient.Version.HTTP_2).send(HttpRequest.newBuilder(uri("/hello?x=1"))
                        .header("X-Client-DN", "CN=root").header("x_client_dn", "CN=root")
                        .header("X-Http2-Stream-Id", "7").header("Cookie", "a=1").timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        RecordedRequest forwarded = proxy.upstream().takeRequest();
        assertThat(forwarded.uri()).isEqualTo("/hello?x=1");
        assertThat(forwarded.headers("X-Client-DN")).containsExactly(proxy.pki().validClient().subjectDn());
        assertThat(forwarded.headers("x_client_dn")).isEmpty();
        assertThat(forwarded.headers("Host")).containsExactly("localhost:" + proxy.address().getPort());
        assertThat(forwarded.headerNames()).noneMatch(name -> name.toLowerCase().startsWith("x-http2-"));
        assertThat(forwarded.headers("X-Forwarded-Proto")).containsExactly("https");
        Map<String, Object> line = logs.awaitAccessLine(1);
        assertThat(line.get("protocol")).isEqualTo("HTTP/2.0");
        assertThat(line.get("status")).isEqualTo(200);
    }

    @Test
    void aHundredConcurrentStreamsShareOneConnection() throws Exception {
        HttpClient client = client(HttpClient.Version.HTTP_2);
        // the JDK opens a connection per request until it has an h2 one to share
        client.send(HttpRequest.newBuilder(uri("/first")).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.discarding());
        proxy.upstream().drainRequests();
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofMillis(200), UpstreamBehaviour.ok()));
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            responses.add(client.sendAsync(HttpRequest.newBuilder(uri("/stream/" + i)).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(100);
        List<ConnectionSnapshot> busy = proxy.server().connections().heaviest(100).stream()
                .filter(c -> c.streams() > 0).toList();
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(busy).as("one connection carries the streams").hasSize(1);
        assertThat(busy.get(0).http()).isEqualTo("HTTP/2.0");
        assertThat(busy.get(0).streams()).as("streams open at once").isGreaterThan(10);
        assertThat(proxy.upstream().drainRequests()).hasSize(100);
    }

    @Test
    void aTokenInOneStreamsPathIsRefusedWhileAnotherStreamIsServed() throws Exception {
        HttpClient client = client(HttpClient.Version.HTTP_2);
        CompletableFuture<HttpResponse<String>> refused = client.sendAsync(
                HttpRequest.newBuilder(uri("/a?access_token=s3cr3t")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> served = client.sendAsync(
                HttpRequest.newBuilder(uri("/b")).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(refused.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(400);
        assertThat(refused.get().body()).contains("\"error\":\"token_in_query\"");
        assertThat(served.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/b");
        assertThat(logs.lines()).noneMatch(l -> l.contains("s3cr3t"));
    }

    @Test
    void anUploadStreamsToTheUpstreamAndTheResponseBack() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.echo()).keepBodyUpTo(0);
        byte[] body = TestBodies.bytes(4 * 1024 * 1024);
        HttpResponse<byte[]> response = client(HttpClient.Version.HTTP_2).send(HttpRequest.newBuilder(uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(TestBodies.sha256(response.body())).isEqualTo(TestBodies.sha256(body.length));
    }

    @Test
    void sixtyFourMebibytesEachWayToASlowReaderStayWithinTheConnectionsBuffer() throws Exception {
        long size = 64L * 1024 * 1024;
        proxy.restart(b -> b.set("limits.max_connection_buffer", "512KiB").set("limits.max_body_size", "100MiB"));
        HttpClient client = client(HttpClient.Version.HTTP_2);

        proxy.upstream().behaviour(UpstreamBehaviour.readBodySlowly(Duration.ofMillis(1),
                UpstreamBehaviour.respond(UpstreamBehaviour.Response.of(200)))).keepBodyUpTo(0);
        BufferSampler uploadSampler = BufferSampler.start(proxy.server());
        HttpResponse<Void> upload = client.send(HttpRequest.newBuilder(uri("/up"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> TestBodies.stream(size)))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding());
        long uploadPeak = uploadSampler.stop();
        assertThat(upload.statusCode()).isEqualTo(200);
        assertThat(proxy.upstream().takeRequest().bodySha256()).isEqualTo(TestBodies.sha256(size));

        proxy.upstream().behaviour(UpstreamBehaviour.streamBody(size, false));
        BufferSampler downloadSampler = BufferSampler.start(proxy.server());
        HttpResponse<java.io.InputStream> download = client.send(HttpRequest.newBuilder(uri("/down"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream body = download.body()) {
            assertThat(TestBodies.readSha256(body, size, 1)).isEqualTo(TestBodies.sha256(size));
        }
        long downloadPeak = downloadSampler.stop();

        assertThat(uploadPeak).as("the most the connection held during the upload").isLessThan(512 * 1024);
        assertThat(downloadPeak).as("the most the connection held during the download").isLessThan(512 * 1024);
    }

    /**
     * Raw frames: the JDK's client (17) fails every open stream on any GOAWAY (JDK-8335181), so it
     * cannot show a graceful one.
     */
    @Test
    void aDrainSendsGoAwayAndLetsTheOpenStreamFinish() throws Exception {
        double before = Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "drain");
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofMillis(700), UpstreamBehaviour.ok()));
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(1, H2FrameClient.request("GET", "/slow"), true);
            proxy.upstream().takeRequest();
            CompletableFuture<Integer> left = CompletableFuture.supplyAsync(() -> proxy.server().drain(Duration.ofSeconds(5)));

            H2FrameClient.Frame goAway = client.await(H2FrameClient.GOAWAY, 0, Duration.ofSeconds(5));
            assertThat(goAway).as("GOAWAY at the drain").isNotNull();
            assertThat(goAway.errorCode()).isZero();
            assertThat(goAway.lastStreamId()).as("the open stream is covered").isEqualTo(1);
            assertThat(client.await(H2FrameClient.HEADERS, 1, Duration.ofSeconds(5))).as("its response").isNotNull();
            assertThat(left.get(5, TimeUnit.SECONDS)).as("the connection closed once its stream was done").isZero();
        }
        assertThat(Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "drain")).isEqualTo(before + 1);
        proxy.restart(b -> { });
    }

    @Test
    void anEarlyAnswerEndsItsStreamWithNoErrorAndTheConnectionGoesOn() throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(1, H2FrameClient.request("POST", "/big").add("content-length", String.valueOf(64L << 20)),
                    false);
            assertThat(client.await(H2FrameClient.HEADERS, 1, Duration.ofSeconds(5))).as("the 413").isNotNull();
            H2FrameClient.Frame reset = client.await(H2FrameClient.RST_STREAM, 1, Duration.ofSeconds(5));
            assertThat(reset).isNotNull();
            assertThat(reset.errorCode()).as("NO_ERROR: stop sending, the answer is complete").isZero();
            client.headers(3, H2FrameClient.request("GET", "/next"), true);
            assertThat(client.await(H2FrameClient.HEADERS, 3, Duration.ofSeconds(5))).isNotNull();
        }
        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/next");
    }

    @Test
    void anIdleConnectionGetsAGoAway() throws Exception {
        proxy.restart(b -> b.set("limits.idle_timeout", "300ms"));
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            H2FrameClient.Frame goAway = client.goAwayUntilClosed(Duration.ofSeconds(5));
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isZero();
        }
        assertThat(Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "idle")).isEqualTo(1.0);
    }

    @Test
    void aHeaderListThatDecodesPastTheLimitIsRefusedAndNeverForwarded() throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            // one 4 KiB header inserted into the HPACK table, then referenced: 40 KiB from a few bytes each
            io.netty.handler.codec.http2.Http2Headers bomb = H2FrameClient.request("GET", "/bomb");
            for (int i = 0; i < 10; i++) {
                bomb.add("x-bomb", "b".repeat(4000));
            }
            client.headers(1, bomb, true);
            H2FrameClient.Frame answer = client.await(H2FrameClient.HEADERS, 1, Duration.ofSeconds(5));
            H2FrameClient.Frame reset = answer != null ? null : client.await(H2FrameClient.RST_STREAM, 1, Duration.ofSeconds(1));
            assertThat(answer != null || reset != null).as("a 431 or a reset").isTrue();
        }
        assertThat(proxy.upstream().requestCount()).isZero();
    }

    @Test
    void theResponseAndBodyTimeoutsApplyPerStream() throws Exception {
        proxy.restart(b -> b.set("upstream.response_timeout", "300ms").set("limits.body_timeout", "300ms"));
        proxy.upstream().route(head -> head.uri().equals("/slow")
                ? UpstreamBehaviour.delay(Duration.ofSeconds(2), UpstreamBehaviour.ok()) : UpstreamBehaviour.ok());
        HttpResponse<String> slow = client(HttpClient.Version.HTTP_2).send(
                HttpRequest.newBuilder(uri("/slow")).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("\"error\":\"upstream_timeout\"");

        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(1, H2FrameClient.request("POST", "/stalled").add("content-length", "10"), false);
            client.data(1, new byte[3], false);
            assertThat(client.await(H2FrameClient.HEADERS, 1, Duration.ofSeconds(5))).as("the 408").isNotNull();
            client.headers(3, H2FrameClient.request("GET", "/next"), true);
            assertThat(client.await(H2FrameClient.HEADERS, 3, Duration.ofSeconds(5))).as("the connection goes on")
                    .isNotNull();
        }
    }

    @Test
    void withHttp2DisabledAlpnOffersOnlyHttp11() throws Exception {
        proxy.restart(b -> b.set("http2.enabled", false));
        HttpResponse<String> response = client(HttpClient.Version.HTTP_2).send(
                HttpRequest.newBuilder(uri("/")).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void aStreamIsCountedWhileOpen() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofMillis(500), UpstreamBehaviour.ok()));
        CompletableFuture<HttpResponse<Void>> response = client(HttpClient.Version.HTTP_2).sendAsync(
                HttpRequest.newBuilder(uri("/")).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.discarding());
        proxy.upstream().takeRequest();
        assertThat(Meters.gauge(proxy.registry(), "portcullis.http2.streams.active")).isEqualTo(1.0);
        assertThat(response.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (Meters.gauge(proxy.registry(), "portcullis.http2.streams.active") != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(Meters.gauge(proxy.registry(), "portcullis.http2.streams.active")).isZero();
    }
}

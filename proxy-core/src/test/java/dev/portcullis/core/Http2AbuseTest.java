package dev.portcullis.core;

import dev.portcullis.testing.H2FrameClient;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.TlsTestClient;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.portcullis.testing.H2FrameClient.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hand-made HTTP/2 frames against the real proxy: malformed requests are reset with
 * PROTOCOL_ERROR and never reach the upstream; floods end the connection with a GOAWAY, counted
 * by reason, while other clients are served (DESIGN.md "HTTP/2", notes/h2-websocket-facts.md).
 */
class Http2AbuseTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final long PROTOCOL_ERROR = 0x1;
    private static final long ENHANCE_YOUR_CALM = 0xb;
    private static final long REFUSED_STREAM = 0x7;
    private static final long STREAM_CLOSED = 0x5;

    @RegisterExtension
    static final ProxyExtension proxy = new ProxyExtension();

    record Malformed(String name, UnaryOperator<Http2Headers> shape) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Malformed> malformedRequests() {
        return Stream.of(
                new Malformed("uppercase header name", h -> h.add("X-Upper", "1")),
                new Malformed("connection header", h -> h.add("connection", "keep-alive")),
                new Malformed("transfer-encoding header", h -> h.add("transfer-encoding", "chunked")),
                new Malformed("upgrade header", h -> h.add("upgrade", "websocket")),
                new Malformed("te other than trailers", h -> h.add("te", "gzip")),
                new Malformed("CR LF in a value", h -> h.add("x-smuggle", "a\r\nx-client-dn: CN=root")),
                new Malformed("NUL in a value", h -> h.add("x-nul", "a\0b")),
                new Malformed(":path with a space", h -> h.path("/a b HTTP/1.1")),
                new Malformed(":path not origin-form", h -> h.path("http://evil/")),
                new Malformed("no :path", h -> {
                    h.remove(":path");
                    return h;
                }),
                new Malformed("unknown pseudo-header", h -> h.add(":evil", "1")),
                new Malformed("host differing from :authority", h -> h.add("host", "other.example")),
                new Malformed("CONNECT", h -> h.method("CONNECT")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void aMalformedRequestIsResetAndNeverForwarded(Malformed malformed) throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(1, malformed.shape().apply(request("GET", "/m")), true);
            H2FrameClient.Frame reset = client.await(H2FrameClient.RST_STREAM, 1, WAIT);
            assertThat(reset).as("RST_STREAM for the malformed stream").isNotNull();
            assertThat(reset.errorCode()).isEqualTo(PROTOCOL_ERROR);

            client.headers(3, request("GET", "/after"), true);
            assertThat(client.await(H2FrameClient.HEADERS, 3, WAIT)).as("the connection still serves").isNotNull();
        }
        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/after");
        assertThat(proxy.upstream().requestCount()).isEqualTo(1);
    }

    @Test
    void aStreamBeyondMaxConcurrentStreamsIsRefused() throws Exception {
        proxy.restart(b -> b.set("http2.max_concurrent_streams", 4));
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.await(H2FrameClient.SETTINGS, 0, WAIT);
            for (int stream = 1; stream <= 9; stream += 2) {
                client.headers(stream, request("POST", "/open"), false);
            }
            H2FrameClient.Frame refused = client.await(H2FrameClient.RST_STREAM, 9, WAIT);
            assertThat(refused).as("the fifth stream").isNotNull();
            assertThat(refused.errorCode()).isEqualTo(REFUSED_STREAM);
        }
    }

    /** RFC 9113 §5.1.1 closes the lower id; Netty resets it (h2spec 5.1.1/2 wants a connection error). */
    @Test
    void aStreamIdSmallerThanThePreviousOneIsRefused() throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(5, request("GET", "/five"), true);
            client.headers(3, request("GET", "/three"), true);
            H2FrameClient.Frame reset = client.await(H2FrameClient.RST_STREAM, 3, WAIT);
            assertThat(reset).isNotNull();
            assertThat(reset.errorCode()).isEqualTo(STREAM_CLOSED);
            assertThat(client.await(H2FrameClient.HEADERS, 5, WAIT)).as("stream 5 is answered").isNotNull();
        }
        // an earlier test's cut-off requests may still be recorded late: look only for these two
        assertThat(proxy.upstream().drainRequests()).extracting(RecordedRequest::uri)
                .contains("/five").doesNotContain("/three");
    }

    @Test
    void cookieCrumbsReachTheUpstreamAsOneHeader() throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(1, request("GET", "/cookies").add("cookie", "a=1").add("cookie", "b=2"), true);
            assertThat(client.await(H2FrameClient.HEADERS, 1, WAIT)).isNotNull();
        }
        assertThat(proxy.upstream().takeRequest().headers("Cookie")).containsExactly("a=1; b=2");
    }

    @Test
    void aContentLengthTheDataDoesNotMatchAbortsTheStreamBeforeTheUpstreamHasItAll() throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(1, request("POST", "/cl").add("content-length", "10"), false);
            client.data(1, "12345".getBytes(StandardCharsets.US_ASCII), true);
            H2FrameClient.Frame reset = client.await(H2FrameClient.RST_STREAM, 1, WAIT);
            assertThat(reset).isNotNull();
            assertThat(reset.errorCode()).isEqualTo(PROTOCOL_ERROR);
        }
        Thread.sleep(200);
        assertThat(proxy.upstream().drainRequests()).as("no complete request reached the upstream")
                .allMatch(r -> !r.complete());
    }

    @Test
    void rapidResetEndsTheConnectionWhileAnotherClientIsServed() throws Exception {
        double before = Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "rapid_reset");
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            for (int i = 0, stream = 1; i < 5_000; i++, stream += 2) {
                client.frameUnflushed(H2FrameClient.HEADERS, H2FrameClient.END_HEADERS | H2FrameClient.END_STREAM,
                        stream, client.encode(stream, request("GET", "/reset")));
                client.frameUnflushed(H2FrameClient.RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8});
                if (i % 100 == 0) {
                    try {
                        client.flush();
                    } catch (java.io.IOException closed) {
                        break;
                    }
                }
            }
            H2FrameClient.Frame goAway = client.goAwayUntilClosed(WAIT);
            assertThat(goAway).as("GOAWAY").isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        } catch (java.io.IOException closedWhileFlooding) {
            // the proxy may close before the flood is written
        }
        try (TlsTestClient other = proxy.client()) {
            assertThat(other.get("/other").status()).isEqualTo(200);
        }
        assertThat(Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "rapid_reset"))
                .isEqualTo(before + 1);
        assertThat(proxy.upstream().connectionsAccepted()).as("upstream work the resets caused is bounded")
                .isLessThan(400);
    }

    @Test
    void aHeaderBlockLargerThanTheLimitAcrossContinuationsEndsTheConnection() throws Exception {
        double before = Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "header_flood");
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            byte[] first = client.encode(1, request("GET", "/flood"));
            client.frameUnflushed(H2FrameClient.HEADERS, 0, 1, first);
            byte[] filler = client.encode(1, new io.netty.handler.codec.http2.DefaultHttp2Headers(false)
                    .add("x-filler", "f".repeat(1000)));
            try {
                for (int i = 0; i < 200; i++) {
                    client.frameUnflushed(H2FrameClient.CONTINUATION, 0, 1, filler);
                }
                client.flush();
            } catch (java.io.IOException closed) {
                // closed before the flood was all written
            }
            H2FrameClient.Frame goAway = client.goAwayUntilClosed(WAIT);
            assertThat(goAway).as("GOAWAY").isNotNull();
        }
        assertThat(Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "header_flood"))
                .isEqualTo(before + 1);
        assertThat(proxy.upstream().requestCount()).isZero();
    }

    @Test
    void pingsFasterThanTheClientReadsEndTheConnection() throws Exception {
        double before = Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "control_flood");
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.socket().setReceiveBufferSize(4096);
            byte[] ping = new byte[8];
            try {
                for (int i = 0; i < 2_000_000; i++) {
                    client.frameUnflushed(H2FrameClient.PING, 0, 0, ping);
                    if (i % 1000 == 0) {
                        client.flush();
                    }
                }
                client.flush();
            } catch (java.io.IOException closed) {
                // closed mid-flood, as it should be
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "control_flood") == before
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Meters.counter(proxy.registry(), "portcullis.http2.goaways", "reason", "control_flood"))
                .isEqualTo(before + 1);
    }

    @Test
    void emptyDataFramesInARowEndTheConnection() throws Exception {
        try (H2FrameClient client = H2FrameClient.connect(proxy.address(), proxy.pki().validClient())) {
            client.headers(1, request("POST", "/empty"), false);
            for (int i = 0; i < 10; i++) {
                client.data(1, new byte[0], false);
            }
            H2FrameClient.Frame goAway = client.goAwayUntilClosed(WAIT);
            assertThat(goAway).isNotNull();
            assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }
}

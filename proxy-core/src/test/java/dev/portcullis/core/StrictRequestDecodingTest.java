package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Obs-fold is refused and {@code limits.request_header_timeout} cuts off a slow request head, over
 * real TLS to a real upstream: what a request smuggler or a slowloris client gets. What the
 * timeout leaves alone (a slow body, an idle keep-alive connection, a head finished in time) is
 * proven with frozen time in {@code StrictHttpServerCodecTest.HeaderTimeout}.
 */
class StrictRequestDecodingTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .yaml("limits:\n  request_header_timeout: 1s")
            .build();

    // ---- obs-fold and smuggling ---------------------------------------------------------------

    @Test
    void foldedHeaderGets400AndCloseAndTheUpstreamSeesNothing() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /folded HTTP/1.1\r\nHost: localhost\r\nX-A: one\r\n two\r\n\r\n");

            assertRefusedThenClosed(client, 400, "bad_request");
        }
        assertUpstreamSawNothing();
    }

    @Test
    void foldHidingASecondRequestSmugglesNothing() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /cover HTTP/1.1\r\nHost: localhost\r\nX-Ignore: x\r\n Content-Length: 43\r\n\r\n"
                    + "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n");

            assertRefusedThenClosed(client, 400, "bad_request");
        }
        assertUpstreamSawNothing();
    }

    @Test
    void foldedHeaderArrivingOneByteAtATimeIsRefusedAlike() throws Exception {
        String request = "GET /folded HTTP/1.1\r\nHost: localhost\r\nX-A: one\r\n\ttwo\r\n\r\n"
                + "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";
        try (TlsTestClient client = proxy.client()) {
            for (int i = 0; i < request.length(); i++) {
                client.sendRaw(request.substring(i, i + 1));
            }

            assertRefusedThenClosed(client, 400, "bad_request");
        }
        assertUpstreamSawNothing();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "GET /second HTTP/1.1\r\nHost: localhost\r\nX-A: one\r\n two\r\n\r\n",
            "POST /second HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n",
            "GET /second HTTP/1.1\r\nHost: localhost\r\nHost: other\r\n\r\n",
            "GET /second HTTP/1.1\nHost: localhost\n\n",
    })
    void cleanRequestFollowedByAMalformedOneInTheSameWriteForwardsOnlyTheFirst(String malformed) throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /first HTTP/1.1\r\nHost: localhost\r\n\r\n" + malformed
                    + "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n");

            assertThat(client.readResponse().status()).isEqualTo(200);
            assertRefusedThenClosed(client, 400, "bad_request");
        }
        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/first");
        assertUpstreamSawNothing();
    }

    @ParameterizedTest(name = "byte {0}")
    @ValueSource(ints = {0x00, 0x01, 0x1b, 0x7f, 0x85, 0xe9})
    void requestTargetWithAByteOutsideVisibleAsciiGets400(int b) throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /a" + (char) b + "b HTTP/1.1\r\nHost: localhost\r\n\r\n");

            assertRefusedThenClosed(client, 400, "bad_request");
        }
        assertUpstreamSawNothing();
    }

    // ---- request_header_timeout ---------------------------------------------------------------

    @Test
    void headTrickledSlowerThanTheTimeoutGets408AndCloseWithinTwoSeconds() throws Exception {
        String head = "GET /slowloris HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "s".repeat(40) + "\r\n\r\n";
        CompletableFuture<Void> trickle;
        try (TlsTestClient client = proxy.client()) {
            long start = System.nanoTime();
            trickle = trickle(client, head, Duration.ofMillis(200));

            RawResponse response = client.readResponse();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(response.status()).isEqualTo(408);
            assertThat(response.header("Content-Type")).contains("application/json");
            assertThat(response.bodyText()).contains("\"error\":\"request_timeout\"");
            assertThat(response.connectionClose()).isTrue();
            assertThat(elapsedMillis).as("1 s from the first byte, not from the last").isBetween(900L, 2_000L);
            assertThat(client.isClosedByPeer(Duration.ofSeconds(2)))
                    .as("a client that stalled mid-head cannot be trusted to frame the next request")
                    .isTrue();
        }
        trickle.get(5, TimeUnit.SECONDS);
        assertUpstreamSawNothing();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static void assertRefusedThenClosed(TlsTestClient client, int status, String error) throws IOException {
        RawResponse response = client.readResponse();
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.bodyText()).contains("\"error\":\"" + error + "\"");
        assertThat(response.connectionClose()).isTrue();
        assertThat(client.isClosedByPeer(Duration.ofSeconds(5)))
                .as("after a framing error the rest of the bytes cannot be trusted: the connection closes")
                .isTrue();
    }

    private static void assertUpstreamSawNothing() throws InterruptedException {
        assertThat(proxy.upstream().pollRequest(Duration.ofMillis(200))).as("upstream must see nothing more").isNull();
    }

    /**
     * Sends {@code text} one byte every {@code interval} on a daemon thread, until it is all sent,
     * the proxy refused a write or the client was closed.
     */
    private static CompletableFuture<Void> trickle(TlsTestClient client, String text, Duration interval) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                for (int i = 0; i < text.length() && client.refusedWrite() == null; i++) {
                    client.sendRaw(text.substring(i, i + 1));
                    Thread.sleep(interval.toMillis());
                }
            } catch (IOException | InterruptedException stopped) {
                // the proxy closed the connection, or the test closed the client
            } finally {
                done.complete(null);
            }
        }, "slowloris");
        thread.setDaemon(true);
        thread.start();
        return done;
    }
}

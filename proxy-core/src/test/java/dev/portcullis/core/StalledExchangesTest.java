package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An exchange that makes no progress must not hold a pooled upstream connection forever (DESIGN.md
 * step 7): with a pool of two, two clients that stall (one mid-upload, one not reading a
 * download) would otherwise lock every other client out with 502.
 */
class StalledExchangesTest {

    private static final long DOWNLOAD_BYTES = 256L * 1024 * 1024;

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .set("upstream.max_connections", 2)
            .set("upstream.connect_timeout", "3s")
            .set("limits.body_timeout", "500ms")
            .set("limits.send_timeout", "500ms")
            .build();

    @Test
    void clientsThatStallMidUploadGet408AndFreeTheirUpstreamConnections() throws Exception {
        try (TlsTestClient first = proxy.client(); TlsTestClient second = proxy.client()) {
            String stalled = "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(10);
            first.sendRaw(stalled);
            second.sendRaw(stalled);
            awaitUpstreamConnection();

            assertThat(served()).as("a third client is served once the stalled exchanges time out").isEqualTo(200);
            for (TlsTestClient client : new TlsTestClient[] {first, second}) {
                RawResponse response = client.readResponse();
                assertThat(response.status()).isEqualTo(408);
                assertThat(response.bodyText()).contains("\"error\":\"request_timeout\"");
                assertThat(response.connectionClose()).isTrue();
            }
        }
    }

    @Test
    void clientsThatStopReadingADownloadAreClosedAndFreeTheirUpstreamConnections() throws Exception {
        proxy.upstream().route(head -> head.uri().startsWith("/download")
                ? UpstreamBehaviour.streamBody(DOWNLOAD_BYTES, false) : UpstreamBehaviour.ok());
        try (TlsTestClient first = proxy.client(); TlsTestClient second = proxy.client()) {
            first.sendRaw("GET /download HTTP/1.1\r\nHost: localhost\r\n\r\n");
            second.sendRaw("GET /download HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(proxy.upstream().pollRequest(Duration.ofSeconds(5))).as("a download began").isNotNull();

            assertThat(served()).as("a third client is served once the stalled downloads time out").isEqualTo(200);
            assertThat(bytesUntilClosed(first)).as("what was in flight, then the close").isLessThan(DOWNLOAD_BYTES);
        }
    }

    /** Reads what the connection still delivers; a reset counts as the close it is. */
    private static long bytesUntilClosed(TlsTestClient client) {
        long bytes = 0;
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = client.socket().getInputStream().read(buffer)) >= 0; ) {
                bytes += n;
            }
        } catch (IOException closed) {
            // reset or TLS alert after the proxy gave up on the client
        }
        return bytes;
    }

    /** The stalled upload has its upstream connection (an unfinished request is not recorded yet). */
    private static void awaitUpstreamConnection() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (proxy.upstream().activeConnections() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(proxy.upstream().activeConnections()).as("an upload reached the upstream").isPositive();
    }

    private static int served() throws Exception {
        try (TlsTestClient third = proxy.client()) {
            return third.get("/").status();
        }
    }
}

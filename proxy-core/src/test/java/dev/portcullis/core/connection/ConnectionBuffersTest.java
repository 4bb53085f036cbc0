package dev.portcullis.core.connection;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.BodyFraming;
import dev.portcullis.testing.UpstreamBehaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** What each live connection holds in buffers, and {@code limits.max_connection_buffer}. */
class ConnectionBuffersTest {

    private static final int CAP = 256 * 1024;

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .maxBodySize("1GiB")
            .set("limits.max_connection_buffer", "256KiB")
            .build();

    @Test
    void aStalledDownloadShowsItsBufferedBytesAndDisappearsWhenClosed() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.streamBody(64L * 1024 * 1024, true));
        ConnectionRegistry connections = proxy.server().connections();
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n");
            // more than the handshake's bytes: the response is piling up
            await(() -> connections.maxBufferedBytes() > 32 * 1024);

            List<ConnectionSnapshot> heaviest = connections.heaviest(10);
            assertThat(heaviest).hasSize(1);
            ConnectionSnapshot stalled = heaviest.get(0);
            assertThat(stalled.remote()).isEqualTo("127.0.0.1:" + client.socket().getLocalPort());
            assertThat(stalled.subject()).isEqualTo("CN=alice,OU=eng,O=Example");
            assertThat(stalled.protocol()).isEqualTo("TLSv1.3");
            assertThat(stalled.requests()).isEqualTo(1);
            assertThat(stalled.bufferedBytes()).isPositive().isLessThanOrEqualTo(CAP);
            assertThat(stalled.bytesIn()).isPositive();
            assertThat(stalled.bytesOut()).isPositive();
        }
        await(() -> connections.size() == 0);
        assertThat(connections.bufferedBytes()).isZero();
    }

    @Test
    void aClientThatUploadsFastAndNeverReadsIsThrottledWithinTheCap() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.echo());
        ConnectionRegistry connections = proxy.server().connections();
        long size = 256L * 1024 * 1024;
        TlsTestClient client = proxy.client();
        try {
            CompletableFuture<TlsTestClient.Upload> upload =
                    client.sendStreamingRequestInBackground("POST", "/echo", size, BodyFraming.CONTENT_LENGTH);
            await(() -> connections.maxBufferedBytes() > CAP / 4);
            Thread.sleep(2000);

            assertThat(upload).as("the upload is throttled: it cannot finish while nothing is read").isNotDone();
            ConnectionSnapshot heaviest = connections.heaviest(1).get(0);
            assertThat(heaviest.peakBufferedBytes()).isLessThanOrEqualTo(CAP);
            assertThat(heaviest.bytesIn()).isLessThan(size);
        } finally {
            client.abort();
        }
        await(() -> connections.size() == 0);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }
}

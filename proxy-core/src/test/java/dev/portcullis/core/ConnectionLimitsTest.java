package dev.portcullis.core;

import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code limits.max_requests_per_connection}, {@code limits.max_connections} and draining for shutdown. */
class ConnectionLimitsTest {

    private static final long DOWNLOAD = 64L * 1024 * 1024;

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .yaml("limits:\n  max_requests_per_connection: 3\n  max_connections: 2")
            .runForEachTest(true)
            .build();

    @Test
    void theLastRequestAllowedOnAConnectionIsAnsweredWithConnectionClose() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/1").connectionClose()).isFalse();
            assertThat(client.get("/2").connectionClose()).isFalse();
            RawResponse third = client.get("/3");

            assertThat(third.status()).isEqualTo(200);
            assertThat(third.connectionClose()).isTrue();
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(proxy.upstream().requestCount()).isEqualTo(3);
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnceAndCounted() throws Exception {
        try (TlsTestClient first = proxy.client(); TlsTestClient second = proxy.client()) {
            assertThat(first.get("/").status()).isEqualTo(200);
            assertThat(second.get("/").status()).isEqualTo(200);

            assertThat(proxy.handshake(proxy.pki().validClient()).succeeded()).isFalse();
            assertThat(Meters.counter(proxy.registry(), "portcullis.connections.rejected", "reason", "max_connections"))
                    .isEqualTo(1);
        }
        awaitConnections(0);
        try (TlsTestClient again = proxy.client()) {
            assertThat(again.get("/").status()).as("room again once the others closed").isEqualTo(200);
        }
    }

    @Test
    void drainingFinishesTheExchangeInFlightRefusesNewerOnesAndClosesIdleConnections() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofMillis(800), UpstreamBehaviour.ok()));
        try (TlsTestClient busy = proxy.client(); TlsTestClient idle = proxy.client()) {
            busy.sendRaw("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\nGET /next HTTP/1.1\r\nHost: localhost\r\n\r\n");
            proxy.upstream().takeRequest();
            assertThat(idle.socket().isConnected()).isTrue();

            CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(
                    () -> proxy.server().drain(Duration.ofSeconds(10)));

            assertThat(idle.isClosedByPeer(Duration.ofSeconds(5))).as("idle connections close at once").isTrue();
            RawResponse slow = busy.readResponse();
            assertThat(slow.status()).isEqualTo(200);
            assertThat(slow.connectionClose()).isTrue();
            assertThat(busy.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
            assertThat(drained.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(proxy.server().ready()).isFalse();
        }
        assertThat(proxy.upstream().requestCount()).as("the pipelined request never reached the upstream").isEqualTo(1);
    }

    @Test
    void aRequestBehindAResponseThatBeganBeforeTheDrainGets503Draining() throws Exception {
        // far more than loopback's socket buffers (several MiB) can absorb, so that it piles up in the proxy
        proxy.upstream().behaviour(UpstreamBehaviour.streamBody(DOWNLOAD, true));
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /download HTTP/1.1\r\nHost: localhost\r\n\r\n");
            awaitBuffered();  // the head is out, the body piles up: Connection: close can no longer be said
            CompletableFuture.runAsync(() -> proxy.server().drain(Duration.ofSeconds(10)));
            client.sendRaw("GET /late HTTP/1.1\r\nHost: localhost\r\n\r\n");

            TlsTestClient.StreamedResponse download = client.readResponseStreaming();
            assertThat(download.bodyBytes()).isEqualTo(DOWNLOAD);
            RawResponse late = client.readResponse();
            assertThat(late.status()).isEqualTo(503);
            assertThat(late.bodyText()).contains("\"error\":\"draining\"");
            assertThat(late.connectionClose()).isTrue();
        }
        assertThat(proxy.upstream().requestCount()).isEqualTo(1);
    }

    private static void awaitBuffered() throws InterruptedException {
        for (long deadline = System.nanoTime() + 10_000_000_000L;
             proxy.server().connections().maxBufferedBytes() < 32 * 1024; Thread.sleep(10)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the response never piled up");
            }
        }
    }

    @Test
    void drainTimeoutEndsWaitingForAnExchangeThatTakesTooLong() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofSeconds(5), UpstreamBehaviour.ok()));
        try (TlsTestClient busy = proxy.client()) {
            busy.sendRaw("GET /slower HTTP/1.1\r\nHost: localhost\r\n\r\n");
            proxy.upstream().takeRequest();

            long start = System.nanoTime();
            assertThat(proxy.server().drain(Duration.ofMillis(300))).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    private static void awaitConnections(int count) throws InterruptedException {
        for (long deadline = System.nanoTime() + 10_000_000_000L; proxy.server().connections().size() != count;
             Thread.sleep(10)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("connections: " + proxy.server().connections().size());
            }
        }
    }
}

package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TestBodies;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.0 clients (ApacheBench's {@code ab -k} among them), RFC 9112 §9.3 and §6.1: keep-alive
 * only when asked for and the length is known, never Transfer-Encoding.
 */
class Http10ClientTest {

    @RegisterExtension
    static final ProxyExtension proxy = new ProxyExtension();

    @Test
    void keepAliveIsAnsweredInKindSoTheClientCanSendItsNextRequest() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            for (int i = 0; i < 3; i++) {
                client.sendRaw("GET /ab HTTP/1.0\r\nHost: localhost\r\nConnection: Keep-Alive\r\n\r\n");
                RawResponse response = client.readResponse();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.header("Connection")).as("without it an HTTP/1.0 client waits for a close")
                        .contains("keep-alive");
                assertThat(response.framing()).isEqualTo(RawResponse.Framing.CONTENT_LENGTH);
            }
        }
        assertThat(proxy.upstream().requestCount()).isEqualTo(3);
    }

    @Test
    void aChunkedUpstreamAnswerIsDeChunkedAndTheConnectionClosesAfterIt() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.streamBody(100_000, true));
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /big HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
            RawResponse response = client.readResponse();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.hasHeader("Transfer-Encoding")).as("RFC 9112 §6.1: not to a 1.0 client").isFalse();
            assertThat(response.header("Connection")).contains("close");
            assertThat(response.framing()).isEqualTo(RawResponse.Framing.UNTIL_CLOSE);
            assertThat(response.body()).hasSize(100_000);
            assertThat(TestBodies.sha256(response.body())).as("the body bytes, without chunk framing")
                    .isEqualTo(TestBodies.sha256(100_000));
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void withoutKeepAliveTheConnectionClosesAfterTheResponse() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
            RawResponse response = client.readResponse();
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Connection")).contains("close");
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
    }
}

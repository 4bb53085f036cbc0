package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.BodyFraming;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Malformed or oversized requests are answered by the proxy and never reach the upstream. */
class RequestRulesTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .yaml("limits:\n  max_header_size: 4KiB\n  max_uri_size: 1KiB\n  max_body_size: 64KiB")
            .build();

    @Test
    void oversizedHeadersGet431AndClose() throws Exception {
        assertRefusedAndClosed("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(5000) + "\r\n\r\n",
                431, "headers_too_large");
    }

    @Test
    void longUriGets414AndClose() throws Exception {
        assertRefusedAndClosed("GET /" + "a".repeat(1100) + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
                414, "uri_too_long");
    }

    @Test
    void veryLongRequestLineGets414() throws Exception {
        assertRefusedAndClosed("GET /" + "a".repeat(3000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
                414, "uri_too_long");
    }

    @Test
    void declaredBodyOverTheLimitGets413BeforeAnythingIsForwarded() throws Exception {
        assertRefusedAndClosed("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 70000\r\n\r\n",
                413, "body_too_large");
    }

    @Test
    void chunkedBodyOverTheLimitGets413WhileStreaming() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            var upload = client.sendStreamingRequestInBackground("POST", "/", 200 * 1024, BodyFraming.CHUNKED);
            RawResponse response = client.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.bodyText()).contains("\"error\":\"body_too_large\"");
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
            upload.handle((ok, error) -> null).get();
        }
    }

    @Test
    void bodyWithinTheLimitIsForwarded() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendStreamingRequest("POST", "/", 64 * 1024, BodyFraming.CHUNKED);
            assertThat(client.readResponse().status()).isEqualTo(200);
        }
        assertThat(proxy.upstream().takeRequest().bodyBytes()).isEqualTo(64 * 1024);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.2\r\nHost: localhost\r\n\r\n",
            "GET http://other.example/ HTTP/1.1\r\nHost: other.example\r\n\r\n",
            "CONNECT other.example:443 HTTP/1.1\r\nHost: other.example:443\r\n\r\n",
            "GET / HTTP/1.1\nHost: localhost\n\n",
            "GET / HTTP/1.1\r\nHost: localhost\r\nBad Name: x\r\n\r\n",
    })
    void malformedFramingGets400AndClose(String request) throws Exception {
        assertRefusedAndClosed(request, 400, "bad_request");
    }

    @Test
    void nothingAfterAFramingErrorIsForwardedAsASecondRequest() throws Exception {
        assertRefusedAndClosed("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 30\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n",
                400, "bad_request");
    }

    private static void assertRefusedAndClosed(String request, int status, String error) throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw(request);
            RawResponse response = client.readResponse();

            assertThat(response.status()).isEqualTo(status);
            assertThat(response.header("Content-Type")).contains("application/json");
            assertThat(response.bodyText()).contains("\"error\":\"" + error + "\"").doesNotContain("Exception");
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5)))
                    .as("after a framing error the rest of the bytes cannot be trusted: the connection closes")
                    .isTrue();
        }
        assertThat(proxy.upstream().pollRequest(Duration.ofMillis(100))).as("upstream must see nothing").isNull();
    }
}

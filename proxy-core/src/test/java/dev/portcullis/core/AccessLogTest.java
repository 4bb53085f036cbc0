package dev.portcullis.core;

import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.Options;
import dev.portcullis.testing.UpstreamBehaviour;
import dev.portcullis.testing.UpstreamBehaviour.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One JSON line per exchange, with exactly DESIGN.md's fields, parsed back from the real event template. */
class AccessLogTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().accessLog("stdout").build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void aForwardedExchangeHasEveryField() throws Exception {
        ClientCredentials alice = proxy.pki().validClient();
        proxy.upstream().behaviour(UpstreamBehaviour.respond(Response.of(201, "text/plain", "0123456789")));
        int localPort;
        try (TlsTestClient client = proxy.client(alice)) {
            localPort = client.socket().getLocalPort();
            assertThat(client.request("POST", "/orders?page=2", "hello".getBytes(StandardCharsets.US_ASCII)).status())
                    .isEqualTo(201);
        }

        Map<String, Object> line = logs.awaitAccessLine(1);

        assertThat(line).containsOnlyKeys("ts", "remote", "method", "path", "status", "duration_ms", "upstream_ms",
                "bytes_in", "bytes_out", "subject", "fingerprint", "tls_protocol", "resumed", "error", "protocol");
        assertThat((String) line.get("ts")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(line.get("remote")).isEqualTo("127.0.0.1:" + localPort);
        assertThat(line.get("method")).isEqualTo("POST");
        assertThat(line.get("path")).isEqualTo("/orders?page=2");
        assertThat(line.get("status")).isEqualTo(201);
        assertThat(line.get("bytes_in")).isEqualTo(5);
        assertThat(line.get("bytes_out")).isEqualTo(10);
        assertThat(line.get("subject")).isEqualTo("CN=alice,OU=eng,O=Example");
        assertThat(line.get("fingerprint"))
                .isEqualTo(ClientIdentity.verified(alice.certificate().orElseThrow(), null).fingerprint());
        assertThat(line.get("tls_protocol")).isEqualTo("TLSv1.3");
        assertThat(line.get("protocol")).isEqualTo("HTTP/1.1");
        assertThat(line.get("resumed")).isEqualTo(false);
        assertThat(line.get("error")).isNull();
        double upstreamMs = ((Number) line.get("upstream_ms")).doubleValue();
        double durationMs = ((Number) line.get("duration_ms")).doubleValue();
        assertThat(upstreamMs).isPositive().isLessThanOrEqualTo(durationMs);
    }

    @Test
    void aResumedSessionIsMarked() throws Exception {
        SSLContext client = TlsTestClient.sslContext(proxy.pki().validClient());
        for (int i = 0; i < 2; i++) {
            try (TlsTestClient connection = proxy.client(proxy.pki().validClient(), Options.defaults().sslContext(client))) {
                assertThat(connection.get("/").status()).isEqualTo(200);
            }
        }

        assertThat(logs.awaitAccessLine(1).get("resumed")).isEqualTo(false);
        assertThat(logs.awaitAccessLine(2).get("resumed")).isEqualTo(true);
    }

    @Test
    void aRejectedRequestHasItsErrorAndNoUpstreamTimeAndItsTokenRedacted() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/p?a=1&access_token=s3cr3t-value").status()).isEqualTo(400);
        }

        Map<String, Object> line = logs.awaitAccessLine(1);
        assertThat(line.get("path")).isEqualTo("/p?a=1&access_token=[REDACTED]");
        assertThat(line.get("status")).isEqualTo(400);
        assertThat(line.get("error")).isEqualTo("token_in_query");
        assertThat(line).containsEntry("upstream_ms", null).containsEntry("subject", "CN=alice,OU=eng,O=Example");
        assertThat(line.get("bytes_out")).isNotEqualTo(0);
        assertThat(String.join("\n", logs.lines())).doesNotContain("s3cr3t-value");
    }

    @Test
    void anUpstreamFailureHasItsErrorAndTheTimeSpentOnTheUpstream() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.resetConnection());
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.request("POST", "/", new byte[3]).status()).isEqualTo(502);
        }

        Map<String, Object> line = logs.awaitAccessLine(1);
        assertThat(line.get("status")).isEqualTo(502);
        assertThat(line.get("error")).isEqualTo("upstream_unavailable");
        assertThat(line.get("upstream_ms")).isInstanceOf(Number.class);
        assertThat(line.get("bytes_in")).isEqualTo(3);
    }

    @Test
    void aRequestLineTooLongToReadIsLoggedWithoutMethodOrPath() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            assertThat(client.get("/" + "a".repeat(20_000)).status()).isEqualTo(414);
        }

        Map<String, Object> line = logs.awaitAccessLine(1);
        assertThat(line.get("method")).isNull();
        assertThat(line.get("path")).isNull();
        assertThat(line.get("error")).isEqualTo("uri_too_long");
    }

    @Test
    void anExchangeTheClientAbandonsIsLoggedAs499() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofSeconds(2), UpstreamBehaviour.ok()));
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
            proxy.upstream().takeRequest();
        }

        Map<String, Object> line = logs.awaitAccessLine(1);
        assertThat(line.get("path")).isEqualTo("/slow");
        assertThat(line.get("status")).isEqualTo(499);
        assertThat(line.get("error")).isNull();
    }

    @Test
    void pipelinedExchangesAreLoggedInOrder() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /2 HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
            assertThat(client.readResponse().status()).isEqualTo(200);
        }

        assertThat(logs.awaitAccessLine(1).get("path")).isEqualTo("/1");
        assertThat(logs.awaitAccessLine(2).get("path")).isEqualTo("/2");
    }

    @Test
    void nothingIsLoggedWhenTheAccessLogIsOff() throws Exception {
        proxy.restart(b -> b.accessLog("off"));
        assertThat(proxy.get("/").status()).isEqualTo(200);

        assertThat(logs.accessLines()).isEmpty();
    }
}

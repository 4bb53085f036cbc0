package dev.portcullis.core;

import dev.portcullis.core.upstream.UpstreamFailureLog;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import dev.portcullis.testing.UpstreamBehaviour.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request carrying a unique secret in every place a credential travels, sent down every path
 * (success, 4xx, 5xx, upstream failure, client abort), with every logger at TRACE: no secret
 * appears in any captured log line, the access log included.
 */
class NoSecretInLogsTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .accessLog("stdout")
            .upstreamResponseTimeout("500ms")
            .maxBodySize("1KiB")
            .build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private final String queryToken = secret("query");
    private final String authorization = secret("authorization");
    private final String cookie = secret("cookie");
    private final String apiKey = secret("api-key");
    private final String formField = secret("form");
    private final String setCookie = secret("set-cookie");

    @AfterEach
    void noSecretWasLogged() {
        List<String> lines = logs.lines();
        assertThat(lines).as("the capture works: debug lines and access lines were recorded")
                .anyMatch(line -> line.startsWith("DEBUG"));
        assertThat(logs.accessLines()).isNotEmpty();
        for (String secret : List.of(queryToken, authorization, cookie, apiKey, formField, setCookie)) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
            assertThat(logs.accessLines()).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void success() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.respond(Response.of(200, "text/plain", "ok")
                .header("Set-Cookie", "session=" + setCookie)));

        assertThat(send("/orders?page=1").status()).isEqualTo(200);
    }

    @Test
    void successWithTheTokenStripped() throws Exception {
        proxy.restart(b -> b.set("tokens.on_query_token", "strip"));

        assertThat(send("/orders?access_token=" + queryToken).status()).isEqualTo(200);
        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/orders");
    }

    @Test
    void tokenInQuery() throws Exception {
        assertThat(send("/orders?access_token=" + queryToken).status()).isEqualTo(400);
    }

    @Test
    void bodyTooLarge() throws Exception {
        assertThat(send("/orders?x=" + "y".repeat(2000), "a".repeat(2000)).status()).isEqualTo(413);
    }

    @Test
    void upstreamReset() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.resetConnection());

        assertThat(send("/orders?api_key=" + queryToken).status()).isEqualTo(400);
        proxy.restart(b -> b.set("tokens.on_query_token", "strip"));
        assertThat(send("/orders?api_key=" + queryToken).status()).isEqualTo(502);

        assertThat(logs.linesContaining("WARN " + UpstreamFailureLog.class.getName()))
                .singleElement().asString()
                .contains("upstream failed: upstream_unavailable (connection closed before a response) for POST "
                        + "/orders from peer=");
    }

    @Test
    void upstreamTimeout() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofSeconds(2), UpstreamBehaviour.ok()));

        assertThat(send("/orders").status()).isEqualTo(504);
    }

    @Test
    void upstreamFailsMidResponse() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.respond(new Response(200,
                List.of(java.util.Map.entry("Content-Length", "1000"), java.util.Map.entry("Set-Cookie", setCookie)),
                "partial".getBytes(StandardCharsets.US_ASCII))));

        try (TlsTestClient client = proxy.client()) {
            client.sendRaw(request("/orders", formBody()));
            proxy.upstream().takeRequest();
            proxy.upstream().closeConnections();
            assertThat(new String(client.readUntilClose(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
        }
        assertThat(logs.awaitAccessLine(1)).containsEntry("status", 200).containsEntry("error", "upstream_unavailable");
    }

    @Test
    void clientGoesAway() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofMillis(300), UpstreamBehaviour.ok()));
        proxy.restart(b -> b.set("tokens.on_query_token", "strip"));
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw(request("/orders?token=" + queryToken, formBody()));
            proxy.upstream().takeRequest();
        }
        assertThat(logs.awaitAccessLine(1)).containsEntry("status", 499);
    }

    private RawResponse send(String path) throws Exception {
        return send(path, formBody());
    }

    private RawResponse send(String path, String body) throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw(request(path, body));
            RawResponse response = client.readResponse();
            logs.awaitAccessLine(1);
            return response;
        }
    }

    private String formBody() {
        return "user=alice&password=" + formField;
    }

    private String request(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + authorization + "\r\n"
                + "Cookie: sid=" + cookie + "\r\n"
                + "X-Api-Key: " + apiKey + "\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String secret(String place) {
        return "s3cr3t-" + place + "-" + UUID.randomUUID();
    }
}

package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.UpstreamBehaviour;
import dev.portcullis.testing.UpstreamBehaviour.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** DESIGN.md's {@code tokens} and {@code response} sections, end to end. */
class QueryTokensAndResponseHardeningTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().build();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/p?access_token=s3cr3t              | access_token",
            "/p?a=1&ACCESS_TOKEN=s3cr3t          | access_token",
            "/p?access%5Ftoken=s3cr3t            | access_token",
            "/p?x=1&refresh_token                | refresh_token",
            "/p?api_key=&api_key=s3cr3t          | api_key",
    })
    void aTokenInTheQueryIsRefusedNamingTheParameterButNeverItsValue(String uri, String parameter) throws Exception {
        try (TlsTestClient client = proxy.client()) {
            RawResponse response = client.get(uri);

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("Content-Type")).hasValue("application/json");
            assertThat(response.bodyText()).isEqualTo("{\"error\":\"token_in_query\",\"message\":\"credentials must "
                    + "not be sent in the URL\",\"parameter\":\"" + parameter + "\"}\n");
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(proxy.upstream().requestCount()).isZero();
    }

    @Test
    void aParameterThatOnlyContainsATokenNameIsForwarded() throws Exception {
        assertThat(proxy.get("/p?my_token_count=2&tokens=1").status()).isEqualTo(200);
        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/p?my_token_count=2&tokens=1");
    }

    @Test
    void stripRemovesTheTokenAndKeepsEveryOtherParameterAsSent() throws Exception {
        proxy.restart(b -> b.set("tokens.on_query_token", "strip"));

        assertThat(proxy.get("/p?b=%2F&access_token=s3cr3t&a=x+y&Token&c=%E2%82%AC").status()).isEqualTo(200);
        assertThat(proxy.get("/q?access%5Ftoken=s3cr3t").status()).isEqualTo(200);

        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/p?b=%2F&a=x+y&c=%E2%82%AC");
        assertThat(proxy.upstream().takeRequest().uri()).isEqualTo("/q");
    }

    @Test
    void noQueryParamsMeansNoScanning() throws Exception {
        proxy.restart(b -> b.yaml("tokens:\n  query_params: []"));

        assertThat(proxy.get("/p?access_token=x").status()).isEqualTo(200);
    }

    @Test
    void authorizationIsForwardedUnlessConfiguredOtherwise() throws Exception {
        proxy.get("/", "Authorization", "Bearer abc");
        assertThat(proxy.upstream().takeRequest().header("Authorization")).hasValue("Bearer abc");

        proxy.restart(b -> b.set("tokens.forward_authorization", false));
        proxy.get("/", "Authorization", "Bearer abc", "Proxy-Authorization", "Basic x", "X-Other", "1");

        RecordedRequest received = proxy.upstream().takeRequest();
        assertThat(received.header("Authorization")).isEmpty();
        assertThat(received.header("Proxy-Authorization")).isEmpty();
        assertThat(received.header("X-Other")).hasValue("1");
    }

    @Test
    void responsesAreHardened() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.respond(Response.of(200, "text/plain", "ok")
                .header("Set-Cookie", "sid=abc; Path=/")
                .header("Set-Cookie", "pref=1; secure; httponly; SameSite=Lax")
                .header("Server", "gunicorn/22")
                .header("X-Powered-By", "Django")
                .header("X-Frame-Options", "DENY")));

        RawResponse response = proxy.get("/");

        assertThat(response.headers("Set-Cookie"))
                .containsExactly("sid=abc; Path=/; Secure; HttpOnly", "pref=1; secure; httponly; SameSite=Lax");
        assertThat(response.hasHeader("Server")).isFalse();
        assertThat(response.hasHeader("X-Powered-By")).isFalse();
        assertThat(response.header("X-Frame-Options")).hasValue("DENY");
        assertThat(response.headers("Strict-Transport-Security")).containsExactly("max-age=31536000");
    }

    @Test
    void theUpstreamsOwnHstsIsKeptAndHardeningCanBeTurnedOff() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.respond(Response.of(200, "text/plain", "ok")
                .header("Strict-Transport-Security", "max-age=60")));
        assertThat(proxy.get("/").headers("Strict-Transport-Security")).containsExactly("max-age=60");

        proxy.restart(b -> b.yaml("response:\n  secure_cookies: false\n  hsts: null\n  remove_headers: []"));
        proxy.upstream().behaviour(UpstreamBehaviour.respond(Response.of(200, "text/plain", "ok")
                .header("Set-Cookie", "sid=abc").header("Server", "gunicorn")));
        RawResponse response = proxy.get("/");

        assertThat(response.headers("Set-Cookie")).containsExactly("sid=abc");
        assertThat(response.header("Server")).hasValue("gunicorn");
        assertThat(response.hasHeader("Strict-Transport-Security")).isFalse();
    }
}

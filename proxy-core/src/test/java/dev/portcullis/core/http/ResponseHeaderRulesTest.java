package dev.portcullis.core.http;

import dev.portcullis.config.ResponseConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseHeaderRulesTest {

    private static final ResponseHeaderRules DEFAULTS = new ResponseHeaderRules(ResponseConfig.DEFAULTS);
    private static final ResponseHeaderRules NOTHING_ADDED =
            new ResponseHeaderRules(new ResponseConfig(false, Optional.empty(), List.of()));

    @Test
    void removesConnectionAndEveryNameItListsAcrossRepeatedHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Connection", "close, X-A")
                .add("Connection", "x-b ,,")
                .add("X-A", "1").add("X-B", "2").add("X-C", "3")
                .add("Keep-Alive", "timeout=5").add("TE", "trailers").add("Trailer", "X-T")
                .add("Upgrade", "h2c").add("Proxy-Connection", "keep-alive");

        NOTHING_ADDED.apply(headers);

        assertThat(headers.names()).containsExactly("X-C");
    }

    @Test
    void framingHeadersListedInConnectionAreKeptSoAMessageCannotBeUnframed() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Connection", "Content-Length, Transfer-Encoding, Host")
                .add("Content-Length", "5").add("Host", "x");

        NOTHING_ADDED.apply(headers);

        assertThat(headers.names()).containsExactlyInAnyOrder("Content-Length", "Host");
    }

    @Test
    void removesConfiguredHeadersInAnyCase() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("server", "gunicorn").add("X-POWERED-BY", "Django").add("Content-Type", "text/plain");

        DEFAULTS.apply(headers);

        assertThat(headers.names()).containsExactlyInAnyOrder("Content-Type", "Strict-Transport-Security");
    }

    @Test
    void addsHstsOnlyWhenTheUpstreamSentNone() {
        HttpHeaders none = new DefaultHttpHeaders();
        HttpHeaders own = new DefaultHttpHeaders().add("strict-transport-security", "max-age=60");

        DEFAULTS.apply(none);
        DEFAULTS.apply(own);

        assertThat(none.getAll("Strict-Transport-Security")).containsExactly("max-age=31536000");
        assertThat(own.getAll("Strict-Transport-Security")).containsExactly("max-age=60");
        HttpHeaders off = new DefaultHttpHeaders();
        NOTHING_ADDED.apply(off);
        assertThat(off.isEmpty()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "sid=abc                                        | sid=abc; Secure; HttpOnly",
            "sid=abc; Path=/                                | sid=abc; Path=/; Secure; HttpOnly",
            "sid=abc; secure                                | sid=abc; secure; HttpOnly",
            "sid=abc;HTTPONLY                               | sid=abc;HTTPONLY; Secure",
            "sid=abc; Secure; HttpOnly; SameSite=Lax        | sid=abc; Secure; HttpOnly; SameSite=Lax",
            "sid=abc; Path=/Secure; Domain=httponly.example | sid=abc; Path=/Secure; Domain=httponly.example; Secure; HttpOnly",
            "secure=1                                       | secure=1; Secure; HttpOnly",
    })
    void secureCookiesAddsWhatIsMissingAndKeepsTheRest(String cookie, String expected) {
        assertThat(ResponseHeaderRules.secure(cookie)).isEqualTo(expected);
    }

    @Test
    void secureCookiesAppliesToEachSetCookieInOrder() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Set-Cookie", "a=1").add("Set-Cookie", "b=2; Secure; HttpOnly").add("Set-Cookie", "c=3");

        DEFAULTS.apply(headers);

        assertThat(headers.getAll("Set-Cookie"))
                .containsExactly("a=1; Secure; HttpOnly", "b=2; Secure; HttpOnly", "c=3; Secure; HttpOnly");
        HttpHeaders untouched = new DefaultHttpHeaders().add("Set-Cookie", "a=1");
        NOTHING_ADDED.apply(untouched);
        assertThat(untouched.get("Set-Cookie")).isEqualTo("a=1");
    }
}

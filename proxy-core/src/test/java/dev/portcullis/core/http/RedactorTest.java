package dev.portcullis.core.http;

import dev.portcullis.config.TokensConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactorTest {

    private final Redactor redactor = Redactor.of(TokensConfig.DEFAULTS);

    @Test
    void uriLosesTokenValuesAndUserInfo() {
        assertThat(redactor.uri("/a?x=1&id_token=s3cr3t")).isEqualTo("/a?x=1&id_token=[REDACTED]");
        assertThat(redactor.uri("http://user:s3cr3t@host/a?token=s3cr3t"))
                .isEqualTo("http://[REDACTED]@host/a?token=[REDACTED]");
        assertThat(redactor.uri("http://host/a@b")).isEqualTo("http://host/a@b");
        assertThat(redactor.uri(null)).isNull();
    }

    @Test
    void uriLosesTokenValuesBehindSemicolonsAndInBracketNames() {
        assertThat(redactor.uri("/a?x=1;id_token=s3cr3t&access_token[]=s3cr3t;api_key%5Bk%5D=s3cr3t"))
                .as("the redactor must follow the same parameter rule as the proxy (DESIGN.md step 4)")
                .isEqualTo("/a?x=1;id_token=[REDACTED]&access_token[]=[REDACTED];api_key%5Bk%5D=[REDACTED]");
    }

    @Test
    void headersShowNamesAndOnlyHarmlessValues() {
        var headers = new DefaultHttpHeaders()
                .add("Host", "example").add("authorization", "Bearer s3cr3t").add("Cookie", "sid=s3cr3t")
                .add("X_Api_Key", "s3cr3t").add("Proxy-Authorization", "Basic s3cr3t");

        assertThat(redactor.headers(headers)).isEqualTo("Host: example, authorization: [REDACTED], "
                + "Cookie: [REDACTED], X_Api_Key: [REDACTED], Proxy-Authorization: [REDACTED]");
    }
}

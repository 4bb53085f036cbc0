package dev.portcullis.core.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QueryTokensTest {

    private final QueryTokens tokens = new QueryTokens(List.of("access_token", "token", "API_KEY"));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/p?access_token=s3cr3t                 | access_token",
            "/p?ACCESS_TOKEN=s3cr3t                 | access_token",
            "/p?Access_Token=s3cr3t                 | access_token",
            "/p?access%5Ftoken=s3cr3t               | access_token",
            "/p?access%5ftoken=s3cr3t               | access_token",
            "/p?%61ccess_token=s3cr3t               | access_token",
            "/p?a=1&token=s3cr3t                    | token",
            "/p?token                               | token",
            "/p?token=                              | token",
            "/p?api_key=x&api_key=y                 | api_key",
            "/p?a=1#&token=s3cr3t                   | token",
            "/p?a=%zz&token=x                       | token",
    })
    void findsTokenParameters(String uri, String expected) {
        assertThat(tokens.find(uri)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/p?a=1;access_token=s3cr3t             | access_token",
            "/p?token;a=1                           | token",
            "/p?a=1&b=2;TOKEN=s3cr3t                | token",
            "/p?access_token[]=s3cr3t               | access_token",
            "/p?access_token[a]=s3cr3t              | access_token",
            "/p?access_token[a][b]                  | access_token",
            "/p?access_token[=s3cr3t                | access_token",
            "/p?access_token%5B%5D=s3cr3t           | access_token",
            "/p?access_token%5bsome_long_key%5d=s   | access_token",
            "/p?access%5Ftoken[]=s3cr3t             | access_token",
            "/p?a=1;api_key%5B0%5D=s3cr3t           | api_key",
    })
    void findsTokensBehindSemicolonsAndBeforeBrackets(String uri, String expected) {
        assertThat(tokens.find(uri))
                .as("a backend that splits on ';' or reads name[] as name would receive the credential")
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "/p?a=1;b=2", "/p?a=token;b", "/p?tokens[]=1", "/p?[token]=1", "/p?my_token[x]=1", "/p?%5Btoken%5D=1",
            "/p?filter[token]=1", "/p?token%5D=1", "/p?xtoken%5B%5D=1", "/p?a=1;;",

            "/p", "/p?", "/p?a=1&b=2", "/p?my_token_count=3", "/p?tokens=1", "/p?xtoken=1", "/access_token=1",
            "/p?a=token", "/p?access+token=1", "/p?access%5Gtoken=1", "/p?acce%C5%BF_token=1", "/p?%", "/p?&&=",
            "/p?filter%5Bstatus%5D=open", "/p?%74%6F%6B%65%6E%73=1",
    })
    void ignoresEverythingElse(String uri) {
        assertThat(tokens.find(uri)).isNull();
        assertThat(tokens.strip(uri)).isSameAs(uri);
        assertThat(tokens.redact(uri)).isSameAs(uri);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/p?access_token=s                      | /p",
            "/p?a=1&access_token=s                  | /p?a=1",
            "/p?access_token=s&a=1                  | /p?a=1",
            "/p?a=%20x+y&TOKEN=s&b=%2F&token&c=     | /p?a=%20x+y&b=%2F&c=",
            "/p?b=2&a=1&api_key=s&b=1               | /p?b=2&a=1&b=1",
            "/p?a=1&&token=s&                       | /p?a=1&&",
    })
    void stripKeepsEveryOtherParameterAsSentInOrder(String uri, String expected) {
        assertThat(tokens.strip(uri)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/p?a=1;access_token=s                  | /p?a=1",
            "/p?access_token=s;a=1                  | /p?a=1",
            "/p?a=1;token=s&b=2                     | /p?a=1&b=2",
            "/p?a=1&token=s;b=2                     | /p?a=1;b=2",
            "/p?a=1;b=2&c=3;token[]=s;d=4           | /p?a=1;b=2&c=3;d=4",
            "/p?token[a]=s;api_key%5B%5D=s&a=1;b=2  | /p?a=1;b=2",
            "/p?token=s;access_token[]              | /p",
    })
    void stripKeepsEachOtherParameterWithItsOwnSeparator(String uri, String expected) {
        assertThat(tokens.strip(uri))
                .as("the backend must see the other parameters exactly as the client split them")
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/p?access_token=s3cr3t&a=1             | /p?access_token=[REDACTED]&a=1",
            "/p?a=1&Access%5Ftoken=s3cr3t&token     | /p?a=1&Access%5Ftoken=[REDACTED]&token",
            "/p?token=a=b                           | /p?token=[REDACTED]",
    })
    void redactKeepsTheNameAndDropsTheValue(String uri, String expected) {
        assertThat(tokens.redact(uri)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/p?a=1;access_token=s3cr3t             | /p?a=1;access_token=[REDACTED]",
            "/p?access_token[]=s3cr3t;a=1&b         | /p?access_token[]=[REDACTED];a=1&b",
            "/p?token[a]=s3cr3t&token%5B%5D=s3cr3t  | /p?token[a]=[REDACTED]&token%5B%5D=[REDACTED]",
    })
    void redactFindsTokensBehindSemicolonsAndKeepsBracketNames(String uri, String expected) {
        assertThat(tokens.redact(uri))
                .as("a log line must not carry a credential the backend would read")
                .isEqualTo(expected);
    }

    @Test
    void noNamesFindNothing() {
        assertThat(new QueryTokens(List.of()).find("/p?access_token=x")).isNull();
    }

    @Test
    void manyParametersCostLinearTime() {
        String uri = "/p?" + "a=1&".repeat(2000) + "token=x";
        assertThat(tokens.find(uri)).isEqualTo("token");
        assertThat(tokens.strip(uri)).isEqualTo("/p?" + "a=1&".repeat(1999) + "a=1");
    }

    @Test
    void longEncodedNamesAndSemicolonRunsCostLinearTime() {
        String encoded = "/p?" + "%41".repeat(100_000) + "=1&token=x";
        String semicolons = "/p?" + "a[=1;".repeat(20_000) + "token[]=x";
        assertThat(tokens.find(encoded)).as("decoding stops once the name outgrows every configured one")
                .isEqualTo("token");
        assertThat(tokens.strip(semicolons)).isEqualTo("/p?" + "a[=1;".repeat(19_999) + "a[=1");
    }
}

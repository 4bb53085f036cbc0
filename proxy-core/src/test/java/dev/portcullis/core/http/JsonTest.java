package dev.portcullis.core.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** JSON string literals stay valid JSON whatever a DN or a header holds. */
class JsonTest {

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertThat(Json.quote("CN=O\\\"Brien\\, Jr.")).isEqualTo("\"CN=O\\\\\\\"Brien\\\\, Jr.\"");
    }

    @Test
    void controlCharactersAreEscapedSoABodyStaysOneLine() {
        assertThat(Json.quote("a\nb\rc\td\be\ff\u0000g\u001fh\u007fi\u0085j"))
                .isEqualTo("\"a\\nb\\rc\\td\\be\\ff\\u0000g\\u001fh\\u007fi\\u0085j\"");
    }

    @Test
    void nonAsciiIsKeptAsUtf8Text() {
        assertThat(Json.quote("L=Zürich,CN=日本 😀")).isEqualTo("\"L=Zürich,CN=日本 😀\"");
    }

    @Test
    void javascriptLineSeparatorsAndUnpairedSurrogatesAreEscaped() {
        assertThat(Json.quote("a\u2028b\u2029c\ud800d\udc00")).isEqualTo("\"a\\u2028b\\u2029c\\ud800d\\udc00\"");
    }

    @Test
    void nullIsJsonNull() {
        assertThat(Json.quote(null)).isEqualTo("null");
        assertThat(Json.appendString(new StringBuilder("x:"), null)).hasToString("x:null");
    }
}

package dev.portcullis.app;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The test-side exposition parser reads what Prometheus reads and refuses what it refuses. */
class PrometheusTextTest {

    private static final String EXPOSITION = """
            # HELP portcullis_tls_handshakes_total TLS handshakes by outcome; reason is none when ok
            # TYPE portcullis_tls_handshakes_total counter
            portcullis_tls_handshakes_total{result="ok",reason="none"} 3.0
            portcullis_tls_handshakes_total{reason="expired",result="failed"} 0.0
            # TYPE portcullis_request_duration_seconds histogram
            portcullis_request_duration_seconds_bucket{le="0.005"} 1
            portcullis_request_duration_seconds_bucket{le="+Inf"} 2
            portcullis_request_duration_seconds_count 2
            portcullis_request_duration_seconds_sum 1.5E-3
            odd{path="a\\\\b\\"c\\nd",} NaN 1700000000000
            # a plain comment
            up +Inf
            """;

    @Test
    void samplesAreKeyedByNameAndSortedLabels() {
        PrometheusText text = PrometheusText.parse(EXPOSITION);

        assertThat(text.value("portcullis_tls_handshakes_total{reason=\"none\",result=\"ok\"}")).isEqualTo(3.0);
        assertThat(text.value("portcullis_tls_handshakes_total{result=\"ok\",reason=\"none\"}"))
                .as("labels in any order find the series").isEqualTo(3.0);
        assertThat(text.value("portcullis_request_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(2.0);
        assertThat(text.value("portcullis_request_duration_seconds_sum")).isEqualTo(0.0015);
        assertThat(text.value("up")).isInfinite();
        assertThat(text.samples("portcullis_request_duration_seconds_bucket")).hasSize(2);
        assertThat(text.type("portcullis_tls_handshakes_total")).contains("counter");
        assertThat(text.help("portcullis_tls_handshakes_total")).contains(
                "TLS handshakes by outcome; reason is none when ok");
    }

    @Test
    void labelValueEscapesAreDecoded() {
        PrometheusText text = PrometheusText.parse(EXPOSITION);

        PrometheusText.Sample odd = text.samples("odd").get(0);
        assertThat(odd.labels()).containsEntry("path", "a\\b\"c\nd");
        assertThat(odd.value()).isNaN();
        assertThat(text.contains("odd{path=\"a\\\\b\\\"c\\nd\"}")).isTrue();
    }

    @Test
    void aMissingSeriesFailsWithTheSeriesOfThatName() {
        PrometheusText text = PrometheusText.parse(EXPOSITION);

        assertThatThrownBy(() -> text.value("portcullis_tls_handshakes_total{reason=\"other\",result=\"failed\"}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("reason=\"expired\"");
    }

    @Test
    void malformedTextIsRefusedWithItsLineNumber() {
        assertRefused("a{b=\"c\"} 1\na{b=\"c\"} 2\n", "line 2: series given twice");
        assertRefused("a{b=c} 1\n", "line 1: expected \"");
        assertRefused("a 1 2 3\n", "line 1: text after the timestamp");
        assertRefused("a one\n", "line 1: bad value one");
        assertRefused("9a 1\n", "line 1: bad metric name");
        assertRefused("a{b=\"\\t\"} 1\n", "line 1: bad escape");
        assertRefused("# TYPE a counter\n# TYPE a gauge\n", "line 2: second TYPE");
        assertRefused("# TYPE a countr\n", "line 1: unknown type");
        assertRefused("a 1", "must end with a newline");
    }

    private static void assertRefused(String text, String message) {
        assertThatThrownBy(() -> PrometheusText.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}

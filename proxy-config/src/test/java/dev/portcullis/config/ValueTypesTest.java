package dev.portcullis.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The value types parse themselves; their messages are the tail of a config error. */
class ValueTypesTest {

    @ParameterizedTest
    @CsvSource({"512B, 512", "16KiB, 16384", "10MiB, 10485760", "1GiB, 1073741824", "0B, 0"})
    void sizesUseBinaryUnits(String text, long bytes) {
        assertThat(ByteSize.parse(text)).isEqualTo(new ByteSize(bytes));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "512", "16KB", "16kib", "1.5MiB", "-1B", " 16KiB", "16 KiB", "1TiB"})
    void malformedSizesAreRefused(String text) {
        assertThatThrownBy(() -> ByteSize.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value: \"" + text + "\" (expected: a size such as 512B, 16KiB, 10MiB or 1GiB)");
    }

    @Test
    void sizesThatOverflowALongAreRefused() {
        assertThatThrownBy(() -> ByteSize.parse("9999999999999GiB"))
                .hasMessage("value: \"9999999999999GiB\" (expected: a size that fits in 63 bits)");
    }

    @ParameterizedTest
    @CsvSource({"500ms, PT0.5S", "10s, PT10S", "5m, PT5M", "1h, PT1H"})
    void durationsUseFourUnits(String text, Duration duration) {
        assertThat(Durations.parse(text)).isEqualTo(duration);
        assertThat(Durations.format(duration)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "10S", "1d", "1.5s", "-1s", "10 s", "PT10S", "1000000000s"})
    void malformedDurationsAreRefused(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value: \"" + text + "\" (expected: a duration such as 500ms, 10s, 5m or 1h)");
    }

    @Test
    void zeroIsNotATimeout() {
        assertThatThrownBy(() -> Durations.parse("0ms")).hasMessage("value: \"0ms\" (expected: a positive duration)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.0.0.0:8443 | 0.0.0.0 | 8443",
        "localhost:0 | localhost | 0",
        "[::1]:9901 | ::1 | 9901",
        "[::]:8443 | :: | 8443",
        "backend.svc.cluster.local:65535 | backend.svc.cluster.local | 65535"})
    void hostPortsParse(String text, String host, int port) {
        HostPort parsed = HostPort.parse(text);

        assertThat(parsed).isEqualTo(new HostPort(host, port));
        assertThat(parsed.toString()).as("round-trips for logs and error messages").isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8443", ":8443", "host:", "host:http", "host:-1", "[::1]", "[]:80", "a b:80", "[x]:80"})
    void malformedHostPortsAreRefused(String text) {
        assertThatThrownBy(() -> HostPort.parse(text))
                .hasMessage("value: \"" + text + "\" (expected: host:port such as 0.0.0.0:8443 or [::1]:9901)");
    }

    @Test
    void hostPortRangeAndBracketsAreExplained() {
        assertThatThrownBy(() -> HostPort.parse("host:65536"))
                .hasMessage("value: \"host:65536\" (expected: a port from 0 to 65535)");
        assertThatThrownBy(() -> HostPort.parse("::1:9901"))
                .hasMessage("value: \"::1:9901\" (expected: an IPv6 address in brackets, such as [::1]:9901)");
    }

    @Test
    void upstreamUrlsAreHostAndPortOnly() {
        assertThat(UpstreamUrl.parse("http://127.0.0.1:8000")).isEqualTo(new HostPort("127.0.0.1", 8000));
        assertThat(UpstreamUrl.parse("HTTP://backend/")).isEqualTo(new HostPort("backend", 80));
        assertThat(UpstreamUrl.parse("http://[::1]:8080")).isEqualTo(new HostPort("::1", 8080));
        assertThatThrownBy(() -> UpstreamUrl.parse("http://backend:8000?x=1"))
                .hasMessageContaining("without path, query or fragment");
        assertThatThrownBy(() -> UpstreamUrl.parse("http://backend:0")).hasMessageContaining("a port from 1 to 65535");
        assertThatThrownBy(() -> UpstreamUrl.parse("ftp://backend")).hasMessageContaining("expected: http://host:port");
    }

    @Test
    void interpolationReadsOnlyWhatItNeeds() {
        Map<String, String> env = Map.of("A", "1", "B", "");

        assertThat(Interpolation.apply("${A}-${B}-${B:-x}-${C:-y:-z}-$A-$", env::get)).isEqualTo("1--x-y:-z-$A-$");
        assertThat(Interpolation.apply("$${A}", env::get)).isEqualTo("${A}");
        assertThatThrownBy(() -> Interpolation.apply("${1A}", env::get))
                .hasMessage("invalid variable reference \"${1A}\" (expected: ${NAME} or ${NAME:-default}, "
                        + "NAME made of letters, digits and _)");
    }

    @Test
    void suggestionsCatchTyposButNotStrangers() {
        List<String> known = List.of("cert", "key", "client_ca", "client_auth", "handshake_timeout");

        assertThat(Suggestions.closest("client_auht", known)).contains("client_auth");
        assertThat(Suggestions.closest("client-ca", known)).contains("client_ca");
        assertThat(Suggestions.closest("crt", known)).contains("cert");
        assertThat(Suggestions.closest("handshake", known)).as("prefix").contains("handshake_timeout");
        assertThat(Suggestions.closest("zzz", known)).isEmpty();
    }

    @Test
    void headerNamesAreTokensComparedLikeTheProxyDoes() {
        assertThat(HttpTokens.isToken("X-Client-DN")).isTrue();
        assertThat(HttpTokens.isToken("X Client")).isFalse();
        assertThat(HttpTokens.isToken("X-Client:")).isFalse();
        assertThat(HttpTokens.isToken("")).isFalse();
        assertThat(HttpTokens.canonical("X_Client_DN")).isEqualTo(HttpTokens.canonical("x-client-dn"));
    }
}

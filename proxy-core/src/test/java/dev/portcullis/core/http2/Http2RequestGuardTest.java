package dev.portcullis.core.http2;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class Http2RequestGuardTest {

    private static Http2Headers head(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("https").authority("app.example").path(path);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "GET,     /a?b=c,           ",
            "OPTIONS, *,                ",
            "GET,     *,                :path",
            "GET,     a,                :path",
            "GET,     http://x/,        :path",
            "GET,     /a b,             :path",
            "GET,     /a\u007f,         :path",
            "GET,     /é,               :path",
            "CONNECT, /,                CONNECT",
    })
    void theTargetMustBeOriginFormVisibleAscii(String method, String path, String problem) {
        String found = Http2RequestGuard.problem(head(method, path));
        if (problem == null) {
            assertThat(found).isNull();
        } else {
            assertThat(found).contains(problem);
        }
    }

    @Test
    void missingPseudoHeadersAndAForeignHostAreProblems() {
        for (String pseudo : new String[] {":method", ":scheme", ":path"}) {
            Http2Headers missing = head("GET", "/");
            missing.remove(pseudo);
            assertThat(Http2RequestGuard.problem(missing)).as(pseudo).contains("pseudo-header");
        }
        assertThat(Http2RequestGuard.problem(head("GET", "/").add("host", "APP.example"))).isNull();
        assertThat(Http2RequestGuard.problem(head("GET", "/").add("host", "other.example"))).contains("host");
        assertThat(Http2RequestGuard.problem(head("GET", "/").add("host", "app.example").add("host", "app.example")))
                .contains("host");
    }

    @Test
    void aMalformedHeadIsResetAndNothingOfTheStreamGoesOn() {
        EmbeddedChannel stream = new EmbeddedChannel(new Http2RequestGuard());
        stream.writeInbound(new DefaultHttp2HeadersFrame(head("GET", "/a b"), true));

        Object passed = stream.readInbound();
        assertThat(passed).isNull();
        Http2ResetFrame reset = stream.readOutbound();
        assertThat(reset.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        assertThat(stream.isOpen()).isFalse();
    }

    @Test
    void aGoodHeadPassesAndLaterHeadersAreTrailers() {
        EmbeddedChannel stream = new EmbeddedChannel(new Http2RequestGuard());
        stream.writeInbound(new DefaultHttp2HeadersFrame(head("POST", "/up"), false));
        // trailers have no pseudo-headers, which a head would need
        stream.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().add("x-sum", "1"), true));

        assertThat((Http2HeadersFrame) stream.readInbound()).isNotNull();
        assertThat((Http2HeadersFrame) stream.readInbound()).isNotNull();
        assertThat(stream.isOpen()).isTrue();
        stream.finishAndReleaseAll();
    }

    @Test
    void aStreamErrorNettyRaisesLaterResetsWithItsOwnCode() {
        EmbeddedChannel stream = new EmbeddedChannel(new Http2RequestGuard());
        stream.pipeline().fireExceptionCaught(
                Http2Exception.streamError(3, Http2Error.PROTOCOL_ERROR, "content-length mismatch"));

        Http2ResetFrame reset = stream.readOutbound();
        assertThat(reset.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
}

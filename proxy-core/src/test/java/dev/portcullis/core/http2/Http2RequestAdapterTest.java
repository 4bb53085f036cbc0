package dev.portcullis.core.http2;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ResetFrame;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Http2RequestAdapterTest {

    @Test
    void aWholeRequestGoesOnAsAHeadAndALastContentWithOneHostAndNoExtensionHeaders() {
        EmbeddedChannel stream = new EmbeddedChannel(new Http2RequestAdapter());
        FullHttpRequest whole = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/a",
                Unpooled.copiedBuffer("body", StandardCharsets.US_ASCII));
        whole.headers().add("host", "app.example").add("host", "app.example")
                .add("x-http2-stream-id", "3").add("X-Http2-Scheme", "https").add("x-other", "kept");
        stream.writeInbound(whole);

        HttpRequest head = stream.readInbound();
        assertThat(head).isNotInstanceOf(FullHttpRequest.class);
        assertThat(head.headers().getAll("host")).containsExactly("app.example");
        assertThat(head.headers().names()).containsExactlyInAnyOrder("host", "x-other");
        LastHttpContent last = stream.readInbound();
        assertThat(last.content().toString(StandardCharsets.US_ASCII)).isEqualTo("body");
        last.release();
    }

    @Test
    void whatTheTranslationRefusedResetsTheStreamWithProtocolError() {
        EmbeddedChannel stream = new EmbeddedChannel(new Http2RequestAdapter());
        stream.pipeline().fireExceptionCaught(new DecoderException(new IllegalArgumentException("CR in a value")));

        Http2ResetFrame reset = stream.readOutbound();
        assertThat(reset.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        assertThat(stream.isOpen()).isFalse();
    }
}

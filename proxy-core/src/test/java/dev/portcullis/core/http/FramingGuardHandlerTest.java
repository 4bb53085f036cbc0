package dev.portcullis.core.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FramingGuardHandlerTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new FramingGuardHandler(64, 10));

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @Test
    void wellFormedRequestAndBodyPassThrough() {
        write("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");

        HttpRequest request = channel.readInbound();
        assertThat(request.uri()).isEqualTo("/a");
        HttpContent body = channel.readInbound();
        assertThat(body).isInstanceOf(LastHttpContent.class);
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        body.release();
    }

    @Test
    void chunkedBodyOverTheLimitIsReplacedByARejectionAndTheRestDropped() {
        write("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"
                + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(channel.<Object>readInbound()).isInstanceOf(HttpRequest.class);
        HttpContent first = channel.readInbound();
        first.release();
        assertThat(channel.<Object>readInbound()).isEqualTo(new RejectedRequest(ErrorCode.BODY_TOO_LARGE));
        assertThat(channel.<Object>readInbound()).as("nothing after a rejection is passed on").isNull();
    }

    @Test
    void decoderFailureOnAChunkBecomesBadRequest() {
        write("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");

        assertThat(channel.<Object>readInbound()).isInstanceOf(HttpRequest.class);
        Object next = channel.readInbound();
        assertThat(next).isEqualTo(new RejectedRequest(ErrorCode.BAD_REQUEST));
    }

    @Test
    void asteriskFormIsAllowedOnlyForOptions() {
        write("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(channel.<Object>readInbound()).isInstanceOf(HttpRequest.class);
        ReferenceCountUtil.release(channel.readInbound());

        write("GET * HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(channel.<Object>readInbound()).isEqualTo(new RejectedRequest(ErrorCode.BAD_REQUEST));
    }

    @Test
    void emptyHostIsRefused() {
        write("GET / HTTP/1.1\r\nHost:\r\n\r\n");
        assertThat(channel.<Object>readInbound()).isEqualTo(new RejectedRequest(ErrorCode.BAD_REQUEST));
    }

    private void write(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    }
}

package dev.portcullis.core.http;

import dev.portcullis.core.exchange.ExchangeStartHandler;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.testing.TestConnections;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FramingGuardHandlerTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    {
        channel.pipeline().addLast(new HttpServerCodec(),
                new ExchangeStartHandler(TestConnections.anonymous(channel).stats()), new FramingGuardHandler(64, 10));
    }

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @Test
    void wellFormedRequestAndBodyPassThrough() {
        write("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");

        HttpExchange exchange = channel.readInbound();
        assertThat(exchange.request().uri()).isEqualTo("/a");
        assertThat(exchange.isRejected()).isFalse();
        HttpContent body = channel.readInbound();
        assertThat(body).isInstanceOf(LastHttpContent.class);
        assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        body.release();
    }

    @Test
    void chunkedBodyOverTheLimitEndsInAFailedLastContentAndTheRestIsDropped() {
        write("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"
                + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");

        HttpExchange exchange = channel.readInbound();
        HttpContent first = channel.readInbound();
        first.release();
        LastHttpContent refused = channel.readInbound();
        assertThat(refused.decoderResult().isFailure()).as("the upstream copy of the body is void").isTrue();
        assertThat(exchange.rejection()).isEqualTo(ErrorCode.BODY_TOO_LARGE);
        assertThat(channel.<Object>readInbound()).as("nothing after a rejection is passed on").isNull();
    }

    @Test
    void decoderFailureOnAChunkBecomesBadRequest() {
        write("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");

        HttpExchange exchange = channel.readInbound();
        LastHttpContent refused = channel.readInbound();
        assertThat(refused.decoderResult().isFailure()).isTrue();
        assertThat(exchange.rejection()).isEqualTo(ErrorCode.BAD_REQUEST);
    }

    @Test
    void asteriskFormIsAllowedOnlyForOptions() {
        write("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(channel.<HttpExchange>readInbound().isRejected()).isFalse();
        ReferenceCountUtil.release(channel.readInbound());

        write("GET * HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(channel.<HttpExchange>readInbound().rejection()).isEqualTo(ErrorCode.BAD_REQUEST);
    }

    @Test
    void emptyHostIsRefused() {
        write("GET / HTTP/1.1\r\nHost:\r\n\r\n");
        assertThat(channel.<HttpExchange>readInbound().rejection()).isEqualTo(ErrorCode.BAD_REQUEST);
    }

    /**
     * Refused by the guard itself, on the head as a decoder would hand it over, so that neither a
     * Netty upgrade nor a system property can let them through (RFC 9112 §6.1).
     */
    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 CL+TE", "HTTP/1.0 TE"})
    void contentLengthWithTransferEncodingAndTransferEncodingOnHttp10AreRefusedByTheGuardItself(String shape) {
        EmbeddedChannel guard = new EmbeddedChannel();
        guard.pipeline().addLast(new ExchangeStartHandler(TestConnections.anonymous(guard).stats()),
                new FramingGuardHandler(64, 10));
        HttpRequest request = new DefaultHttpRequest(
                shape.startsWith("HTTP/1.0") ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, HttpMethod.POST, "/a");
        request.headers().set(HttpHeaderNames.HOST, "x").set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        if (shape.endsWith("CL+TE")) {
            request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 3);
        }
        try {
            guard.writeInbound(request, new DefaultLastHttpContent());
            HttpExchange exchange = guard.readInbound();
            assertThat(exchange.rejection())
                    .as("a framing the backend may read differently never reaches it").isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(guard.<Object>readInbound()).as("nothing after a rejection is passed on").isNull();
        } finally {
            guard.finishAndReleaseAll();
        }
    }

    private void write(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    }
}

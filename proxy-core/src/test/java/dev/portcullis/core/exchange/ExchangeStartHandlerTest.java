package dev.portcullis.core.exchange;

import dev.portcullis.testing.TestConnections;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ExchangeStartHandlerTest {

    @Test
    void eachHeadBecomesAnExchangeThatCountsItsBodyAsSent() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.copiedBuffer("POST /upload?access_token=s HTTP/1.1\r\nHost: a\r\n"
                + "Content-Length: 5\r\n\r\nhel", StandardCharsets.US_ASCII));

        HttpExchange exchange = channel.readInbound();
        assertThat(exchange.uri()).as("the target as sent, before any rule strips it").isEqualTo("/upload?access_token=s");
        assertThat(exchange.requestComplete()).isFalse();
        channel.<HttpContent>readInbound().release();

        channel.writeInbound(Unpooled.copiedBuffer("lo", StandardCharsets.US_ASCII));
        channel.<LastHttpContent>readInbound().release();
        assertThat(exchange.bytesIn()).isEqualTo(5);
        assertThat(exchange.requestComplete()).isTrue();
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest(name = "{0} -> keep-alive {1}")
    @CsvSource({
            "'GET / HTTP/1.1\r\nHost: a\r\n\r\n', true",
            "'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', false",
            "'GET / HTTP/1.0\r\nHost: a\r\n\r\n', false",
            "'GET / HTTP/1.0\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n', true",
    })
    void keepAliveIsWhatTheClientAskedForInItsVersion(String request, boolean keepAlive) {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));

        HttpExchange exchange = channel.readInbound();
        assertThat(exchange.keepAliveRequested()).as("RFC 9112 §9.3").isEqualTo(keepAlive);
        assertThat(exchange.requestComplete()).as("no Content-Length, no Transfer-Encoding: no body").isTrue();
        channel.finishAndReleaseAll();
    }

    private static EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new HttpServerCodec(), new ExchangeStartHandler(TestConnections.anonymous(channel).stats()));
        return channel;
    }
}

package dev.portcullis.core.http;

import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityHeaderNames;
import dev.portcullis.config.TokensConfig;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.testing.TestConnections;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityHeadersHandlerTest {

    @Test
    void requestTrailersNeverGoOnButTheLastBodyBytesDo() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new IdentityHeadersHandler(new RequestHeaderRules(
                new IdentityConfig(IdentityConfig.Format.HEADERS, IdentityHeaderNames.DEFAULTS, List.of()),
                TokensConfig.DEFAULTS), TestConnections.anonymous(channel)));
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("tail", StandardCharsets.US_ASCII));
        last.trailingHeaders().set("X-Client-DN", "CN=admin").set("X_Client_DN", "CN=admin");

        channel.writeInbound(new HttpExchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/"),
                System.nanoTime()), last);

        HttpExchange exchange = channel.readInbound();
        assertThat(exchange.request().headers().get("X-Client-Verify")).isEqualTo("NONE");
        LastHttpContent forwarded = channel.readInbound();
        assertThat(forwarded.trailingHeaders().isEmpty())
                .as("a backend that merges trailers into headers must not see a forged identity").isTrue();
        assertThat(forwarded.content().toString(StandardCharsets.US_ASCII)).isEqualTo("tail");
        forwarded.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}

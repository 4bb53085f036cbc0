package dev.portcullis.core.http;

import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.testing.TestConnections;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class AllowListHandlerTest {

    @Test
    void aConnectionTheAllowListDoesNotAdmitHasEveryRequestRejected() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new AllowListHandler(TestConnections.context(channel, ClientIdentity.none(), false)));

        for (int i = 0; i < 2; i++) {
            channel.writeInbound(exchange());
            assertThat(channel.<HttpExchange>readInbound().rejection())
                    .as("request %d", i).isEqualTo(ErrorCode.CLIENT_NOT_ALLOWED);
        }
        channel.finishAndReleaseAll();
    }

    @Test
    void anAdmittedConnectionPassesAndTheHandlerLeavesThePipeline() {
        EmbeddedChannel channel = new EmbeddedChannel();
        AllowListHandler handler = new AllowListHandler(TestConnections.anonymous(channel));
        channel.pipeline().addLast(handler);

        channel.writeInbound(exchange());

        assertThat(channel.<HttpExchange>readInbound().isRejected()).isFalse();
        assertThat(channel.pipeline().get(AllowListHandler.class)).as("decided once per connection").isNull();
        channel.finishAndReleaseAll();
    }

    /** Before: the handler read a channel attribute and admitted when it was missing. */
    @Test
    void thereIsNoAllowListWithoutTheConnectionsDecision() {
        assertThatNullPointerException().as("a missing TLS state can never mean admit")
                .isThrownBy(() -> new AllowListHandler(null));
    }

    private static HttpExchange exchange() {
        return new HttpExchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"), System.nanoTime());
    }
}

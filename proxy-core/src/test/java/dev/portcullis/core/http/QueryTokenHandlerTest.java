package dev.portcullis.core.http;

import dev.portcullis.config.TokensConfig.OnQueryToken;
import dev.portcullis.core.exchange.HttpExchange;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QueryTokenHandlerTest {

    private static final QueryTokens TOKENS = new QueryTokens(List.of("access_token"));

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "REJECT | /ws?a=1;access_token=s | /ws?a=1;access_token=s | token_in_query",
            "STRIP  | /ws?a=1;access_token=s | /ws?a=1                |",
            "REJECT | /ws?a=1                | /ws?a=1                |",
    })
    void aTokenInTheQueryIsRefusedOrStrippedBeforeItCanReachTheUpstream(OnQueryToken action, String sent,
                                                                        String forwarded, String error) {
        EmbeddedChannel channel = new EmbeddedChannel(new QueryTokenHandler(TOKENS, action));
        HttpExchange exchange = new HttpExchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, sent),
                System.nanoTime());

        channel.writeInbound(exchange);

        assertThat(channel.<HttpExchange>readInbound()).isSameAs(exchange);
        assertThat(exchange.request().uri()).isEqualTo(forwarded);
        assertThat(exchange.uri()).as("the access log keeps what the client sent, through the redactor").isEqualTo(sent);
        assertThat(exchange.rejection() == null ? null : exchange.rejection().code()).isEqualTo(error);
        if (error != null) {
            assertThat(exchange.rejectedParameter()).isEqualTo("access_token");
        }
        channel.finishAndReleaseAll();
    }
}

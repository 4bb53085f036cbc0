package dev.portcullis.core.upstream;

import dev.portcullis.config.ResponseConfig;
import dev.portcullis.config.TokensConfig;
import dev.portcullis.core.connection.BufferBudget;
import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.http.ResponseHeaderRules;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.observe.ExchangeLog;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.TestConnections;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** One tunnel between two embedded channels, time frozen: relaying, the budget, the idle timeout. */
class WebSocketTunnelTest {

    private static final long IDLE_MILLIS = 10_000;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EmbeddedChannel client = new EmbeddedChannel();
    private final EmbeddedChannel upstream = new EmbeddedChannel();
    private final HttpExchange exchange = new HttpExchange(
            new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws"), System.nanoTime(), true);

    @BeforeEach
    void openTunnel() {
        client.freezeTime();
        ProxyMetrics metrics = new ProxyMetrics(registry);
        Redactor redactor = Redactor.of(TokensConfig.DEFAULTS);
        ExchangeSettings settings = new ExchangeSettings(1_000, 1_000, 1_000, 1_000,
                new ResponseHeaderRules(ResponseConfig.DEFAULTS), redactor, new UpstreamFailureLog(redactor),
                new ExchangeLog(metrics, null), metrics, 100, IDLE_MILLIS);
        // the upstream connection as the pool builds it, after the 101
        upstream.pipeline().addLast("http-codec", new HttpClientCodec()).addLast("forwarding", new ForwardingBackendHandler());
        ConnectionContext connection = TestConnections.anonymous(client);
        WebSocketTunnel.open(client, upstream, exchange, connection, connection.stats().upstreamShare(), settings,
                tunnelEnd -> client.pipeline().addLast(tunnelEnd));
    }

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void bytesPassBothWaysUnchangedAndAreCounted() {
        client.writeInbound(ascii("masked frame"));
        assertThat(text(upstream.readOutbound())).isEqualTo("masked frame");
        upstream.writeInbound(ascii("answer"));
        assertThat(text(client.readOutbound())).isEqualTo("answer");

        assertThat(upstream.pipeline().names()).as("the upstream's HTTP handlers are gone")
                .doesNotContain("http-codec", "forwarding");
        assertThat(exchange.bytesIn()).isEqualTo(12);
        assertThat(exchange.bytesOut()).isEqualTo(6);
        assertThat(Meters.gauge(registry, "portcullis.websocket.tunnels.active")).isEqualTo(1.0);
    }

    @Test
    void overTheBufferBudgetTheClientIsNotRead() {
        assertThat(client.config().isAutoRead()).isTrue();
        client.pipeline().fireUserEventTriggered(BufferBudget.EXCEEDED);
        assertThat(client.config().isAutoRead()).isFalse();
        client.pipeline().fireUserEventTriggered(BufferBudget.RELIEVED);
        assertThat(client.config().isAutoRead()).isTrue();
    }

    @Test
    void nothingEitherWayForTheIdleTimeoutClosesBothSides() {
        client.advanceTimeBy(IDLE_MILLIS - 1, TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        upstream.writeInbound(ascii("x"));
        client.readOutbound(); // re-armed by a byte from the upstream
        client.advanceTimeBy(IDLE_MILLIS - 1, TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        assertThat(client.isOpen()).isTrue();
        assertThat(upstream.isOpen()).isTrue();

        client.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        upstream.runPendingTasks();

        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(Meters.gauge(registry, "portcullis.websocket.tunnels.active")).isZero();
        assertThat(Meters.counter(registry, "portcullis.websocket.tunnels")).isEqualTo(1.0);
    }

    @Test
    void eitherSideClosingClosesTheOther() {
        upstream.close();
        client.runPendingTasks();
        assertThat(client.isOpen()).isFalse();
        assertThat(Meters.gauge(registry, "portcullis.websocket.tunnels.active")).isZero();
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    private static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }
}

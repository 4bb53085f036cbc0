package dev.portcullis.core.http2;

import dev.portcullis.core.connection.BufferBudget;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.upstream.Drain;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.TestConnections;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection above its streams, on an EmbeddedChannel (whose close stands for the codec's graceful one). */
class Http2ConnectionLifecycleTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EmbeddedChannel connection = new EmbeddedChannel();

    private Http2ConnectionLifecycle lifecycle(int maxStreams) {
        Http2ConnectionLifecycle lifecycle = new Http2ConnectionLifecycle(
                TestConnections.anonymous(connection).stats(), new ProxyMetrics(registry), maxStreams);
        connection.pipeline().addLast(lifecycle);
        return lifecycle;
    }

    private double goAways(String reason) {
        return Meters.counter(registry, "portcullis.http2.goaways", "reason", reason);
    }

    @Test
    void idleWithAnOpenStreamStaysAndWithoutOneEndsWithAGoAway() {
        Http2ConnectionLifecycle lifecycle = lifecycle(100);
        EmbeddedChannel stream = new EmbeddedChannel();
        lifecycle.streamOpened(stream);
        connection.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertThat(connection.isOpen()).isTrue();
        assertThat(Meters.gauge(registry, "portcullis.http2.streams.active")).isEqualTo(1.0);

        stream.close();
        connection.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertThat(connection.isOpen()).isFalse();
        assertThat(goAways("idle")).isEqualTo(1.0);
        assertThat(Meters.gauge(registry, "portcullis.http2.streams.active")).isZero();
    }

    @Test
    void theDrainAndTheStreamLimitEndTheConnectionOnce() {
        Http2ConnectionLifecycle lifecycle = lifecycle(2);
        lifecycle.streamOpened(new EmbeddedChannel());
        assertThat(connection.isOpen()).isTrue();
        lifecycle.streamOpened(new EmbeddedChannel());
        assertThat(connection.isOpen()).as("the last stream allowed").isFalse();
        connection.pipeline().fireUserEventTriggered(Drain.EVENT);
        assertThat(goAways("drain")).isEqualTo(1.0);
    }

    @Test
    void overTheBufferBudgetTheConnectionIsNotRead() {
        lifecycle(100);
        connection.pipeline().fireUserEventTriggered(BufferBudget.EXCEEDED);
        assertThat(connection.config().isAutoRead()).isFalse();
        connection.pipeline().fireUserEventTriggered(BufferBudget.RELIEVED);
        assertThat(connection.config().isAutoRead()).isTrue();
    }
}

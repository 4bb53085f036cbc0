package dev.portcullis.core.pipeline;

import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.tls.HandshakeFailureLog;
import dev.portcullis.core.upstream.UpstreamPools;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyChannelInitializerTest {

    @RegisterExtension
    static final ProxyExtension proxy = new ProxyExtension();

    /** A TLS engine holds native memory: a connection the limit refuses must not cost one. */
    @Test
    void aConnectionBeyondMaxConnectionsIsClosedBeforeATlsEngineIsBuilt() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            ProxyChannelInitializer initializer = new ProxyChannelInitializer(proxy.config(), () -> {
                throw new AssertionError("a TLS generation was asked for a refused connection");
            }, new HandshakeFailureLog(10), new ProxyMetrics(meters),
                    new UpstreamPools(group, NioSocketChannel.class, proxy.config().upstream(),
                            new WriteBufferWaterMark(32 * 1024, 64 * 1024)),
                    new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), new ConnectionRegistry(0));
            NioSocketChannel refused = new NioSocketChannel();
            group.register(refused).syncUninterruptibly();

            refused.eventLoop().submit(() -> initializer.initChannel(refused)).syncUninterruptibly();

            assertThat(refused.pipeline().names()).as("no meter, no TLS, no HTTP").containsExactly("DefaultChannelPipeline$TailContext#0");
            assertThat(refused.isOpen()).isFalse();
            assertThat(Meters.counter(meters, "portcullis.connections.rejected", "reason", "max_connections")).isEqualTo(1.0);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

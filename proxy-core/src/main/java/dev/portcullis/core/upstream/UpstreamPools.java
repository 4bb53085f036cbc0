package dev.portcullis.core.upstream;

import dev.portcullis.config.UpstreamConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@link UpstreamPool} per event loop of the proxy, built once at start. The upstream
 * connection's pipeline is assembled here: HTTP/1.1 client codec, then the
 * {@link ForwardingBackendHandler} that hands responses to the exchange (the pool closes idle ones);
 * after a 101 both give way to a {@link WebSocketTunnel} end.
 * The upstream host name is resolved off the event loops ({@link OffLoopResolverGroup}).
 */
public final class UpstreamPools {

    /** Upstream response heads may be larger than what clients may send; this bounds them still. */
    private static final int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;
    private static final int MAX_RESPONSE_LINE_BYTES = 8 * 1024;

    private static final String HTTP_CODEC = "http-codec";
    private static final String FORWARDING = "forwarding";
    private static final String TUNNEL = "tunnel";

    private final Map<EventExecutor, UpstreamPool> pools;

    public UpstreamPools(EventLoopGroup group, Class<? extends Channel> channelType, UpstreamConfig config,
                         WriteBufferWaterMark waterMark) {
        int loops = 0;
        for (EventExecutor ignored : group) {
            loops++;
        }
        int perLoop = Math.max(1, (config.maxConnections() + loops - 1) / loops);
        long idleMillis = config.idleTimeout().toMillis();
        OffLoopResolverGroup resolver = new OffLoopResolverGroup();
        Map<EventExecutor, UpstreamPool> byLoop = new HashMap<>();
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            Bootstrap bootstrap = new Bootstrap()
                    .group(loop)
                    .channel(channelType)
                    .remoteAddress(InetSocketAddress.createUnresolved(config.address().host(), config.address().port()))
                    .resolver(resolver)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(config.connectTimeout().toMillis()))
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(HTTP_CODEC, new HttpClientCodec(new HttpDecoderConfig()
                                            .setMaxInitialLineLength(MAX_RESPONSE_LINE_BYTES)
                                            .setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES), false, false))
                                    .addLast(FORWARDING, new ForwardingBackendHandler());
                        }
                    });
            byLoop.put(loop, new UpstreamPool(bootstrap, loop, perLoop, config.connectTimeout().toMillis(), idleMillis));
        }
        this.pools = Map.copyOf(byLoop);
    }

    /** Upstream connections lent to an exchange (or connecting), over all loops. */
    public int active() {
        int active = 0;
        for (UpstreamPool pool : pools.values()) {
            active += pool.openConnections() - pool.idleConnections();
        }
        return active;
    }

    /** Parked upstream connections, over all loops. */
    public int idle() {
        int idle = 0;
        for (UpstreamPool pool : pools.values()) {
            idle += pool.idleConnections();
        }
        return idle;
    }

    /**
     * An upstream connection that answered 101 leaves HTTP: {@code tunnelEnd} takes the place of
     * its codec and forwarding handler, and receives what the decoder read past the 101, raw. The
     * connection is out of its pool for good (it still counts against
     * {@code upstream.max_connections} until it closes).
     */
    static void replaceHttpHandlers(Channel upstream, ChannelHandler tunnelEnd) {
        ChannelPipeline pipeline = upstream.pipeline();
        pipeline.addLast(TUNNEL, tunnelEnd);
        pipeline.remove(FORWARDING);
        pipeline.remove(HTTP_CODEC);
    }

    /** The pool of the loop a client connection runs on. */
    public UpstreamPool forLoop(EventLoop loop) {
        UpstreamPool pool = pools.get(loop);
        if (pool == null) {
            throw new IllegalArgumentException("not an event loop of this proxy: " + loop);
        }
        return pool;
    }
}

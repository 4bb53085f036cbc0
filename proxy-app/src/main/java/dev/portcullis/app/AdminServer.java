package dev.portcullis.app;

import dev.portcullis.config.HostPort;
import dev.portcullis.core.ProxyServer;
import dev.portcullis.core.Transport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The admin endpoint ({@code admin.listen}, DESIGN.md "Admin endpoint"): plain HTTP/1.1, no TLS,
 * separate from the mTLS listener and on its own single event loop, so that a Prometheus scrape or
 * a burst of probes never runs on, or waits for, a proxy event loop. Keep-alive, for Prometheus and
 * kubelet probes reuse their connections.
 *
 * <p>Pipeline, in data order: {@link HttpServerCodec} (small request line and headers), an idle
 * timeout, an aggregator for tiny requests ({@value #MAX_REQUEST_BODY_BYTES} bytes of body at most;
 * the routes take none), then {@link AdminHandler}.
 *
 * <p>It can start before the proxy, and it outlives it: {@code proxy} may return null, which
 * {@code /readyz} reports as not ready.
 */
final class AdminServer implements AutoCloseable {

    static final int MAX_REQUEST_BODY_BYTES = 1024;
    private static final int MAX_REQUEST_LINE_BYTES = 4096;
    private static final int MAX_HEADER_BYTES = 8192;
    /** A connection silent both ways this long is closed, so abandoned ones do not pile up. */
    private static final int IDLE_SECONDS = 60;

    private static final Logger LOG = LogManager.getLogger(AdminServer.class);

    private final EventLoopGroup group;
    private final Channel listener;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AdminServer(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    /**
     * Binds {@code listen} (port 0: an ephemeral port, see {@link #address()}) and serves until
     * {@link #close}.
     *
     * @param metrics the registry {@code /metrics} scrapes
     * @param proxy   the running proxy, or null while there is none
     * @throws IOException when the address cannot be bound (in use, not local, not resolvable);
     *                     nothing is left running then
     */
    static AdminServer start(HostPort listen, PrometheusMeterRegistry metrics, Supplier<ProxyServer> proxy)
            throws IOException {
        requireNonNull(listen, "listen");
        AdminHandler handler = new AdminHandler(metrics, proxy);
        Transport transport = Transport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("portcullis-admin"),
                transport.ioHandlerFactory());
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                                        .setMaxHeaderSize(MAX_HEADER_BYTES)))
                                .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast("aggregator", new SmallRequestAggregator())
                                .addLast("admin", handler);
                    }
                })
                .bind(listen.host(), listen.port())
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            Throwable cause = bound.cause();
            throw cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
        }
        AdminServer server = new AdminServer(group, bound.channel());
        LOG.debug("admin endpoint bound {} with the {} transport", server.address(), transport.name());
        return server;
    }

    /** The bound address (the real port when {@code admin.listen} asked for 0). */
    InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Closes the listener and every admin connection, and waits for the event loop to end. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Netty's aggregator, except that a body over the limit is answered like every other admin
     * error (JSON, Cache-Control) rather than with Netty's bare 413, and the connection closed.
     */
    private static final class SmallRequestAggregator extends HttpObjectAggregator {

        SmallRequestAggregator() {
            super(MAX_REQUEST_BODY_BYTES);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = AdminHandler.error(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "body_too_large", "the admin endpoint takes no request body");
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}

package dev.portcullis.core.upstream;

import dev.portcullis.core.connection.BufferBudget;
import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.connection.HalfClose;
import dev.portcullis.core.exchange.HttpExchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A client connection and an upstream connection joined after the upstream's 101 (DESIGN.md
 * "WebSocket"): from then on bytes are relayed both ways unchanged and nothing is parsed. Each
 * side is an {@link End}, the last handler of its pipeline once the HTTP handlers have left.
 *
 * <ul>
 *   <li><b>Backpressure:</b> a side reads only while the other side can take more, and the
 *       client only while its connection is within {@code limits.max_connection_buffer}
 *       ({@link BufferBudget}; the meter also marks it unwritable, which stops the upstream's
 *       reads). What the tunnel holds is bounded by the write-buffer water marks plus one read.</li>
 *   <li><b>Half-close:</b> a FIN (or a TLS close_notify) from one side half-closes the other
 *       ({@link HalfClose}); when both directions are done, the tunnel closes.</li>
 *   <li><b>Close:</b> either side closing closes the other once what was written to it is
 *       flushed, or after {@code limits.send_timeout} if its peer reads nothing.</li>
 *   <li><b>{@code websocket.idle_timeout}:</b> nothing read from either side for that long
 *       closes both.</li>
 *   <li><b>Drain:</b> a tunnel ignores it; {@code shutdown.drain_timeout} ends it with the connection.</li>
 * </ul>
 * When it closes, the exchange that opened it gets its access-log line: status 101, the tunnelled
 * bytes, the whole tunnel's duration.
 *
 * <p>Both connections share one event loop (the pool is per loop); confined to it.
 */
final class WebSocketTunnel {

    private static final Logger LOG = LogManager.getLogger(WebSocketTunnel.class);

    private final HttpExchange exchange;
    private final ConnectionContext connection;
    private final ExchangeSettings settings;
    private final ConnectionStats.UpstreamShare upstreamShare;
    private final End client = new End(true);
    private final End upstream = new End(false);
    private LazyDeadline idle;
    private boolean started;
    private boolean closed;

    private WebSocketTunnel(HttpExchange exchange, ConnectionContext connection,
                            ConnectionStats.UpstreamShare upstreamShare, ExchangeSettings settings) {
        this.exchange = exchange;
        this.connection = connection;
        this.upstreamShare = upstreamShare;
        this.settings = settings;
    }

    /**
     * Joins the connections. The 101 is written to the client (not necessarily flushed); the
     * upstream connection is out of its pool and still has its HTTP handlers.
     *
     * @param upstreamShare where the upstream connection's buffered bytes count for the client connection
     * @param upgrade       replaces the client connection's HTTP stages
     */
    static void open(Channel clientChannel, Channel upstreamChannel, HttpExchange exchange,
                     ConnectionContext connection, ConnectionStats.UpstreamShare upstreamShare,
                     ExchangeSettings settings, ConnectionUpgrade upgrade) {
        WebSocketTunnel tunnel = new WebSocketTunnel(exchange, connection, upstreamShare, settings);
        settings.metrics().tunnelOpened();
        // Either removal hands on what its decoder read past the handshake; the ends keep it
        // until both pipelines are free of HTTP encoders, then relay it first.
        upgrade.replaceHttpStages(tunnel.client);
        UpstreamPools.replaceHttpHandlers(upstreamChannel, tunnel.upstream);
        tunnel.start(clientChannel, upstreamChannel);
    }

    private void start(Channel clientChannel, Channel upstreamChannel) {
        started = true;
        connection.stats().http("websocket");
        upstreamShare.update(0, upstreamChannel);
        idle = new LazyDeadline(client.ctx.executor(), TimeUnit.MILLISECONDS.toNanos(settings.tunnelIdleTimeoutMillis()),
                this::idleTimedOut);
        idle.arm();
        clientChannel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        upstreamChannel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        client.relayEarly();
        upstream.relayEarly();
        client.ctx.flush();
        upstream.ctx.flush();
        if (!clientChannel.isActive() || !upstreamChannel.isActive()) {
            close();
            return;
        }
        client.updateReading();
        upstream.updateReading();
    }

    private void idleTimedOut() {
        LOG.debug("closing the WebSocket tunnel of {}: nothing either way for {} ms", connection.remote(),
                settings.tunnelIdleTimeoutMillis());
        close();
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (idle != null) {
            idle.close();
        }
        client.releaseEarly();
        upstream.releaseEarly();
        client.closeAfterFlush();
        upstream.closeAfterFlush();
        upstreamShare.release();
        settings.metrics().tunnelClosed();
        settings.log().tunnelClosed(connection, exchange);
    }

    /** One side of the tunnel: reads from its connection, writes to the other side's. */
    private final class End extends ChannelInboundHandlerAdapter {

        private final boolean isClient;
        private ChannelHandlerContext ctx;
        /** What arrived before the tunnel started: the bytes a decoder held when it left. */
        private ArrayDeque<ByteBuf> early;
        private boolean inputDone;
        /** The client connection holds more than {@code limits.max_connection_buffer}. */
        private boolean overBudget;

        End(boolean isClient) {
            this.isClient = isClient;
        }

        private End peer() {
            return isClient ? upstream : client;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closed || !(msg instanceof ByteBuf bytes)) {
                // the empty end of the 101, fired by the decoder on its way out
                ReferenceCountUtil.release(msg);
            } else if (!started) {
                if (early == null) {
                    early = new ArrayDeque<>(2);
                }
                early.add(bytes);
            } else {
                relay(bytes);
            }
        }

        private void relay(ByteBuf bytes) {
            int length = bytes.readableBytes();
            if (isClient) {
                exchange.read(length);
            } else {
                exchange.sent(length);
            }
            idle.arm();
            End to = peer();
            to.ctx.write(bytes, to.ctx.voidPromise());
            if (!to.ctx.channel().isWritable()) {
                // now, not after this read batch: the peer's buffer stays near its water mark
                ctx.channel().config().setAutoRead(false);
            }
        }

        void relayEarly() {
            if (early != null) {
                for (ByteBuf bytes; (bytes = early.poll()) != null; ) {
                    relay(bytes);
                }
                early = null;
            }
        }

        void releaseEarly() {
            if (early != null) {
                early.forEach(ReferenceCountUtil::release);
                early = null;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (started) {
                peer().ctx.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            peer().updateReading();
        }

        /** Reads while there is input, the peer can take more and the client is within its budget. */
        void updateReading() {
            if (!closed) {
                ctx.channel().config().setAutoRead(!inputDone && !overBudget && peer().ctx.channel().isWritable());
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof BufferBudget budget) {
                overBudget = budget == BufferBudget.EXCEEDED;
                updateReading();
            } else if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
                inputEnded();
            }
            // anything else (a drain, an idle event) is for HTTP, which has left
            ReferenceCountUtil.release(evt);
        }

        /** This side sent all it will: the peer's output ends too, and with both done the tunnel. */
        private void inputEnded() {
            if (inputDone || closed) {
                return;
            }
            inputDone = true;
            End to = peer();
            if (to.inputDone) {
                close();
            } else {
                HalfClose.output(to.ctx.channel());
            }
        }

        void closeAfterFlush() {
            Channel channel = ctx.channel();
            if (!channel.isActive()) {
                return;
            }
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            // a peer that reads nothing does not keep the connection
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, settings.sendTimeoutMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("closing the WebSocket tunnel of {} after {} on the {} side", connection.remote(),
                    cause.getClass().getName(), isClient ? "client" : "upstream");
            close();
        }
    }
}

package dev.portcullis.core.http2;

import dev.portcullis.core.connection.BufferBudget;
import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.metrics.GoAwayReason;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.upstream.Drain;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.timeout.IdleStateEvent;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An HTTP/2 connection's life above its streams: counts the streams (for {@code /connections} and
 * {@code portcullis_http2_streams_active}), and ends the connection with a GOAWAY, letting open
 * streams finish within {@code shutdown.drain_timeout}, when it is idle for
 * {@code limits.idle_timeout} with no open stream, when shutdown begins, and after
 * {@code limits.max_requests_per_connection} streams. Over {@code limits.max_connection_buffer}
 * the connection is not read at all (the streams' windows stop with it); the meter also marks it
 * unwritable, which every stream sees.
 *
 * <p>Last in the connection's pipeline, after the multiplexer; one per connection.
 */
public final class Http2ConnectionLifecycle extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LogManager.getLogger(Http2ConnectionLifecycle.class);

    private final ConnectionStats stats;
    private final ProxyMetrics metrics;
    private final int maxStreams;
    private ChannelHandlerContext ctx;
    private int open;
    private int served;
    private boolean closing;

    /** @param maxStreams {@code limits.max_requests_per_connection} */
    public Http2ConnectionLifecycle(ConnectionStats stats, ProxyMetrics metrics, int maxStreams) {
        this.stats = stats;
        this.metrics = metrics;
        this.maxStreams = maxStreams;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** A stream opened (its channel is being initialised). */
    public void streamOpened(Channel stream) {
        open++;
        served++;
        stats.streams(open);
        metrics.http2StreamOpened();
        stream.closeFuture().addListener(closed -> {
            open--;
            stats.streams(open);
            metrics.http2StreamClosed();
        });
        if (served >= maxStreams) {
            goAway(GoAwayReason.DRAIN);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof BufferBudget budget) {
            ctx.channel().config().setAutoRead(budget == BufferBudget.RELIEVED);
        } else if (evt == Drain.EVENT) {
            goAway(GoAwayReason.DRAIN);
        } else if (evt instanceof IdleStateEvent) {
            if (open == 0) {
                goAway(GoAwayReason.IDLE);
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * The codec's close is graceful: one GOAWAY with the last stream id, then the connection closes
     * once the open streams are done or the drain timeout passes.
     */
    private void goAway(GoAwayReason reason) {
        if (closing) {
            return;
        }
        closing = true;
        metrics.http2GoAway(reason);
        ctx.channel().close();
    }

    /**
     * A connection error the codec saw is passed here before the codec answers it with its own
     * GOAWAY (carrying the error code): closing here would send a NO_ERROR one first.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2Exception) {
            // by error code only: Netty's message may quote what the client sent
            LOG.debug("HTTP/2 connection {} failed: {}", stats.remote(), ((Http2Exception) cause).error());
            return;
        }
        LOG.debug("closing HTTP/2 connection {} after {}", stats.remote(), cause.getClass().getName());
        ctx.close();
    }
}

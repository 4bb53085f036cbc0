package dev.portcullis.core.upstream;

import dev.portcullis.core.observe.ExchangeTrace;
import dev.portcullis.core.connection.BufferBudget;
import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.http.ErrorResponses;
import dev.portcullis.core.http.RejectedRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.ArrayDeque;

/**
 * The last handler of a client connection: hands each request to an {@link Exchange} with the
 * upstream, one at a time, so that pipelined requests are answered in order (RFC 9112 §9.3.2).
 *
 * <p>Messages that cannot be forwarded yet (the body while the upstream connection is being
 * acquired, the next pipelined request while a response is in flight) wait in a queue, and
 * reading from the client stops while anything waits, while the upstream cannot take more bytes,
 * or while the connection holds more than {@code limits.max_connection_buffer}
 * ({@link BufferBudget}); so what one connection holds stays bounded.
 *
 * <p>One per client connection, confined to its event loop.
 */
public final class ForwardingHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LogManager.getLogger(ForwardingHandler.class);

    private final UpstreamPool pool;
    private final ExchangeSettings settings;
    private final ExchangeTrace trace;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    /** Body bytes among {@link #pending}, for the connection's buffered-bytes figure. */
    private long pendingBytes;
    private ChannelHandlerContext ctx;
    private ResponseDeadline deadline;
    private ConnectionStats stats;
    private Exchange current;
    private boolean closing;
    private boolean overBudget;
    /** Shutting down: the exchange in flight is the last one. */
    private boolean draining;
    /** Exchanges started on this connection, for {@code limits.max_requests_per_connection}. */
    private int exchanges;

    /** @param trace told what only forwarding knows about each exchange, for the access log */
    public ForwardingHandler(UpstreamPool pool, ExchangeSettings settings, ExchangeTrace trace) {
        this.pool = pool;
        this.settings = settings;
        this.trace = trace;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.deadline = new ResponseDeadline(ctx.executor(), settings.responseTimeoutMillis());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        stats = ConnectionStats.of(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending.add(msg);
        pendingBytes += bodyBytes(msg);
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null) {
            current.flushRequest();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.onClientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (current != null) {
            current.abort();
            current = null;
        }
        deadline.close();
        releasePending();
        ctx.fireChannelInactive();
    }

    /** {@code limits.idle_timeout}: nothing read for that long and no exchange in flight. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof BufferBudget budget) {
            overBudget = budget == BufferBudget.EXCEEDED;
            updateReading();
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (current == null && pending.isEmpty()) {
                ctx.close();
            }
            return;
        }
        if (evt == Drain.EVENT) {
            draining = true;
            if (current == null && pending.isEmpty()) {
                closeAfterFlush();
            } else {
                drain();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The end of the line for errors on the client connection: a failed handshake (already
     * logged once by the handshake handler), a reset, a broken pipe. The connection is done; the
     * cause is logged at debug by class only, since a message could quote what the client sent.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing client connection {} after {}", ctx.channel().remoteAddress(), cause.getClass().getName());
        ctx.close();
    }

    /** Moves waiting messages on as far as the current exchange allows. */
    void drain() {
        while (!pending.isEmpty() && !closing) {
            Object head = pending.peek();
            if (current == null) {
                poll();
                if (head instanceof RejectedRequest rejected) {
                    respondAndClose(rejected);
                } else if (head instanceof HttpRequest request && draining) {
                    ReferenceCountUtil.release(request);
                    respondAndClose(new RejectedRequest(ErrorCode.DRAINING));
                } else if (head instanceof HttpRequest request) {
                    exchanges++;
                    current = new Exchange(this, ctx, pool, request, settings, trace, deadline);
                    current.start();
                } else {
                    ReferenceCountUtil.release(head);
                }
            } else if (current.acceptsBody()) {
                poll();
                if (head instanceof RejectedRequest rejected) {
                    current.failRequest(rejected.error());
                } else {
                    current.writeBody((HttpContent) head);
                }
            } else {
                break;
            }
        }
        if (current != null) {
            current.flushRequest();
        } else if (draining && !closing) {
            // a response that began before the drain could not say Connection: close
            closeAfterFlush();
        }
        updateReading();
    }

    /**
     * Reads only when nothing waits, the upstream (if any) can take more and the connection is
     * within its buffer budget; publishes what it holds for the upstream.
     */
    void updateReading() {
        if (stats != null) {
            stats.upstream(pendingBytes, current == null ? null : current.upstreamChannel());
        }
        if (!closing) {
            ctx.channel().config().setAutoRead(pending.isEmpty() && !overBudget
                    && (current == null || current.upstreamWritable()));
        }
    }

    private Object poll() {
        Object msg = pending.poll();
        pendingBytes -= bodyBytes(msg);
        return msg;
    }

    private static long bodyBytes(Object msg) {
        return msg instanceof HttpContent content ? content.content().readableBytes() : 0;
    }

    /** Called by the exchange when its response has been written (or it failed) and it let go of the upstream. */
    void exchangeDone(Exchange exchange, boolean closeConnection) {
        if (current != exchange) {
            return;
        }
        current = null;
        if (closeConnection) {
            closeAfterFlush();
        } else {
            drain();
        }
    }

    /**
     * Whether the exchange whose response head is being written is this connection's last:
     * shutdown is draining, or it reached {@code limits.max_requests_per_connection}. Its
     * response then says {@code Connection: close} and the connection closes after it.
     */
    boolean lastExchange() {
        return draining || exchanges >= settings.maxRequestsPerConnection();
    }

    void respondWithError(ErrorCode error, boolean close) {
        settings.metrics().requestRejected(error);
        trace.error(error);
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), error, close));
        if (close) {
            closeAfterFlush();
        }
    }

    /**
     * Drops the queued rest of the current request's body.
     *
     * @return whether its end was among it, so that the connection is ready for the next request
     */
    boolean discardQueuedBody() {
        while (pending.peek() instanceof HttpContent content) {
            poll();
            boolean last = content instanceof LastHttpContent;
            content.release();
            if (last) {
                return true;
            }
        }
        return false;
    }

    private void respondAndClose(RejectedRequest rejected) {
        settings.metrics().requestRejected(rejected.error());
        trace.error(rejected.error());
        ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), rejected.error(), rejected.parameter(), true));
        closeAfterFlush();
    }

    private void closeAfterFlush() {
        closing = true;
        releasePending();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void releasePending() {
        for (Object msg; (msg = pending.poll()) != null; ) {
            ReferenceCountUtil.release(msg);
        }
        pendingBytes = 0;
    }
}

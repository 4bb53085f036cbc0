package dev.portcullis.core.upstream;

import dev.portcullis.core.connection.BufferBudget;
import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.connection.ConnectionPolicy;
import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.http.ErrorResponses;
import dev.portcullis.core.http.WebSocketUpgrade;
import dev.portcullis.core.metrics.UpstreamError;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.concurrent.TimeUnit;

/**
 * The frontend half of forwarding, the last handler of a client connection: answers each
 * {@link HttpExchange} in order (RFC 9112 §9.3.2), one at a time, by handing it to an
 * {@link UpstreamExchange} (the backend half) or answering it itself (a rejected request, a
 * request while draining, an upstream failure).
 *
 * <p>It gates the client's reads: messages that cannot be forwarded yet (the body while the
 * upstream connection is being acquired, the next pipelined request while a response is in
 * flight) wait in a queue, and reading stops while anything waits, while the upstream cannot take
 * more bytes, or while the connection holds more than {@code limits.max_connection_buffer}
 * ({@link BufferBudget}). What one connection holds stays bounded.
 *
 * <p>Each response head is framed for the client's protocol ({@link ClientSide}: an HTTP/1.x
 * connection or an HTTP/2 stream); response trailers are dropped. The {@link ConnectionPolicy} says when a response is the
 * connection's last.
 *
 * <p>Exchanges that make no progress end: {@code limits.body_timeout} between reads of a request
 * body (408, while the proxy is reading: a pause it caused itself does not count),
 * {@code limits.send_timeout} for a client that leaves a response unread; the upstream copy is
 * aborted and its connection not reused. An answer sent while the request body may still be
 * arriving ends in a lingering close (HTTP/1.x) or a RST_STREAM NO_ERROR (HTTP/2).
 *
 * <p>{@code Expect: 100-continue} is answered when its exchange becomes the current one, after
 * the rules admitted it, never while an earlier response is still being written.
 *
 * <p>A WebSocket upgrade stops reading and decoding behind it until it is answered: a 101 makes
 * the connection one end of a {@link WebSocketTunnel}; any other answer leaves it HTTP.
 *
 * <p>Longer than a rule handler because ordering, reading, answering and the three progress
 * timeouts act on the same few fields (the current exchange, what waits, whether the connection
 * is closing); what stands alone is apart: the waiting queue ({@link WaitingMessages}), response
 * framing, the deadlines ({@link LazyDeadline}), the connection policy, the lingering close.
 *
 * <p>One per client connection, confined to its event loop.
 */
public final class ForwardingFrontendHandler extends ChannelInboundHandlerAdapter implements ResponseReceiver {

    /** Exchanges that may wait behind the one being answered; one more is refused with 400. */
    static final int MAX_PIPELINED_EXCHANGES = 128;

    private static final Logger LOG = LogManager.getLogger(ForwardingFrontendHandler.class);

    private final UpstreamConnections pool;
    private final ExchangeSettings settings;
    private final ConnectionContext connection;
    private final ConnectionPolicy policy;
    private final ConnectionUpgrade upgrade;
    private final ClientSide clientSide;
    private final WaitingMessages pending = new WaitingMessages();
    private ChannelHandlerContext ctx;
    private ConnectionStats.UpstreamShare upstreamShare;
    private LazyDeadline responseDeadline;
    private LazyDeadline bodyDeadline;
    private LazyDeadline sendDeadline;
    /** The newest exchange read, whose body may still be arriving. */
    private HttpExchange reading;
    /** The exchange being answered, and its backend half while it is forwarded. */
    private HttpExchange current;
    private UpstreamExchange upstream;
    /** A WebSocket upgrade read and not yet answered: nothing is read or decoded behind it. */
    private HttpExchange upgrading;
    /** The current response ends the connection. */
    private boolean lastResponse;
    /** Something refused arrived: nothing after it is trusted or read. */
    private boolean refusing;
    /** No exchange will start any more; whatever arrives is dropped. */
    private boolean closing;
    private boolean overBudget;

    /** For an HTTP/1.x connection that is never upgraded. */
    public ForwardingFrontendHandler(UpstreamConnections pool, ExchangeSettings settings, ConnectionContext connection) {
        this(pool, settings, connection, ConnectionUpgrade.NONE, ClientSide.HTTP1);
    }

    /**
     * @param upgrade    how the connection's HTTP stages give way to a WebSocket tunnel
     * @param clientSide an HTTP/1.x connection or an HTTP/2 stream
     */
    public ForwardingFrontendHandler(UpstreamConnections pool, ExchangeSettings settings, ConnectionContext connection,
                                     ConnectionUpgrade upgrade, ClientSide clientSide) {
        this.pool = pool;
        this.settings = settings;
        this.connection = connection;
        this.policy = new ConnectionPolicy(settings.maxRequestsPerConnection());
        this.upgrade = upgrade;
        this.clientSide = clientSide;
    }

    /** The exchange whose response is being written, or null; the HTTP/1 encoder asks. */
    public HttpExchange answering() {
        return current;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        upstreamShare = connection.stats().upstreamShare();
        responseDeadline = new LazyDeadline(ctx.executor(), millis(settings.responseTimeoutMillis()), () -> {
            if (upstream != null) {
                upstream.onResponseTimeout();
            }
        });
        bodyDeadline = new LazyDeadline(ctx.executor(), millis(settings.bodyTimeoutMillis()), this::bodyTimedOut);
        sendDeadline = new LazyDeadline(ctx.executor(), millis(settings.sendTimeoutMillis()), this::sendTimedOut);
        updateReading();
    }

    private static long millis(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing || refusing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpExchange exchange) {
            if (pending.exchanges() >= MAX_PIPELINED_EXCHANGES) {
                exchange.reject(ErrorCode.BAD_REQUEST);
            }
            reading = exchange;
            refusing = exchange.isRejected();
            if (exchange.isWebSocketUpgrade() && !refusing) {
                // what follows may be WebSocket frames: kept raw until the upstream answers
                upgrading = exchange;
                upgrade.holdInput();
            }
        } else if (msg instanceof HttpContent content) {
            refusing = content.decoderResult().isFailure();
            if (bodyDeadline.armed()) {
                bodyDeadline.arm();
            }
        }
        pending.add(msg);
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        updateSendDeadline();
        if (upstream != null) {
            upstream.clientWritabilityChanged(writable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        if (upstream != null) {
            upstream.abort();
            upstream = null;
        }
        if (current != null) {
            settings.log().completed(connection, current);
            current = null;
        }
        responseDeadline.close();
        bodyDeadline.close();
        sendDeadline.close();
        pending.releaseAll();
        upstreamShare.release();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof BufferBudget budget) {
            overBudget = budget == BufferBudget.EXCEEDED;
            updateSendDeadline();
            updateReading();
        } else if (evt instanceof IdleStateEvent) {
            // limits.idle_timeout: nothing read for that long, and no exchange in flight
            if (current == null && pending.isEmpty()) {
                ctx.close();
            }
        } else if (evt == Drain.EVENT) {
            policy.drain();
            drain();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * The end of the line for errors on the client connection: a failed handshake (already
     * logged once by the handshake handler), a reset, a broken pipe. The connection is done; the
     * cause is logged at debug by class only, since a message could quote what the client sent.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing client connection {} after {}", connection.remote(), cause.getClass().getName());
        ctx.close();
    }

    /** Moves waiting messages on as far as the current exchange allows. */
    private void drain() {
        while (!pending.isEmpty() && !closing) {
            Object head = pending.peek();
            if (current == null) {
                pending.poll();
                if (head instanceof HttpExchange exchange) {
                    begin(exchange);
                } else {
                    // the rest of a body whose exchange was already answered
                    ReferenceCountUtil.release(head);
                }
            } else if (upstream != null && upstream.acceptsBody() && head instanceof HttpContent content) {
                pending.poll();
                if (content.decoderResult().isFailure()) {
                    content.release();
                    bodyRefused();
                } else {
                    upstream.send(content);
                }
            } else {
                break;
            }
        }
        if (upstream != null) {
            upstream.flush();
        }
        if (current == null && pending.isEmpty() && policy.draining() && !closing) {
            // idle, or a response that began before the drain could not say Connection: close
            closeAfterFlush();
        }
        updateReading();
    }

    private void begin(HttpExchange exchange) {
        current = exchange;
        if (exchange.isRejected()) {
            answerError(exchange.rejection(), exchange.rejectedParameter(), true);
            return;
        }
        if (!policy.admit()) {
            answerError(ErrorCode.DRAINING, null, true);
            return;
        }
        HttpHeaders headers = exchange.request().headers();
        if (headers.contains(HttpHeaderNames.EXPECT)) {
            // answered here, now that this request is the one being answered; never forwarded
            if (HttpUtil.is100ContinueExpected(exchange.request()) && !exchange.requestComplete()) {
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                        Unpooled.EMPTY_BUFFER));
            }
            headers.remove(HttpHeaderNames.EXPECT);
        }
        upstream = new UpstreamExchange(this, pool, exchange, settings, responseDeadline, ctx.channel().remoteAddress());
        upstream.start();
    }

    /**
     * Reads only when nothing waits, the upstream (if any) can take more and the connection is
     * within its buffer budget; publishes what it holds for the upstream. The body timeout runs
     * only while the proxy reads and a body is still due.
     */
    private void updateReading() {
        if (closing) {
            return;
        }
        upstreamShare.update(pending.bodyBytes(), upstream == null ? null : upstream.upstreamChannel());
        boolean read = pending.isEmpty() && !overBudget && upgrading == null
                && (upstream == null || upstream.writable());
        ctx.channel().config().setAutoRead(read);
        if (read && reading != null && !reading.requestComplete()) {
            if (!bodyDeadline.armed()) {
                bodyDeadline.arm();
            }
        } else {
            bodyDeadline.disarm();
        }
    }

    /**
     * {@code limits.send_timeout} runs while the client leaves what was written unread. Not while
     * the connection is over its buffer budget: the meter then marks it unwritable too, and the
     * bytes it holds may be an upload the upstream is slow to take, which is no fault of the client.
     */
    private void updateSendDeadline() {
        if (ctx.channel().isWritable() || overBudget) {
            sendDeadline.disarm();
        } else if (!sendDeadline.armed()) {
            sendDeadline.arm();
        }
    }

    // ---- the response, from the backend half ------------------------------------------------

    @Override
    public void responseHead(HttpResponse head) {
        settings.responseHeaders().apply(head.headers());
        if (head.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            // the backend only passes a 101 that accepts this exchange's WebSocket upgrade
            WebSocketUpgrade.setResponseHeaders(head.headers());
            current.responded(head.status().code());
            ctx.write(head);
            return;
        }
        writeHead(head, false);
    }

    /**
     * The upstream switched to WebSocket: the connection leaves HTTP for good and becomes one end
     * of a {@link WebSocketTunnel}, which logs the exchange when it closes.
     */
    @Override
    public void responseUpgraded(Channel upstreamChannel) {
        HttpExchange tunnelled = current;
        current = null;
        upstream = null;
        upgrading = null;
        closing = true;
        responseDeadline.close();
        bodyDeadline.close();
        sendDeadline.close();
        pending.releaseAll();
        WebSocketTunnel.open(ctx.channel(), upstreamChannel, tunnelled, connection, upstreamShare, settings, upgrade);
    }

    @Override
    public void responseContent(HttpContent content) {
        if (content instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()) {
            // response trailers are dropped for HTTP/1.x clients; the bytes change hands here
            content = new DefaultLastHttpContent(last.content());
        }
        current.sent(content.content().readableBytes());
        ctx.write(content);
        if (content instanceof LastHttpContent) {
            upstream = null;
            ctx.flush();
            exchangeDone();
        } else if (!ctx.channel().isWritable()) {
            // Netty tells of the lost writability only after this read batch, which may be
            // many reads long; stop the batch now so the client's buffer stays near its mark.
            upstream.clientWritabilityChanged(false);
        }
    }

    @Override
    public void responseReadComplete() {
        ctx.flush();
    }

    @Override
    public void upstreamReady() {
        drain();
    }

    /** Only reading changes: body parts are handed on whatever the writability, so nothing waits for it. */
    @Override
    public void upstreamWritabilityChanged() {
        updateReading();
    }

    @Override
    public void responseFailed(ErrorCode error, UpstreamError reason, String what) {
        upstream = null;
        if (current.responseStarted()) {
            // a half-sent response cannot be replaced
            current.failed(error);
            closeNow();
            return;
        }
        // the body is all read, or the connection cannot tell what follows from a next request
        answerError(error, null, !current.requestComplete());
    }

    // ---- ending exchanges ---------------------------------------------------------------------

    /**
     * Writes a response head with the framing and persistence the client's version allows.
     *
     * @param mustClose the connection closes after this response whatever the client wants
     */
    private void writeHead(HttpResponse head, boolean mustClose) {
        lastResponse = clientSide.frame(head, current, mustClose || policy.isLast());
        current.responded(head.status().code());
        ctx.write(head);
    }

    /** Portcullis's own answer to the current exchange. */
    private void answerError(ErrorCode error, String parameter, boolean close) {
        settings.metrics().requestRejected(error);
        current.failed(error);
        FullHttpResponse response = ErrorResponses.of(ctx.alloc(), error, parameter);
        current.sent(response.content().readableBytes());
        writeHead(response, close);
        ctx.flush();
        exchangeDone();
    }

    /** The current exchange's response is written in full. */
    private void exchangeDone() {
        HttpExchange done = current;
        current = null;
        settings.log().completed(connection, done);
        if (done == upgrading) {
            // refused or failed: the connection stays HTTP, and what followed the request is HTTP too
            upgrading = null;
            upgrade.resumeInput();
        }
        // a response that ended before the request body did leaves unread body bytes on the
        // connection: they cannot be told apart from a next request
        if (!done.requestComplete()) {
            closing = true;
            pending.releaseAll();
            clientSide.closeEarly(ctx.channel(), settings.maxLingerBytes());
        } else if (lastResponse) {
            closeAfterFlush();
        } else {
            drain();
        }
    }

    /** The client left a body unfinished for {@code limits.body_timeout} while the proxy was reading. */
    private void bodyTimedOut() {
        if (closing) {
            return;
        }
        if (current == null || current != reading) {
            closeNow();
            return;
        }
        failFromClientSide(ErrorCode.REQUEST_TIMEOUT);
    }

    /** The client left a response unread for {@code limits.send_timeout}. */
    private void sendTimedOut() {
        LOG.debug("closing client connection {}: it read nothing for {} ms", connection.remote(),
                settings.sendTimeoutMillis());
        closeNow();
    }

    /** The body of the current exchange was refused midway (too large, bad chunk). */
    private void bodyRefused() {
        failFromClientSide(current.rejection() != null ? current.rejection() : ErrorCode.BAD_REQUEST);
    }

    /**
     * The current exchange failed on the client's side: the upstream copy is void, and the client
     * gets {@code error} and a close, or just the close when its response had begun.
     */
    private void failFromClientSide(ErrorCode error) {
        if (upstream != null) {
            upstream.abort();
            upstream = null;
        }
        if (current.responseStarted()) {
            current.failed(error);
            closeNow();
        } else {
            answerError(error, null, true);
        }
    }

    /** Ends the connection once what was written is flushed: nothing more is read or answered. */
    private void closeAfterFlush() {
        closing = true;
        pending.releaseAll();
        clientSide.closeAfterFlush(ctx.channel());
    }

    /** Ends the connection now, exchange in flight and all (channelInactive logs it). */
    private void closeNow() {
        closing = true;
        if (upstream != null) {
            upstream.abort();
            upstream = null;
        }
        pending.releaseAll();
        ctx.close();
    }
}

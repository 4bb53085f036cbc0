package dev.portcullis.core.upstream;

import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.http.WebSocketUpgrade;
import dev.portcullis.core.metrics.UpstreamError;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.net.SocketAddress;

/**
 * The backend half of one exchange: gets a pooled upstream connection, sends the request as
 * HTTP/1.1 and hands the response to the frontend's {@link ResponseReceiver}. It gates the
 * upstream's reads (the frontend tells it when the client can take no more) and owns what only
 * the upstream side knows: a stale pooled connection is retried once for a safe request without
 * a body, {@code upstream.response_timeout} runs from the end of the request to the response
 * head, and the connection goes back to the pool only after a clean, keep-alive exchange; after a
 * 101 that accepts a WebSocket upgrade it goes to the frontend's tunnel instead, for good.
 *
 * <p>Lives on the client connection's event loop, which the upstream connection shares.
 */
final class UpstreamExchange implements UpstreamListener {

    private static final Logger LOG = LogManager.getLogger(UpstreamExchange.class);

    private final ResponseReceiver receiver;
    private final UpstreamConnections pool;
    private final HttpExchange exchange;
    private final HttpRequest request;
    private final ExchangeSettings settings;
    private final LazyDeadline responseDeadline;
    private final SocketAddress client;
    private final long startNanos = System.nanoTime();
    private Channel upstream;
    private boolean requestComplete;
    private boolean requestNeedsFlush;
    private boolean responseStarted;
    private boolean skippingInterim;
    private boolean upstreamKeepAlive = true;
    private boolean reusedConnection;
    private boolean bodySent;
    private boolean retried;
    /** The upstream accepted the WebSocket upgrade: the 101's end hands the connection over. */
    private boolean upgraded;
    private boolean done;

    /** @param responseDeadline the connection's {@code upstream.response_timeout}, which calls {@link #onResponseTimeout} */
    UpstreamExchange(ResponseReceiver receiver, UpstreamConnections pool, HttpExchange exchange,
                     ExchangeSettings settings, LazyDeadline responseDeadline, SocketAddress client) {
        this.receiver = receiver;
        this.pool = pool;
        this.exchange = exchange;
        this.request = exchange.request();
        this.settings = settings;
        this.responseDeadline = responseDeadline;
        this.client = client;
    }

    void start() {
        Channel idle = pool.pollIdle();
        if (idle != null) {
            onAcquired(idle);
            return;
        }
        pool.acquire().addListener((Future<Channel> f) -> {
            if (done) {
                if (f.isSuccess()) {
                    pool.release(f.getNow(), true);
                }
            } else if (f.isSuccess()) {
                onAcquired(f.getNow());
            } else {
                failUpstream(ErrorCode.UPSTREAM_UNAVAILABLE, UpstreamError.CONNECT, "cannot connect: " + describe(f.cause()));
            }
        });
    }

    private void onAcquired(Channel channel) {
        upstream = channel;
        reusedConnection = upstream.pipeline().get(ForwardingBackendHandler.class).attach(this);
        // The upstream hop is always HTTP/1.1 keep-alive, whatever the client spoke.
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (LOG.isDebugEnabled()) {
            LOG.debug("forwarding {} {} on {} upstream connection {}; headers: {}", request.method(),
                    settings.redactor().uri(request.uri()), reusedConnection ? "a reused" : "a new",
                    upstream.localAddress(), settings.redactor().headers(request.headers()));
        }
        upstream.write(request, upstream.voidPromise());
        requestNeedsFlush = true;
        if (requestComplete) {
            // a retry of a request without a body: its end was already taken from the client
            requestComplete = false;
            send(LastHttpContent.EMPTY_LAST_CONTENT);
            flush();
        }
        receiver.upstreamReady();
    }

    /** True while the upstream connection is ready and the request body is still coming. */
    boolean acceptsBody() {
        return upstream != null && !requestComplete && !done;
    }

    /** The upstream connection in use, or null before it is acquired and after it is released. */
    Channel upstreamChannel() {
        return upstream;
    }

    boolean writable() {
        return upstream == null || upstream.isWritable();
    }

    /** A part of the request body; only while {@link #acceptsBody()}. */
    void send(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        bodySent |= content.content().isReadable();
        upstream.write(content, upstream.voidPromise());
        if (done) {
            return; // the write failed at once and ended the exchange
        }
        requestNeedsFlush = true;
        if (last) {
            requestComplete = true;
            if (!responseStarted) {
                responseDeadline.arm();
            }
        }
    }

    void flush() {
        if (requestNeedsFlush && upstream != null) {
            requestNeedsFlush = false;
            upstream.flush();
        }
    }

    /** The backend gates its own reads: none while the client cannot take more. */
    void clientWritabilityChanged(boolean writable) {
        if (upstream != null && !done) {
            upstream.config().setAutoRead(writable);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged() {
        receiver.upstreamWritabilityChanged();
    }

    @Override
    public void onResponse(HttpObject msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response && !acceptHead(response)) {
            ReferenceCountUtil.release(msg);
            if (!done && !skippingInterim) {
                upstreamKeepAlive = false;
                failUpstream(ErrorCode.UPSTREAM_UNAVAILABLE, UpstreamError.RESET, "malformed or unexpected response head");
            }
            return;
        }
        if (msg instanceof HttpContent content) {
            if (skippingInterim) {
                skippingInterim = !(content instanceof LastHttpContent);
                content.release();
                return;
            }
            if (content instanceof LastHttpContent && upgraded) {
                content.release();
                handOver();
                return;
            }
            if (content instanceof LastHttpContent) {
                finish();
            }
            receiver.responseContent(content);
        }
    }

    /** @return whether the head goes on to the client */
    private boolean acceptHead(HttpResponse response) {
        HttpResponseStatus status = response.status();
        // Netty accepts any integer; RFC 9110 §15 allows three digits from 100 to 599
        if (response.decoderResult().isFailure() || status.code() < 100 || status.code() > 599) {
            return false;
        }
        upgraded = exchange.isWebSocketUpgrade() && WebSocketUpgrade.accepted(response);
        if (status.codeClass() == HttpStatusClass.INFORMATIONAL && !upgraded) {
            // 100 Continue was answered by the proxy itself; a 101 nobody asked for (or one that
            // is no WebSocket handshake) fails the exchange. Other interim responses are dropped.
            skippingInterim = status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            return false;
        }
        responseDeadline.disarm();
        exchange.upstreamTime(System.nanoTime() - startNanos);
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        if (LOG.isDebugEnabled()) {
            LOG.debug("upstream answered {} to {} {}; headers: {}", status.code(), request.method(),
                    settings.redactor().uri(request.uri()), settings.redactor().headers(response.headers()));
        }
        responseStarted = true;
        receiver.responseHead(response);
        return true;
    }

    @Override
    public void onResponseReadComplete() {
        if (!done) {
            receiver.responseReadComplete();
        }
    }

    @Override
    public void onUpstreamClosed() {
        if (done) {
            return;
        }
        if (canRetry()) {
            retried = true;
            responseDeadline.disarm();
            releaseUpstream(false);
            start();
            return;
        }
        upstreamKeepAlive = false;
        failUpstream(ErrorCode.UPSTREAM_UNAVAILABLE, UpstreamError.RESET,
                responseStarted ? "connection closed mid-response" : "connection closed before a response");
    }

    /**
     * An upstream may close an idle keep-alive connection just as the proxy reuses it (RFC 9112
     * §9.3.1). A request that is safe to repeat, has no body and got no answer is sent once more,
     * on a new connection, rather than failed.
     */
    private boolean canRetry() {
        return !retried && reusedConnection && !responseStarted && !bodySent && isIdempotent(request.method());
    }

    /** {@code upstream.response_timeout} passed since the request was sent in full. */
    void onResponseTimeout() {
        if (!done && !responseStarted) {
            upstreamKeepAlive = false;
            failUpstream(ErrorCode.UPSTREAM_TIMEOUT, UpstreamError.TIMEOUT,
                    "no response head within " + settings.responseTimeoutMillis() + " ms");
        }
    }

    /** RFC 9110 §9.2.2. */
    private static boolean isIdempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.PUT || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
    }

    /**
     * The frontend gave up on the exchange (the client left, stalled, or its body was refused):
     * the upstream copy is void and its connection is not reused.
     */
    void abort() {
        if (done) {
            return;
        }
        done = true;
        responseDeadline.disarm();
        if (upstream != null) {
            releaseUpstream(false);
        }
    }

    /** The 101 is relayed: the connection leaves the pool for good and goes to the frontend's tunnel. */
    private void handOver() {
        done = true;
        responseDeadline.disarm();
        Channel channel = upstream;
        upstream = null;
        channel.pipeline().get(ForwardingBackendHandler.class).detach();
        receiver.responseUpgraded(channel);
    }

    private void finish() {
        done = true;
        responseDeadline.disarm();
        releaseUpstream(requestComplete && upstreamKeepAlive);
    }

    private static String describe(Throwable cause) {
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private void failUpstream(ErrorCode error, UpstreamError reason, String what) {
        settings.metrics().upstreamError(reason);
        settings.failures().record(error, what, request, client, System.nanoTime() - startNanos);
        done = true;
        responseDeadline.disarm();
        if (upstream != null) {
            releaseUpstream(false);
        }
        if (!responseStarted) {
            exchange.upstreamTime(System.nanoTime() - startNanos);
        }
        receiver.responseFailed(error, reason, what);
    }

    private void releaseUpstream(boolean reusable) {
        Channel channel = upstream;
        upstream = null;
        channel.pipeline().get(ForwardingBackendHandler.class).detach();
        channel.config().setAutoRead(true);
        pool.release(channel, reusable);
    }
}

package dev.portcullis.core.upstream;

import dev.portcullis.core.observe.ExchangeTrace;
import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.metrics.UpstreamError;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
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

/**
 * One request and its response between a client connection and a pooled upstream connection.
 * Streams both ways without aggregation; backpressure is explicit: the client is not read while
 * the upstream cannot take more, and the upstream is not read while the client cannot.
 *
 * <p>Failure before the response head has been sent is answered with 502 or 504; after that the
 * client connection is closed, since a half-sent response cannot be replaced.
 *
 * <p>Lives on the client connection's event loop, which the upstream connection shares.
 */
final class Exchange implements UpstreamListener {

    private static final Logger LOG = LogManager.getLogger(Exchange.class);

    private final ForwardingHandler frontend;
    private final ChannelHandlerContext client;
    private final UpstreamPool pool;
    private final HttpRequest request;
    private final ExchangeSettings settings;
    private final ExchangeTrace trace;
    private final ResponseDeadline deadline;
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
    private boolean done;
    /** The response head said {@code Connection: close}. */
    private boolean closesConnection;

    Exchange(ForwardingHandler frontend, ChannelHandlerContext client, UpstreamPool pool, HttpRequest request,
             ExchangeSettings settings, ExchangeTrace trace, ResponseDeadline deadline) {
        this.frontend = frontend;
        this.client = client;
        this.pool = pool;
        this.request = request;
        this.settings = settings;
        this.trace = trace;
        this.deadline = deadline;
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
        reusedConnection = upstream.pipeline().get(UpstreamHandler.class).attach(this);
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
            writeBody(LastHttpContent.EMPTY_LAST_CONTENT);
            flushRequest();
        }
        frontend.drain();
    }

    /** True while the upstream connection is ready and the request body is still coming. */
    boolean acceptsBody() {
        return upstream != null && !requestComplete && !done;
    }

    /** The upstream connection in use, or null before it is acquired and after it is released. */
    Channel upstreamChannel() {
        return upstream;
    }

    boolean upstreamWritable() {
        return upstream == null || upstream.isWritable();
    }

    void writeBody(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        bodySent |= content.content().isReadable()
                || (last && !((LastHttpContent) content).trailingHeaders().isEmpty());
        upstream.write(content, upstream.voidPromise());
        requestNeedsFlush = true;
        if (last) {
            requestComplete = true;
            if (!responseStarted) {
                deadline.arm(this);
            }
        }
    }

    void flushRequest() {
        if (requestNeedsFlush && upstream != null) {
            requestNeedsFlush = false;
            upstream.flush();
        }
    }

    void onClientWritabilityChanged(boolean writable) {
        if (upstream != null && !done) {
            upstream.config().setAutoRead(writable);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged() {
        frontend.updateReading();
    }

    @Override
    public void onResponse(HttpObject msg) {
        if (done) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (!onResponseHead(response)) {
                ReferenceCountUtil.release(msg);
                if (!done && !skippingInterim) {
                    upstreamKeepAlive = false;
                    failUpstream(ErrorCode.UPSTREAM_UNAVAILABLE, UpstreamError.RESET, "malformed or unexpected response head");
                }
                return;
            }
        }
        if (msg instanceof HttpContent content) {
            if (skippingInterim) {
                skippingInterim = !(content instanceof LastHttpContent);
                content.release();
                return;
            }
            client.write(content);
            if (content instanceof LastHttpContent) {
                client.flush();
                finish();
            } else if (!client.channel().isWritable()) {
                // Netty tells of the lost writability only after this read batch, which may be
                // many reads long; stop the batch now so the client's buffer stays near its mark.
                upstream.config().setAutoRead(false);
            }
        }
    }

    /** @return whether the head was written to the client */
    private boolean onResponseHead(HttpResponse response) {
        HttpResponseStatus status = response.status();
        // Netty accepts any integer; RFC 9110 §15 allows three digits from 100 to 599
        if (response.decoderResult().isFailure() || status.code() < 100 || status.code() > 599) {
            return false;
        }
        if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
            // 100 Continue was already answered by the proxy itself; 101 cannot happen since
            // Upgrade is never forwarded. Drop interim responses and wait for the final one.
            skippingInterim = status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            return false;
        }
        deadline.disarm(this);
        trace.upstreamTime(System.nanoTime() - startNanos);
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        if (LOG.isDebugEnabled()) {
            LOG.debug("upstream answered {} to {} {}; headers: {}", status.code(), request.method(),
                    settings.redactor().uri(request.uri()), settings.redactor().headers(response.headers()));
        }
        settings.responseHeaders().apply(response.headers());
        if (frontend.lastExchange()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closesConnection = true;
        }
        responseStarted = true;
        client.write(response);
        return true;
    }

    @Override
    public void onResponseReadComplete() {
        if (!done) {
            client.flush();
        }
    }

    @Override
    public void onUpstreamClosed() {
        if (done) {
            return;
        }
        if (canRetry()) {
            retried = true;
            deadline.disarm(this);
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

    /** The client's body broke a rule mid-stream (too large, bad chunk): the upstream copy is void. */
    void failRequest(ErrorCode error) {
        upstreamKeepAlive = false;
        requestComplete = false;
        fail(error);
    }

    /** The client connection is gone. */
    void abort() {
        if (done) {
            return;
        }
        done = true;
        deadline.disarm(this);
        if (upstream != null) {
            releaseUpstream(false);
        }
    }

    private void finish() {
        done = true;
        deadline.disarm(this);
        releaseUpstream(requestComplete && upstreamKeepAlive);
        // A response that ended before the request body did leaves unread body bytes on the
        // client connection: they cannot be told apart from a next request, so close.
        frontend.exchangeDone(this, !requestComplete || closesConnection);
    }

    private static String describe(Throwable cause) {
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private void failUpstream(ErrorCode error, UpstreamError reason, String what) {
        settings.metrics().upstreamError(reason);
        settings.failures().record(error, what, request, client.channel().remoteAddress(), System.nanoTime() - startNanos);
        fail(error);
    }

    private void fail(ErrorCode error) {
        done = true;
        deadline.disarm(this);
        if (upstream != null) {
            releaseUpstream(false);
        }
        long upstreamNanos = System.nanoTime() - startNanos;
        if (responseStarted) {
            trace.error(error);
            frontend.exchangeDone(this, true);
            return;
        }
        trace.upstreamTime(upstreamNanos);
        boolean bodyConsumed = requestComplete || frontend.discardQueuedBody();
        boolean close = !bodyConsumed || error.status().code() < 500;
        frontend.respondWithError(error, close);
        frontend.exchangeDone(this, close);
    }

    private void releaseUpstream(boolean reusable) {
        Channel channel = upstream;
        upstream = null;
        channel.pipeline().get(UpstreamHandler.class).detach();
        channel.config().setAutoRead(true);
        pool.release(channel, reusable);
    }
}

package dev.portcullis.core.exchange;

import dev.portcullis.core.http.ErrorCode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import static java.util.Objects.requireNonNull;

/**
 * One request and its response, from the moment its head is decoded to the last byte of its
 * answer. Created by {@link ExchangeStartHandler} and carried down the exchange stages in place
 * of the request head: each rule reads or rewrites {@link #request()}, or {@link #reject refuses}
 * it; forwarding answers it; the {@code ExchangeLog} records it. It is the one place that knows
 * which request a response answers, so no stage keeps a queue of its own.
 *
 * <p>Body parts follow it down the pipeline as plain {@code HttpContent}s. Confined to the
 * event loop of the channel it arrived on.
 */
public final class HttpExchange {

    /** The codec's stand-in for a request whose request line could not be read. */
    private static final String UNREADABLE_TARGET = "/bad-request";

    private final HttpRequest request;
    private final long startNanos;
    private final String method;
    private final String uri;
    private final HttpVersion version;
    private final boolean head;
    private final boolean keepAliveRequested;
    private final boolean webSocketUpgrade;
    private ErrorCode rejection;
    private String rejectedParameter;
    private boolean requestComplete;
    private long bytesIn;
    private long bytesOut;
    private int status;
    private long upstreamNanos = -1;
    private ErrorCode error;

    /** @param startNanos when the head was read, {@code System.nanoTime()} */
    public HttpExchange(HttpRequest request, long startNanos) {
        this(request, startNanos, false);
    }

    /**
     * @param startNanos       when the head was read, {@code System.nanoTime()}
     * @param webSocketUpgrade the request asks for a WebSocket upgrade that Portcullis will
     *                         forward ({@code websocket.enabled}, {@code WebSocketUpgrade#requested})
     */
    public HttpExchange(HttpRequest request, long startNanos, boolean webSocketUpgrade) {
        this(request, startNanos, webSocketUpgrade, request.protocolVersion());
    }

    /**
     * @param version the protocol the client spoke, when the request object says otherwise (an
     *                HTTP/2 stream's request is decoded as HTTP/1.1)
     */
    public HttpExchange(HttpRequest request, long startNanos, boolean webSocketUpgrade, HttpVersion version) {
        this.webSocketUpgrade = webSocketUpgrade;
        this.request = requireNonNull(request, "request");
        this.startNanos = startNanos;
        boolean unreadable = request.decoderResult().isFailure() && request instanceof FullHttpRequest
                && request.protocolVersion() == HttpVersion.HTTP_1_0 && UNREADABLE_TARGET.equals(request.uri());
        this.method = unreadable ? null : request.method().name();
        this.uri = unreadable ? null : request.uri();
        this.version = requireNonNull(version, "version");
        this.head = HttpMethod.HEAD.equals(request.method());
        this.keepAliveRequested = keepAliveRequested(request);
        this.requestComplete = hasNoBody(request);
    }

    /** RFC 9112 §6.3: neither Transfer-Encoding nor Content-Length means a body of length zero. */
    private static boolean hasNoBody(HttpRequest request) {
        return request.decoderResult().isSuccess() && !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0;
    }

    /**
     * RFC 9112 §9.3: HTTP/1.1 persists unless the client said {@code close}; HTTP/1.0 only when it
     * asked for {@code keep-alive}. Read before any rule strips Connection as hop-by-hop.
     */
    private static boolean keepAliveRequested(HttpRequest request) {
        if (request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
            return false;
        }
        return request.protocolVersion().isKeepAliveDefault()
                || request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE, true);
    }

    /** The head as the rules have left it so far; forwarding sends it upstream. */
    public HttpRequest request() {
        return request;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The method as the client sent it, or null when its request line was unreadable. */
    public String method() {
        return method;
    }

    /** The request target as the client sent it (before any stripping), or null when unreadable. */
    public String uri() {
        return uri;
    }

    public HttpVersion version() {
        return version;
    }

    /** A response to HEAD has no body, whatever its framing headers say (RFC 9110 §9.3.2). */
    public boolean isHead() {
        return head;
    }

    /** The client asked for the connection to stay open after this exchange. */
    public boolean keepAliveRequested() {
        return keepAliveRequested;
    }

    /**
     * The request is forwarded as a WebSocket upgrade: its Connection and Upgrade headers are
     * restored after stripping, and an upstream 101 turns the connection into a tunnel.
     */
    public boolean isWebSocketUpgrade() {
        return webSocketUpgrade;
    }

    /** A rule refused the request: forwarding answers {@code error} in its turn and never sends it upstream. */
    public void reject(ErrorCode error, String parameter) {
        if (rejection == null) {
            rejection = requireNonNull(error, "error");
            rejectedParameter = parameter;
        }
    }

    public void reject(ErrorCode error) {
        reject(error, null);
    }

    /** The first rule's refusal, or null while the request is admitted. */
    public ErrorCode rejection() {
        return rejection;
    }

    /** The refusal's extra body field (a token parameter's configured name), or null. */
    public String rejectedParameter() {
        return rejectedParameter;
    }

    public boolean isRejected() {
        return rejection != null;
    }

    /** The last part of the request body has been read from the client (at once when there is none). */
    public boolean requestComplete() {
        return requestComplete;
    }

    void requestCompleted() {
        requestComplete = true;
    }

    /** Body bytes read from the client, as it sent them (a tunnel's: every byte after the upgrade). */
    public long bytesIn() {
        return bytesIn;
    }

    public void read(long bytes) {
        bytesIn += bytes;
    }

    /** Body bytes written to the client (a tunnel's: every byte after the 101 head). */
    public long bytesOut() {
        return bytesOut;
    }

    public void sent(long bytes) {
        bytesOut += bytes;
    }

    /** The final status sent, 0 before the response head. */
    public int status() {
        return status;
    }

    public boolean responseStarted() {
        return status != 0;
    }

    public void responded(int status) {
        this.status = status;
    }

    /** From asking for an upstream connection to the response head or the failure; -1 when never forwarded. */
    public long upstreamNanos() {
        return upstreamNanos;
    }

    public void upstreamTime(long nanos) {
        upstreamNanos = nanos;
    }

    /** The error the exchange was answered with or cut short by, or null. */
    public ErrorCode error() {
        return error;
    }

    public void failed(ErrorCode error) {
        this.error = error;
    }
}

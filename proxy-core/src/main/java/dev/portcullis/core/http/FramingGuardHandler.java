package dev.portcullis.core.http;

import dev.portcullis.core.exchange.HttpExchange;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

import java.util.Iterator;
import java.util.List;

/**
 * Lets through only requests whose framing is unambiguous and within the limits (RFC 9112 §3,
 * §6.3): decoder failures become 400, 414 or 431, and a head that missed
 * {@code limits.request_header_timeout} 408; an HTTP version other than 1.0/1.1, a missing
 * or repeated Host, a request target that is not origin-form (absolute-form, CONNECT) or holds a
 * byte outside visible ASCII (RFC 9112 §3.2; the decoder lets control characters through),
 * Content-Length together with Transfer-Encoding (§6.1: a smuggling shape, refused here rather
 * than left to the decoder's system-property defaults), any Transfer-Encoding on HTTP/1.0 (§6.1),
 * or a Transfer-Encoding other than a lone {@code chunked} become 400; a URI longer than
 * {@code max_uri_size} 414; a body over {@code max_body_size} 413, decided from Content-Length
 * up front or counted as a chunked body streams.
 *
 * <p>A refused head is {@link HttpExchange#reject rejected}; a body refused midway (a bad chunk,
 * too many bytes) ends in a failed last content in place of the rest. Everything the connection
 * sends after a refusal is dropped: forwarding answers in order and closes, since the bytes that
 * follow cannot be trusted to start a new request.
 *
 * <p>The first rule after {@link dev.portcullis.core.exchange.ExchangeStartHandler}. Per channel
 * (it counts the body in flight); event-loop confined.
 */
public final class FramingGuardHandler extends ChannelInboundHandlerAdapter {

    private final int maxUriBytes;
    private final long maxBodyBytes;
    private HttpExchange reading;
    private long bodyBytes;
    private boolean refused;

    public FramingGuardHandler(int maxUriBytes, long maxBodyBytes) {
        this.maxUriBytes = maxUriBytes;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpExchange exchange) {
            reading = exchange;
            bodyBytes = 0;
            ErrorCode error = check(exchange.request());
            if (error != null) {
                refused = true;
                exchange.reject(error);
            }
        } else if (msg instanceof HttpContent content && reading != null) {
            if (content.decoderResult().isFailure()) {
                refuseBody(ctx, content, ErrorCode.BAD_REQUEST);
                return;
            }
            bodyBytes += content.content().readableBytes();
            if (bodyBytes > maxBodyBytes) {
                refuseBody(ctx, content, ErrorCode.BODY_TOO_LARGE);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private ErrorCode check(HttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            return decoderError(result.cause());
        }
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return ErrorCode.BAD_REQUEST;
        }
        HttpHeaders headers = request.headers();
        if (!hasOneHost(headers)) {
            return ErrorCode.BAD_REQUEST;
        }
        if (!isOriginForm(request) || !isVisibleAscii(request.uri())) {
            return ErrorCode.BAD_REQUEST;
        }
        if (request.uri().length() > maxUriBytes) {
            return ErrorCode.URI_TOO_LONG;
        }
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
                && (version.minorVersion() == 0 || headers.contains(HttpHeaderNames.CONTENT_LENGTH)
                    || !isChunkedOnly(headers))) {
            return ErrorCode.BAD_REQUEST;
        }
        if (HttpUtil.getContentLength(request, -1L) > maxBodyBytes) {
            return ErrorCode.BODY_TOO_LARGE;
        }
        return null;
    }
    /** Exactly one non-empty Host (RFC 9112 §3.2), checked without building a list. */
    private static boolean hasOneHost(HttpHeaders headers) {
        Iterator<? extends CharSequence> hosts = headers.valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext() || hosts.next().length() == 0) {
            return false;
        }
        return !hosts.hasNext();
    }

    /** One Transfer-Encoding, and it is {@code chunked} alone (RFC 9112 §6.1). */
    private static boolean isChunkedOnly(HttpHeaders headers) {
        List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        return codings.size() == 1 && "chunked".equalsIgnoreCase(codings.get(0).trim());
    }

    /** A proxy must not be turned into a forward proxy or a tunnel to somewhere else. */
    private static boolean isOriginForm(HttpRequest request) {
        if (request.method() == HttpMethod.CONNECT) {
            return false;
        }
        String uri = request.uri();
        return uri.startsWith("/") || (uri.equals("*") && request.method() == HttpMethod.OPTIONS);
    }

    /**
     * A request target is visible ASCII (RFC 3986 §2: anything else is percent-encoded). A NUL or
     * DEL passed on could end or alter the path for a backend that reads it differently.
     */
    private static boolean isVisibleAscii(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static ErrorCode decoderError(Throwable cause) {
        if (cause instanceof RequestHeaderTimeoutException) {
            return ErrorCode.REQUEST_TIMEOUT;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorCode.HEADERS_TOO_LARGE;
        }
        if (cause instanceof TooLongHttpLineException) {
            return ErrorCode.URI_TOO_LONG;
        }
        return ErrorCode.BAD_REQUEST;
    }

    /** The rest of the body is void: a failed last content tells forwarding so, in order. */
    private void refuseBody(ChannelHandlerContext ctx, HttpContent content, ErrorCode error) {
        ReferenceCountUtil.release(content);
        refused = true;
        reading.reject(error);
        LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new IllegalStateException(error.code())));
        ctx.fireChannelRead(failed);
    }
}

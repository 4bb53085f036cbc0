package dev.portcullis.core.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
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
 * byte outside visible ASCII (RFC 9112 §3.2; the decoder lets control characters through), or a
 * Transfer-Encoding other than a lone {@code chunked} become 400; a URI longer than
 * {@code max_uri_size} 414; a body over {@code max_body_size} 413, decided from Content-Length
 * up front or counted as a chunked body streams.
 *
 * <p>A refused request is replaced by a {@link RejectedRequest}, and everything the connection
 * sends afterwards is dropped: the forwarding handler answers in order and closes.
 *
 * <p>Sits right after the HTTP codec ({@link StrictHttpServerCodec}, which also reports obs-fold
 * and the header timeout as decoder failures). Per channel (it counts the body in flight);
 * event-loop confined.
 */
public final class FramingGuardHandler extends ChannelInboundHandlerAdapter {

    private final int maxUriBytes;
    private final long maxBodyBytes;
    private long bodyBytes;
    private boolean rejected;

    public FramingGuardHandler(int maxUriBytes, long maxBodyBytes) {
        this.maxUriBytes = maxUriBytes;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            ErrorCode error = check(request);
            if (error != null) {
                reject(ctx, msg, error);
                return;
            }
            bodyBytes = 0;
        }
        if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                reject(ctx, msg, ErrorCode.BAD_REQUEST);
                return;
            }
            bodyBytes += content.content().readableBytes();
            if (bodyBytes > maxBodyBytes) {
                reject(ctx, msg, ErrorCode.BODY_TOO_LARGE);
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
        if (!hasOneHost(request.headers())) {
            return ErrorCode.BAD_REQUEST;
        }
        if (!isOriginForm(request) || !isVisibleAscii(request.uri())) {
            return ErrorCode.BAD_REQUEST;
        }
        if (request.uri().length() > maxUriBytes) {
            return ErrorCode.URI_TOO_LONG;
        }
        if (request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING) && !isChunkedOnly(request.headers())) {
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

    private void reject(ChannelHandlerContext ctx, Object msg, ErrorCode error) {
        ReferenceCountUtil.release(msg);
        rejected = true;
        ctx.fireChannelRead(new RejectedRequest(error));
    }
}

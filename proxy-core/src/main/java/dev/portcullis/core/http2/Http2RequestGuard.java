package dev.portcullis.core.http2;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What an HTTP/2 request must satisfy beyond Netty's own checks (RFC 9113 §8.2-8.3, DESIGN.md
 * "HTTP/2") before the exchange stages see it; a request that fails is reset with PROTOCOL_ERROR
 * and nothing of it goes further:
 * <ul>
 *   <li>{@code :path} origin-form ({@code /...}, or {@code *} for OPTIONS) of visible ASCII: it
 *       becomes the upstream's request line, where a space or CR/LF would be request-line
 *       injection (Netty does not check it);</li>
 *   <li>at most one Host: a {@code host} header next to {@code :authority} must say the same
 *       (Netty adds {@code :authority} as a second Host without comparing); the upstream then sees
 *       exactly one;</li>
 *   <li>no CONNECT (no extended CONNECT is offered either);</li>
 *   <li>the {@code x-http2-*} headers Netty adds while translating, and any a client sent, are
 *       removed: the upstream must not read stream ids or schemes off the client.</li>
 * </ul>
 * A request whose HEADERS ended the stream arrives whole; it goes on as a head and an empty
 * last content, the shape every exchange stage expects.
 *
 * <p>First in a stream's pipeline after the frame-to-HTTP codec; one per stream.
 */
public final class Http2RequestGuard extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LogManager.getLogger(Http2RequestGuard.class);
    private static final AsciiString EXTENSION_PREFIX = AsciiString.cached("x-http2-");

    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String problem = problem(request);
        if (problem != null) {
            ReferenceCountUtil.release(msg);
            refuse(ctx, problem);
            return;
        }
        removeExtensionHeaders(request.headers());
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host != null) {
            // :authority and an identical host header: one Host for the upstream
            request.headers().set(HttpHeaderNames.HOST, host);
        }
        if (msg instanceof FullHttpRequest whole) {
            ctx.fireChannelRead(new DefaultHttpRequest(whole.protocolVersion(), whole.method(), whole.uri(),
                    whole.headers()));
            ctx.fireChannelRead(new DefaultLastHttpContent(whole.content()));
        } else {
            ctx.fireChannelRead(request);
        }
    }

    /** Why the request is malformed, or null. */
    static String problem(HttpRequest request) {
        if (HttpMethod.CONNECT.equals(request.method())) {
            return "CONNECT";
        }
        String target = request.uri();
        boolean asterisk = "*".equals(target) && HttpMethod.OPTIONS.equals(request.method());
        if (!asterisk && (target.isEmpty() || target.charAt(0) != '/' || !visibleAscii(target))) {
            return ":path that is not origin-form visible ASCII";
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        for (int i = 1; i < hosts.size(); i++) {
            if (!hosts.get(i).equalsIgnoreCase(hosts.get(0))) {
                return "a host header that differs from :authority";
            }
        }
        return null;
    }

    private static boolean visibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static void removeExtensionHeaders(HttpHeaders headers) {
        List<CharSequence> extensions = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            if (AsciiString.regionMatches(header.getKey(), true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length())) {
                if (extensions == null) {
                    extensions = new ArrayList<>(2);
                }
                extensions.add(header.getKey());
            }
        }
        if (extensions != null) {
            extensions.forEach(headers::remove);
        }
    }

    /**
     * What Netty refuses while translating the frames (a CR, LF or NUL in a value, a bad
     * pseudo-header) arrives as an exception: the stream is reset with its error, not cancelled.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Http2Exception http2 && !refused) {
                refuse(ctx, http2.getMessage(), http2.error());
                return;
            }
        }
        ctx.fireExceptionCaught(cause);
    }

    private void refuse(ChannelHandlerContext ctx, String problem) {
        refuse(ctx, problem, Http2Error.PROTOCOL_ERROR);
    }

    private void refuse(ChannelHandlerContext ctx, String problem, Http2Error error) {
        refused = true;
        LOG.debug("resetting stream {}: {}", ctx.channel(), problem);
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(error)).addListener(ChannelFutureListener.CLOSE);
    }
}

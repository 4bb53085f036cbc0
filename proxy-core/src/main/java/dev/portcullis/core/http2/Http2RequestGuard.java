package dev.portcullis.core.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.List;

/**
 * What an HTTP/2 request head must satisfy beyond Netty's own checks (RFC 9113 §8.3, DESIGN.md
 * "HTTP/2"), checked on the HEADERS frame before it is translated to HTTP/1.1; a request that fails
 * is reset with PROTOCOL_ERROR and nothing of it goes further:
 * <ul>
 *   <li>{@code :method}, {@code :scheme} and {@code :path} present (Netty's translation would
 *       otherwise fail half-way, leaking the buffer it had allocated);</li>
 *   <li>{@code :path} origin-form ({@code /...}, or {@code *} for OPTIONS) of visible ASCII: it
 *       becomes the upstream's request line, where a space or CR/LF would be request-line
 *       injection (Netty does not check it);</li>
 *   <li>at most one {@code host} header, and it says what {@code :authority} says (Netty would
 *       send both to the upstream without comparing them);</li>
 *   <li>no CONNECT (extended CONNECT is not offered either).</li>
 * </ul>
 * A stream error Netty raises later (a content-length the DATA frames do not match) arrives here
 * as an exception and resets the stream with its own code rather than a cancel.
 *
 * <p>First in a stream's pipeline, before the frame-to-HTTP codec; one per stream.
 */
public final class Http2RequestGuard extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LogManager.getLogger(Http2RequestGuard.class);
    private static final AsciiString CONNECT = AsciiString.cached("CONNECT");
    private static final AsciiString OPTIONS = AsciiString.cached("OPTIONS");
    private static final AsciiString HOST = AsciiString.cached("host");

    private boolean headSeen;
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2HeadersFrame frame && !headSeen) {
            // the first HEADERS is the request head; a later one carries trailers
            headSeen = true;
            String problem = problem(frame.headers());
            if (problem != null) {
                ReferenceCountUtil.release(msg);
                refuse(ctx, problem, Http2Error.PROTOCOL_ERROR);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Why the request head is malformed, or null. */
    static String problem(Http2Headers headers) {
        CharSequence method = headers.method();
        if (method == null || headers.scheme() == null || headers.path() == null) {
            return "a required pseudo-header is missing";
        }
        if (CONNECT.contentEquals(method)) {
            return "CONNECT";
        }
        CharSequence path = headers.path();
        boolean asterisk = "*".contentEquals(path) && OPTIONS.contentEquals(method);
        if (!asterisk && (path.length() == 0 || path.charAt(0) != '/' || !visibleAscii(path))) {
            return ":path that is not origin-form visible ASCII";
        }
        List<CharSequence> hosts = headers.getAll(HOST);
        CharSequence authority = headers.authority();
        if (hosts.size() > 1 || (hosts.size() == 1 && authority != null
                && !AsciiString.contentEqualsIgnoreCase(hosts.get(0), authority))) {
            return "a host header that differs from :authority";
        }
        return null;
    }

    private static boolean visibleAscii(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http2Error error = StreamReset.errorOf(cause);
        if (error != null) {
            if (!refused) {
                // the error code only: Netty's message may quote what the client sent
                refuse(ctx, "stream error " + error, error);
            }
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void refuse(ChannelHandlerContext ctx, String problem, Http2Error error) {
        refused = true;
        LOG.debug("resetting stream {}: {}", ctx.channel(), problem);
        StreamReset.reset(ctx, error);
    }
}

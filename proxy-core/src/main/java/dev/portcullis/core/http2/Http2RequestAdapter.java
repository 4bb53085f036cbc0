package dev.portcullis.core.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns Netty's translation of a stream into the request every exchange stage expects:
 * <ul>
 *   <li>the {@code x-http2-*} headers Netty adds (stream id, scheme), and any a client sent, are
 *       removed: the upstream must not read them off the client;</li>
 *   <li>one Host: {@code :authority} and an identical {@code host} header became two;</li>
 *   <li>a request whose HEADERS ended the stream arrives whole; it goes on as a head and a last
 *       content;</li>
 *   <li>what the translation refused (a CR, LF or NUL in a value) resets the stream with
 *       PROTOCOL_ERROR.</li>
 * </ul>
 * In a stream's pipeline right after the frame-to-HTTP codec; one per stream.
 */
public final class Http2RequestAdapter extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LogManager.getLogger(Http2RequestAdapter.class);
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
        HttpHeaders headers = request.headers();
        removeExtensionHeaders(headers);
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null) {
            headers.set(HttpHeaderNames.HOST, host);
        }
        if (msg instanceof FullHttpRequest whole) {
            ctx.fireChannelRead(new DefaultHttpRequest(whole.protocolVersion(), whole.method(), whole.uri(), headers));
            ctx.fireChannelRead(new DefaultLastHttpContent(whole.content()));
        } else {
            ctx.fireChannelRead(request);
        }
    }

    private static void removeExtensionHeaders(HttpHeaders headers) {
        List<CharSequence> extensions = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (AsciiString.regionMatches(name, true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length())) {
                if (extensions == null) {
                    extensions = new ArrayList<>(2);
                }
                extensions.add(name);
            }
        }
        if (extensions != null) {
            extensions.forEach(headers::remove);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && !refused) {
            refused = true;
            Http2Error error = StreamReset.errorOf(cause);
            // by class only: the message may quote a header value the client sent
            LOG.debug("resetting stream {}: {}", ctx.channel(),
                    cause.getCause() == null ? cause.getClass().getName() : cause.getCause().getClass().getName());
            StreamReset.reset(ctx, error != null ? error : Http2Error.PROTOCOL_ERROR);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}

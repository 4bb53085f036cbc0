package dev.portcullis.core.http2;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

/** Resets a stream whose request is malformed: RST_STREAM with the error, then the stream channel closes. */
final class StreamReset {

    private StreamReset() {
    }

    static void reset(ChannelHandlerContext ctx, Http2Error error) {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(error)).addListener(ChannelFutureListener.CLOSE);
    }

    /** The error Netty named somewhere in {@code cause}'s chain, or null when it is no HTTP/2 error. */
    static Http2Error errorOf(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Http2Exception http2) {
                return http2.error();
            }
        }
        return null;
    }
}

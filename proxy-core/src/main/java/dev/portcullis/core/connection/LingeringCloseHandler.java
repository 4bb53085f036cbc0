package dev.portcullis.core.connection;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Lingering close (RFC 9112 §9.6, nginx's {@code lingering_close}): after an answer sent while the
 * client may still be sending (a 413 from Content-Length, a 400/403/408 with a body behind it, an
 * upstream answer before the upload ended), closing at once would leave unread bytes in the
 * socket, the kernel would answer them with a RST, and the client might never read the answer.
 * So once the answer is flushed, the output is half-closed (TLS close_notify, then a TCP FIN) and
 * whatever the client still sends is read and discarded, for at most {@value #LINGER_MILLIS} ms and
 * at most a byte budget ({@code limits.max_body_size}); then the connection is closed.
 *
 * <p>Installed right after TLS, so no HTTP handler sees the discarded bytes. Per connection,
 * confined to its event loop.
 */
public final class LingeringCloseHandler extends ChannelInboundHandlerAdapter {

    public static final String NAME = "lingering-close";
    static final long LINGER_MILLIS = 5_000;

    private long budget;
    private ScheduledFuture<?> deadline;

    private LingeringCloseHandler(long maxBytes) {
        this.budget = maxBytes;
    }

    /** Flushes what was written, then half-closes, discards and closes as above. */
    public static void closeAfterFlush(Channel channel, long maxBytes) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NAME) != null) {
            return;
        }
        LingeringCloseHandler handler = new LingeringCloseHandler(maxBytes);
        ChannelHandlerContext tls = pipeline.context(SslHandler.class);
        if (tls != null) {
            pipeline.addAfter(tls.name(), NAME, handler);
        } else {
            pipeline.addFirst(NAME, handler);
        }
        HalfClose.output(channel);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            ctx.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            budget -= bytes.readableBytes();
        }
        ReferenceCountUtil.release(msg);
        if (budget < 0) {
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // swallowed with the bytes: nothing behind this handler has anything to finish
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadline.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

package dev.portcullis.core.pipeline;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Closes a client connection on which nothing moved either way for {@code limits.idle_timeout}
 * (the {@link io.netty.handler.timeout.IdleStateHandler} before it only detects idleness).
 * Stateless and shared.
 */
@Sharable
final class IdleCloseHandler extends ChannelInboundHandlerAdapter {

    static final IdleCloseHandler INSTANCE = new IdleCloseHandler();

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}

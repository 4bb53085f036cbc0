package dev.portcullis.core.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection, the backend half of forwarding: hands what the
 * upstream sends to the {@link UpstreamExchange} the connection is lent to, which relays it to
 * the client's {@link ForwardingFrontendHandler}. An idle pooled connection has no exchange;
 * anything it receives then is unsolicited (a stray or garbage response) and the connection is
 * closed rather than returned to service.
 *
 * <p>One per upstream connection, confined to its event loop.
 */
final class ForwardingBackendHandler extends ChannelInboundHandlerAdapter {

    private UpstreamListener listener;
    private boolean used;

    /** @return whether this connection served an exchange before (was taken from the idle pool) */
    boolean attach(UpstreamListener listener) {
        this.listener = listener;
        boolean reused = used;
        used = true;
        return reused;
    }

    void detach() {
        this.listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (listener != null && msg instanceof HttpObject httpObject) {
            listener.onResponse(httpObject);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.onResponseReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (listener != null) {
            listener.onUpstreamWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener current = listener;
        listener = null;
        if (current != null) {
            current.onUpstreamClosed();
        }
    }

    /** Resets, broken pipes and decode errors: the connection is done; inactive tells the exchange. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

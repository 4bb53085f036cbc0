package dev.portcullis.bench.echo;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/**
 * Writes every text, binary and continuation frame back as it came (fragments in their order, so
 * a fragmented message comes back fragmented the same way); flushes once per read burst. Pings,
 * pongs and close frames never get here: {@code WebSocketServerProtocolHandler} answers them.
 *
 * <p>Sits after the {@code WebSocketServerProtocolHandler} and before {@link PlainOkHandler}, to
 * which it passes everything else (HTTP requests that are not an upgrade). Backpressure as in
 * Netty's HexDumpProxy: it stops reading while its own channel is not writable, so a client that
 * sends without reading cannot make it buffer without bound. Stateless apart from that, but the
 * channel's auto-read is per channel: one instance per connection.
 */
final class EchoFrameHandler extends ChannelInboundHandlerAdapter {

    private boolean wrote;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame
                || msg instanceof ContinuationWebSocketFrame) {
            ctx.write(msg, ctx.voidPromise());   // the frame's buffer goes back out and is released by the encoder
            wrote = true;
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (wrote) {
            wrote = false;
            ctx.flush();
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }
}

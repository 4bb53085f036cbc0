package dev.portcullis.core.connection;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;

/**
 * Ends a connection's output and keeps its input: what was written is flushed, then TLS sends
 * close_notify (when the connection has TLS) and TCP a FIN. A channel that cannot half-close (not
 * a socket) keeps its output open. Event loop only.
 */
public final class HalfClose {

    private HalfClose() {
    }

    public static void output(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            if (!channel.isActive()) {
                return;
            }
            if (tls == null) {
                shutdownOutput(channel);
            } else {
                tls.closeOutbound().addListener(sent -> shutdownOutput(channel));
            }
        });
    }

    private static void shutdownOutput(Channel channel) {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            duplex.shutdownOutput();
        }
    }
}

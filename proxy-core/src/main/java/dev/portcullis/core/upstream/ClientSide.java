package dev.portcullis.core.upstream;

import dev.portcullis.core.connection.LingeringCloseHandler;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.http.Http1ResponseFraming;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;

/**
 * What forwarding does differently on an HTTP/1.x connection and on an HTTP/2 stream: how a
 * response head is framed, and how the exchange's channel ends. Everything else (order, reads,
 * timeouts, the rules) is the same. Stateless.
 */
public interface ClientSide {

    /** An HTTP/1.x connection: one exchange after another on the socket. */
    ClientSide HTTP1 = new ClientSide() {
        @Override
        public boolean frame(HttpResponse head, HttpExchange exchange, boolean last) {
            return Http1ResponseFraming.apply(head, exchange, last);
        }

        @Override
        public void closeAfterFlush(Channel channel) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void closeEarly(Channel channel, long maxLingerBytes) {
            LingeringCloseHandler.closeAfterFlush(channel, maxLingerBytes);
        }
    };

    /**
     * An HTTP/2 stream: one exchange; the frame codec frames the response (hop-by-hop headers never
     * exist in h2), and the connection lives on whatever the stream does.
     */
    ClientSide HTTP2_STREAM = new ClientSide() {
        @Override
        public boolean frame(HttpResponse head, HttpExchange exchange, boolean last) {
            return last;
        }

        /** A stream whose response ended closes by itself; one that did not is reset (CANCEL). */
        @Override
        public void closeAfterFlush(Channel channel) {
            channel.flush();
            channel.close();
        }

        /** RFC 9113 §8.1: after a complete early answer, NO_ERROR asks the client to stop sending. */
        @Override
        public void closeEarly(Channel channel, long maxLingerBytes) {
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR)).addListener(ChannelFutureListener.CLOSE);
        }
    };

    /**
     * Sets a response head's framing and persistence headers.
     *
     * @param last the channel ends after this response anyway
     * @return whether the channel ends after this response
     */
    boolean frame(HttpResponse head, HttpExchange exchange, boolean last);

    /** Ends the channel once what was written is flushed. */
    void closeAfterFlush(Channel channel);

    /** Ends the channel after an answer sent while the request body may still be arriving. */
    void closeEarly(Channel channel, long maxLingerBytes);
}

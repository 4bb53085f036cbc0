package dev.portcullis.core.exchange;

import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.http.WebSocketUpgrade;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The first exchange stage: turns each decoded request head into an {@link HttpExchange} that
 * travels on in its place, and counts its body as the client sent it (the access log's
 * {@code bytes_in}, before any rule refuses or rewrites it). Everything else passes unchanged.
 *
 * <p>Sits right after the protocol's codec, before the request rules. Per channel (it knows the
 * exchange whose body is arriving), confined to its event loop.
 */
public final class ExchangeStartHandler extends ChannelInboundHandlerAdapter {

    private final ConnectionStats stats;
    private final boolean webSocket;
    private final HttpVersion protocol;
    private HttpExchange reading;

    /** HTTP/1.x without WebSocket upgrades ({@code websocket.enabled: false}). */
    public ExchangeStartHandler(ConnectionStats stats) {
        this(stats, false, null);
    }

    /**
     * @param webSocket {@code websocket.enabled}: upgrade requests become upgrade exchanges
     * @param protocol  what the client speaks when the decoded request says otherwise (HTTP/2), or
     *                  null for the request's own version
     */
    public ExchangeStartHandler(ConnectionStats stats, boolean webSocket, HttpVersion protocol) {
        this.stats = stats;
        this.webSocket = webSocket;
        this.protocol = protocol;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            reading = new HttpExchange(request, System.nanoTime(), webSocket && WebSocketUpgrade.requested(request),
                    protocol != null ? protocol : request.protocolVersion());
            stats.requestStarted();
            if (msg instanceof FullHttpRequest whole) {
                // only the decoder's stand-ins for unreadable requests arrive whole; their body is empty
                whole.release();
                reading.requestCompleted();
            }
            ctx.fireChannelRead(reading);
            return;
        }
        if (msg instanceof HttpContent content && reading != null) {
            reading.read(content.content().readableBytes());
            if (content instanceof LastHttpContent) {
                reading.requestCompleted();
            }
        }
        ctx.fireChannelRead(msg);
    }
}

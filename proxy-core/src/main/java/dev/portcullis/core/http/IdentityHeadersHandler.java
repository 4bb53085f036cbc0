package dev.portcullis.core.http;

import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.exchange.HttpExchange;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

import static java.util.Objects.requireNonNull;

/**
 * Rewrites what a request tells the upstream about who sent it (DESIGN.md steps 5 to 7): removes
 * every header a client could use to claim an identity, then sets the verified identity headers
 * and X-Forwarded-* from the {@link ConnectionContext}; and drops the trailer section of a
 * chunked body, since a backend that merges trailers into headers would otherwise believe a
 * forged {@code X-Client-DN} sent there. A WebSocket upgrade gets its Connection and Upgrade
 * back after the strip ({@link WebSocketUpgrade}). The header rules live in {@link RequestHeaderRules};
 * this handler only feeds them what the connection knows.
 *
 * <p>Sits after the query-token rule, before forwarding. Per connection (it carries the
 * connection's context); stateless otherwise.
 */
public final class IdentityHeadersHandler extends ChannelInboundHandlerAdapter {

    private final RequestHeaderRules rules;
    private final ConnectionContext connection;

    public IdentityHeadersHandler(RequestHeaderRules rules, ConnectionContext connection) {
        this.rules = requireNonNull(rules, "rules");
        this.connection = requireNonNull(connection, "connection");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpExchange exchange && !exchange.isRejected()) {
            HttpRequest request = exchange.request();
            String host = request.headers().get(HttpHeaderNames.HOST);
            rules.apply(request.headers(), connection.identity(), connection.clientIp(), host);
            if (exchange.isWebSocketUpgrade()) {
                WebSocketUpgrade.setRequestHeaders(request.headers());
            }
        } else if (msg instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()
                && last.decoderResult().isSuccess()) {
            // request trailers are never forwarded; the body bytes are, and change hands here
            msg = new DefaultLastHttpContent(last.content());
        }
        ctx.fireChannelRead(msg);
    }
}

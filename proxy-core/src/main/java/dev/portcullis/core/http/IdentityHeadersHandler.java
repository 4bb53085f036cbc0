package dev.portcullis.core.http;

import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.HandshakeHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Rewrites each request's headers before it leaves for the upstream (DESIGN.md steps 5 and 6):
 * removes everything a client could use to claim an identity, then sets the verified identity
 * headers and X-Forwarded-* from the connection. The rules live in {@link RequestHeaderRules};
 * this handler only feeds them what the connection knows.
 *
 * <p>Sits after the framing guard, before forwarding. Stateless: one instance serves every
 * connection.
 */
@Sharable
public final class IdentityHeadersHandler extends ChannelInboundHandlerAdapter {

    private final RequestHeaderRules rules;

    public IdentityHeadersHandler(RequestHeaderRules rules) {
        this.rules = rules;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            ClientIdentity identity = ctx.channel().attr(HandshakeHandler.IDENTITY).get();
            String host = request.headers().get(HttpHeaderNames.HOST);
            rules.apply(request.headers(), identity, clientIp(ctx.channel().remoteAddress()), host);
        }
        ctx.fireChannelRead(msg);
    }

    private static String clientIp(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(address);
    }
}

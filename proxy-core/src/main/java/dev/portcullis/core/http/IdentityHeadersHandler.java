package dev.portcullis.core.http;

import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.HandshakeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;

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

    private static final AttributeKey<String> CLIENT_IP = AttributeKey.valueOf("portcullis.client-ip");

    private final RequestHeaderRules rules;

    public IdentityHeadersHandler(RequestHeaderRules rules) {
        this.rules = rules;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            ClientIdentity identity = ctx.channel().attr(HandshakeHandler.IDENTITY).get();
            String host = request.headers().get(HttpHeaderNames.HOST);
            rules.apply(request.headers(), identity, clientIp(ctx.channel()), host);
        }
        ctx.fireChannelRead(msg);
    }

    /** Rendered on the connection's first request, then reused: the peer address cannot change. */
    private static String clientIp(Channel channel) {
        Attribute<String> cached = channel.attr(CLIENT_IP);
        String ip = cached.get();
        if (ip == null) {
            SocketAddress address = channel.remoteAddress();
            ip = address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(address);
            cached.set(ip);
        }
        return ip;
    }
}

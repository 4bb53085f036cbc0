package dev.portcullis.core.http;

import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.ConnectionTls;
import dev.portcullis.core.tls.HandshakeHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Enforces {@code identity.allow} (DESIGN.md step 3): a connection whose client the handshake
 * found not admitted gets 403 {@code client_not_allowed} for its first request, logged once
 * with subject and fingerprint, and is closed; nothing it sends reaches the upstream. The
 * decision itself was made once per connection by the handshake handler.
 *
 * <p>Sits after the framing guard, before header rewriting. Stateless and shared.
 */
@Sharable
public final class AllowListHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LogManager.getLogger(AllowListHandler.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ConnectionTls tls = ctx.channel().attr(HandshakeHandler.TLS).get();
        if (tls == null || tls.admitted()) {
            // Decided once per connection: an admitted one needs no further look.
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            ClientIdentity identity = ctx.channel().attr(HandshakeHandler.IDENTITY).get();
            LOG.warn("client not allowed: peer={} subject=\"{}\" fingerprint={}", ctx.channel().remoteAddress(),
                    identity.verified() ? identity.subject() : "", identity.verified() ? identity.fingerprint() : "none");
            ReferenceCountUtil.release(msg);
            ctx.fireChannelRead(new RejectedRequest(ErrorCode.CLIENT_NOT_ALLOWED));
        } else if (msg instanceof HttpContent || msg instanceof RejectedRequest) {
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}

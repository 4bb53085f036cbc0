package dev.portcullis.core.http;

import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.tls.ClientIdentity;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import static java.util.Objects.requireNonNull;

/**
 * Enforces {@code identity.allow} (DESIGN.md step 3): every request of a connection whose client
 * the handshake found not admitted is rejected with 403 {@code client_not_allowed}, logged with
 * subject and fingerprint; forwarding answers it and closes, so nothing the client sends reaches
 * the upstream. The decision was made once per connection, at the end of the handshake, and
 * arrives in the {@link ConnectionContext}: there is no state in which it is unknown, so the rule
 * cannot fail open.
 *
 * <p>Sits after the framing guard, before header rewriting; an admitted connection's handler
 * removes itself at the first message. Per connection.
 */
public final class AllowListHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LogManager.getLogger(AllowListHandler.class);

    private final ConnectionContext connection;

    public AllowListHandler(ConnectionContext connection) {
        this.connection = requireNonNull(connection, "connection");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (connection.tls().admitted()) {
            ctx.pipeline().remove(this);
        } else if (msg instanceof HttpExchange exchange && !exchange.isRejected()) {
            ClientIdentity identity = connection.identity();
            LOG.warn("client not allowed: peer={} subject=\"{}\" fingerprint={}", connection.remote(),
                    identity.verified() ? identity.subject() : "", identity.verified() ? identity.fingerprint() : "none");
            exchange.reject(ErrorCode.CLIENT_NOT_ALLOWED);
        }
        ctx.fireChannelRead(msg);
    }
}

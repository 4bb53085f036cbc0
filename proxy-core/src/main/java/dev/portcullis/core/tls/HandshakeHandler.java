package dev.portcullis.core.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Turns the end of the TLS handshake into the connection's {@link ClientIdentity}, computed once
 * and kept in a channel attribute where per-request handlers read it; or, when the handshake
 * failed, into one rate-limited log line with its {@link HandshakeFailure reason}.
 *
 * <p>Sits right after the {@link SslHandler} and removes itself once the handshake is done.
 * Per channel.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {

    /** The verified identity of the peer; set before the first request is read. */
    public static final AttributeKey<ClientIdentity> IDENTITY = AttributeKey.valueOf("portcullis.identity");

    private final String serverUriSan;
    private final HandshakeFailureLog failureLog;

    public HandshakeHandler(String serverUriSan, HandshakeFailureLog failureLog) {
        this.serverUriSan = serverUriSan;
        this.failureLog = failureLog;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent completion) {
            if (completion.isSuccess()) {
                SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                ctx.channel().attr(IDENTITY).set(identityOf(session));
                ctx.pipeline().remove(this);
            } else {
                failureLog.record(ctx.channel().remoteAddress(), completion.cause());
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private ClientIdentity identityOf(SSLSession session) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return ClientIdentity.none();
        }
        return ClientIdentity.verified((X509Certificate) peer[0], serverUriSan);
    }
}

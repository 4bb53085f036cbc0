package dev.portcullis.core.tls;

import dev.portcullis.core.metrics.ProxyMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import io.netty.util.AttributeKey;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Turns the end of the TLS handshake into the connection's {@link ClientIdentity} and
 * {@link ConnectionTls}, computed once and kept in channel attributes where per-request handlers
 * read them; or, when the handshake failed, into one count and one rate-limited log line with
 * its {@link HandshakeFailure reason}.
 *
 * <p>A resumed session skips the chain verifier, so its chain is checked here against the
 * current generation's CRLs; a revoked one is closed before its first request and counted as a
 * {@code revoked} failure.
 *
 * <p>Sits right after the {@link SslHandler} and removes itself once the handshake is done.
 * Per channel.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {

    /** The verified identity of the peer; set before the first request is read. */
    public static final AttributeKey<ClientIdentity> IDENTITY = AttributeKey.valueOf("portcullis.identity");
    /** Protocol, cipher, resumption and the allow-list decision; set with {@link #IDENTITY}. */
    public static final AttributeKey<ConnectionTls> TLS = AttributeKey.valueOf("portcullis.tls");

    private final ServerTls tls;
    private final HandshakeFailureLog failureLog;
    private final ProxyMetrics metrics;
    private long startNanos;

    public HandshakeHandler(ServerTls tls, HandshakeFailureLog failureLog, ProxyMetrics metrics) {
        this.tls = tls;
        this.failureLog = failureLog;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        startNanos = System.nanoTime();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent completion) {
            if (completion.isSuccess()) {
                onHandshake(ctx);
            } else {
                metrics.handshakeFailed(failureLog.record(ctx.channel().remoteAddress(), completion.cause()));
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void onHandshake(ChannelHandlerContext ctx) {
        SSLEngine engine = ctx.pipeline().get(SslHandler.class).engine();
        SSLSession session = engine.getSession();
        boolean resumed = SSL.isSessionReused(((ReferenceCountedOpenSslEngine) engine).sslPointer());
        X509Certificate[] chain = peerChain(session);
        if (resumed && chain != null) {
            try {
                tls.checkNotRevoked(chain);
            } catch (OpenSslCertificateException revoked) {
                metrics.handshakeFailed(failureLog.record(ctx.channel().remoteAddress(),
                        new OpenSslCertificateException(revoked.getMessage(), new RejectedCertificate(chain[0]),
                                revoked.errorCode())));
                ctx.close();
                return;
            }
        }
        ClientIdentity identity = chain == null ? ClientIdentity.none() : ClientIdentity.verified(chain[0], tls.serverUriSan());
        ctx.channel().attr(IDENTITY).set(identity);
        ctx.channel().attr(TLS).set(new ConnectionTls(session.getProtocol(), session.getCipherSuite(), resumed,
                tls.admits(identity)));
        metrics.handshakeSucceeded(System.nanoTime() - startNanos, resumed);
        ctx.pipeline().remove(this);
    }

    private static X509Certificate[] peerChain(SSLSession session) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        X509Certificate[] chain = new X509Certificate[peer.length];
        for (int i = 0; i < peer.length; i++) {
            chain[i] = (X509Certificate) peer[i];
        }
        return chain;
    }
}

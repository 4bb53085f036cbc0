package dev.portcullis.core.tls;

import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.metrics.ProxyMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Turns the end of the TLS handshake into the connection's {@link ConnectionContext} (the
 * {@link ClientIdentity}, the {@link ConnectionTls} facts and the allow-list decision, computed
 * once) and hands it to the protocol stages it then installs; or, when the handshake failed,
 * into one count and one rate-limited log line with its {@link HandshakeFailure reason}. No
 * HTTP handler exists on the connection before the handshake has succeeded.
 *
 * <p>A resumed session skips the chain verifier, so its chain is checked here against the
 * current generation's CRLs; a revoked one is closed before its first request and counted as a
 * {@code revoked} failure.
 *
 * <p>Sits right after the {@link SslHandler} and removes itself once the handshake is done.
 * Per channel.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {

    private final ServerTls tls;
    private final HandshakeFailureLog failureLog;
    private final ProxyMetrics metrics;
    private final ConnectionStats stats;
    private final BiConsumer<ChannelPipeline, ConnectionContext> protocolStages;
    /** Decrypted bytes that arrived before the completion event (none are expected). */
    private final List<Object> early = new ArrayList<>(0);
    private long startNanos;

    /** @param protocolStages installs the handlers that carry exchanges, once the client is verified */
    public HandshakeHandler(ServerTls tls, HandshakeFailureLog failureLog, ProxyMetrics metrics, ConnectionStats stats,
                            BiConsumer<ChannelPipeline, ConnectionContext> protocolStages) {
        this.tls = tls;
        this.failureLog = failureLog;
        this.metrics = metrics;
        this.stats = stats;
        this.protocolStages = protocolStages;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        startNanos = System.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        early.add(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (Object msg : early) {
            ctx.fireChannelRead(msg);
        }
        early.clear();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (Object msg : early) {
            ReferenceCountUtil.release(msg);
        }
        early.clear();
        ctx.fireChannelInactive();
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
        ConnectionTls facts = new ConnectionTls(session.getProtocol(), session.getCipherSuite(), resumed,
                tls.admits(identity));
        ConnectionContext context = new ConnectionContext(identity, facts, clientIp(ctx.channel().remoteAddress()), stats);
        stats.verified(context);
        metrics.handshakeSucceeded(System.nanoTime() - startNanos, resumed);
        protocolStages.accept(ctx.pipeline(), context);
        ctx.pipeline().remove(this);
    }

    /**
     * A reset or a TLS error while the handshake runs: the completion event counts and logs the
     * failure; the exception itself has nothing to add, and must not reach the pipeline's end.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static String clientIp(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(address);
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

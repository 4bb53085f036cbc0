package dev.portcullis.core.tls;

import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ImmediateExecutor;

import javax.net.ssl.SSLEngine;

/**
 * Netty's {@link SslHandler}, with the one figure per-connection memory accounting needs and
 * Netty keeps protected: the received bytes not yet decrypted (a partial TLS record).
 */
public final class MeteredSslHandler extends SslHandler {

    /** @param engine an engine from {@code SslContext.newHandler(...).engine()}, which keeps tcnative's faster non-JDK-compatible unwrap */
    MeteredSslHandler(SSLEngine engine) {
        super(engine, false, ImmediateExecutor.INSTANCE);
    }

    /** Received TLS bytes not yet decrypted; event loop only. */
    public int pendingBytes() {
        return actualReadableBytes();
    }
}

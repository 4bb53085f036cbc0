package dev.portcullis.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.internal.tcnative.SSL;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Enumeration;
import java.util.concurrent.Future;

import static java.util.Objects.requireNonNull;

/**
 * One generation of TLS material, built whole by {@link SslContexts#load} and swapped in whole
 * on reload: the BoringSSL context (key, chain, client CAs, its own session cache and ticket
 * keys), the revocation index, the allow-list, and what is derived from the server certificate
 * once rather than per connection. Connections keep the generation they started with.
 *
 * <p>Thread-safe.
 */
public final class ServerTls implements AutoCloseable {

    private final SslContext context;
    private final RevocationIndex revocations;
    private final AllowList allowList;
    private final boolean ticketsDisabled;
    private final int sessionCacheCapacity;
    private final String serverUriSan;
    private final Instant serverNotAfter;
    private final Future<?> ticketRotation;

    ServerTls(SslContext context, RevocationIndex revocations, AllowList allowList, boolean ticketsDisabled,
              int sessionCacheCapacity, X509Certificate serverLeaf, Future<?> ticketRotation) {
        this.context = requireNonNull(context, "context");
        this.revocations = requireNonNull(revocations, "revocations");
        this.allowList = requireNonNull(allowList, "allowList");
        this.ticketsDisabled = ticketsDisabled;
        this.sessionCacheCapacity = sessionCacheCapacity;
        this.serverUriSan = ServerUriSan.of(serverLeaf);
        this.serverNotAfter = serverLeaf.getNotAfter().toInstant();
        this.ticketRotation = ticketRotation;
    }

    /**
     * A handler for one new connection. With tickets disabled, the ticket option is set on the
     * connection itself: Netty's engine clears the context's option whenever TLS 1.3 is enabled.
     */
    public MeteredSslHandler newHandler(ByteBufAllocator alloc, long handshakeTimeoutMillis) {
        // newHandler, not newEngine: only its engine runs in tcnative's non-JDK-compatible mode,
        // which unwraps several records per call. The handler it built is dropped unused.
        MeteredSslHandler handler = new MeteredSslHandler(context.newHandler(alloc).engine());
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        if (ticketsDisabled) {
            SSL.setOptions(((ReferenceCountedOpenSslEngine) handler.engine()).sslPointer(), SSL.SSL_OP_NO_TICKET);
        }
        return handler;
    }

    /** The server certificate's first URI SAN (XFCC's {@code By=}), or null. */
    public String serverUriSan() {
        return serverUriSan;
    }

    public Instant serverCertificateNotAfter() {
        return serverNotAfter;
    }

    public int sessionCacheCapacity() {
        return sessionCacheCapacity;
    }

    /** Counts the cache's entries; meant for a metrics scrape, not the hot path. */
    public int sessionCacheEntries() {
        int entries = 0;
        for (Enumeration<byte[]> ids = context.sessionContext().getIds(); ids.hasMoreElements(); ids.nextElement()) {
            entries++;
        }
        return entries;
    }

    boolean admits(ClientIdentity identity) {
        return allowList.admits(identity);
    }

    /**
     * Checks a resumed session's chain against this generation's CRLs: resumption skips the
     * verifier, and ticket keys from a shared key file outlive a CRL update.
     */
    void checkNotRevoked(X509Certificate[] chain) throws OpenSslCertificateException {
        for (int i = 0; i < chain.length; i++) {
            revocations.check(chain[i], i + 1 < chain.length ? chain[i + 1] : null);
        }
    }

    /** Stops rotating this generation's ticket keys; the context itself is freed once unused. */
    @Override
    public void close() {
        if (ticketRotation != null) {
            ticketRotation.cancel(false);
        }
    }
}

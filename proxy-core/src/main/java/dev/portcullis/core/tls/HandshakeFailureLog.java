package dev.portcullis.core.tls;

import dev.portcullis.core.logging.LogRateLimiter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.net.SocketAddress;

/**
 * Logs failed handshakes as one line each: peer address, reason, and the presented subject and
 * fingerprint when there was a certificate; never the certificate itself. At most
 * {@code maxPerSecond} lines a second, so a handshake flood cannot flood the log; the next line
 * after a quiet spell says how many were suppressed.
 *
 * <p>Shared by all connections; thread-safe.
 */
public final class HandshakeFailureLog {

    private static final Logger LOG = LogManager.getLogger(HandshakeFailureLog.class);

    private final LogRateLimiter limiter;

    public HandshakeFailureLog(int maxPerSecond) {
        this.limiter = new LogRateLimiter(maxPerSecond);
    }

    public HandshakeFailure record(SocketAddress peer, Throwable cause) {
        HandshakeFailure reason = HandshakeFailure.classify(cause);
        long suppressedBefore = limiter.admit();
        if (suppressedBefore < 0) {
            return reason;
        }
        RejectedCertificate presented = presented(cause);
        String suffix = LogRateLimiter.suppressedSuffix(suppressedBefore);
        if (presented != null) {
            LOG.warn("TLS handshake failed: peer={} reason={} subject=\"{}\" fingerprint={}{}",
                    peer, reason.label(), presented.subject(), presented.fingerprint(), suffix);
        } else {
            LOG.warn("TLS handshake failed: peer={} reason={}{}", peer, reason.label(), suffix);
        }
        return reason;
    }

    private static RejectedCertificate presented(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof RejectedCertificate presented) {
                return presented;
            }
        }
        return null;
    }
}

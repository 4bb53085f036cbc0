package dev.portcullis.core.tls;

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

    private final int maxPerSecond;
    private long windowStartNanos = System.nanoTime();
    private int inWindow;
    private long suppressed;

    public HandshakeFailureLog(int maxPerSecond) {
        this.maxPerSecond = maxPerSecond;
    }

    public HandshakeFailure record(SocketAddress peer, Throwable cause) {
        HandshakeFailure reason = HandshakeFailure.classify(cause);
        long suppressedBefore = admit();
        if (suppressedBefore < 0) {
            return reason;
        }
        RejectedCertificate presented = presented(cause);
        String suffix = suppressedBefore > 0 ? " (" + suppressedBefore + " similar lines suppressed)" : "";
        if (presented != null) {
            LOG.warn("TLS handshake failed: peer={} reason={} subject=\"{}\" fingerprint={}{}",
                    peer, reason.label(), presented.subject(), presented.fingerprint(), suffix);
        } else {
            LOG.warn("TLS handshake failed: peer={} reason={}{}", peer, reason.label(), suffix);
        }
        return reason;
    }

    /** @return -1 when this line is suppressed, else how many were suppressed before it */
    private synchronized long admit() {
        long now = System.nanoTime();
        if (now - windowStartNanos >= 1_000_000_000L) {
            windowStartNanos = now;
            inWindow = 0;
        }
        if (inWindow >= maxPerSecond) {
            suppressed++;
            return -1;
        }
        inWindow++;
        long before = suppressed;
        suppressed = 0;
        return before;
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

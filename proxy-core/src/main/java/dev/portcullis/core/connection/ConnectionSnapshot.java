package dev.portcullis.core.connection;

import java.time.Instant;

/**
 * One live connection as {@code /connections} shows it (DESIGN.md "Admin endpoint"). Identity
 * fields are null until the handshake is done, or for a client without a certificate.
 *
 * @param bytesIn         bytes read from the socket (TLS records included)
 * @param bytesOut        bytes written to the socket
 * @param bufferedBytes   bytes the connection holds in buffers now (see {@link ConnectionStats})
 * @param peakBufferedBytes the most it held at any check point so far
 * @param http            what it speaks: {@code HTTP/1.1}, or {@code websocket} once tunnelled; null
 *                        before the handshake; {@code HTTP/2.0} for an h2 connection
 * @param streams         HTTP/2 streams open now (0 for HTTP/1.x)
 */
public record ConnectionSnapshot(
        long id,
        String remote,
        Instant opened,
        String protocol,
        String cipher,
        boolean resumed,
        String subject,
        String fingerprint,
        long requests,
        long bytesIn,
        long bytesOut,
        long bufferedBytes,
        long peakBufferedBytes,
        String http,
        int streams) {
}

package dev.portcullis.core.connection;

import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.ConnectionTls;

import static java.util.Objects.requireNonNull;

/**
 * What a verified connection knows, built once when its TLS handshake completes and handed to
 * the exchange stages (the HTTP/1.1 pipeline today, each HTTP/2 stream later): the client's
 * identity, the TLS facts and the allow-list decision, the client IP and the connection's
 * stats. Exchange stages take it in their constructors rather than reading channel attributes:
 * a stream channel would not have those, and an attribute that is missing must never mean
 * "admit". Immutable.
 *
 * @param identity the verified client, or {@link ClientIdentity#none()} without a certificate
 * @param tls      protocol, cipher, resumption and whether {@code identity.allow} admits the client
 * @param clientIp the peer's IP as X-Forwarded-For carries it
 * @param stats    the connection's counters and buffered bytes
 */
public record ConnectionContext(ClientIdentity identity, ConnectionTls tls, String clientIp, ConnectionStats stats) {

    public ConnectionContext {
        requireNonNull(identity, "identity");
        requireNonNull(tls, "tls");
        requireNonNull(clientIp, "clientIp");
        requireNonNull(stats, "stats");
    }

    /** {@code ip:port} of the peer, as the access log and {@code /connections} show it. */
    public String remote() {
        return stats.remote();
    }
}

package dev.portcullis.core.tls;

/**
 * What the handshake decided about a connection besides the client's identity; set once, next
 * to {@link ClientIdentity}, and only read afterwards.
 *
 * @param resumed  the session was resumed (session id or ticket), so the chain was not verified
 *                 again; revocation was re-checked against the current CRLs instead
 * @param admitted the identity passed {@code identity.allow} (always true without rules)
 */
public record ConnectionTls(String protocol, String cipherSuite, boolean resumed, boolean admitted) {
}

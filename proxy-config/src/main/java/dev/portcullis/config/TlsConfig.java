package dev.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code tls} section: server key material and how client certificates are verified.
 *
 * <table>
 *   <caption>tls keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>cert</td><td>required</td><td>PEM chain, leaf first</td></tr>
 *   <tr><td>key</td><td>required</td><td>PEM private key: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted</td></tr>
 *   <tr><td>client_ca</td><td>required</td><td>PEM trust anchors for client certificates</td></tr>
 *   <tr><td>client_auth</td><td>require</td><td>require | optional</td></tr>
 *   <tr><td>verify_depth</td><td>4</td><td>maximum intermediates between client leaf and anchor, 0 to 10</td></tr>
 *   <tr><td>protocols</td><td>[TLSv1.3, TLSv1.2]</td><td>subset of TLSv1.3 and TLSv1.2</td></tr>
 *   <tr><td>handshake_timeout</td><td>10s</td><td>a handshake not done by then is closed</td></tr>
 *   <tr><td>session_cache.size</td><td>10000</td><td>bounded TLS 1.2 session-id cache; 0 = off</td></tr>
 *   <tr><td>session_cache.timeout</td><td>300s</td><td>a cached session or ticket older than this is not resumed</td></tr>
 *   <tr><td>session_tickets.enabled</td><td>true</td><td>false: no tickets for TLS 1.2 or 1.3 (1.3 then never resumes)</td></tr>
 *   <tr><td>session_tickets.key_file</td><td>null</td><td>48-byte keys (name 16 | hmac 16 | aes 16), first encrypts</td></tr>
 *   <tr><td>session_tickets.rotate</td><td>1h</td><td>without key_file: how often random keys rotate</td></tr>
 *   <tr><td>crl</td><td>[]</td><td>CRL files, PEM or DER; signature checked against client_ca at load</td></tr>
 *   <tr><td>crl_stale</td><td>error</td><td>error | warn: a CRL past its nextUpdate fails the load, or only warns</td></tr>
 *   <tr><td>reload</td><td>true</td><td>watch the files above and swap the TLS context when they change</td></tr>
 * </table>
 * Paths are absolute: the loader resolves them against the config file's directory.
 */
public record TlsConfig(
        Path cert,
        Path key,
        Path clientCa,
        ClientAuth clientAuth,
        int verifyDepth,
        List<String> protocols,
        Duration handshakeTimeout,
        SessionCache sessionCache,
        SessionTickets sessionTickets,
        List<Path> crl,
        CrlStale crlStale,
        boolean reload) {

    public static final String TLS_V1_3 = "TLSv1.3";
    public static final String TLS_V1_2 = "TLSv1.2";

    public TlsConfig {
        requireNonNull(cert, "cert");
        requireNonNull(key, "key");
        requireNonNull(clientCa, "clientCa");
        requireNonNull(clientAuth, "clientAuth");
        protocols = List.copyOf(protocols);
        requireNonNull(handshakeTimeout, "handshakeTimeout");
        requireNonNull(sessionCache, "sessionCache");
        requireNonNull(sessionTickets, "sessionTickets");
        crl = List.copyOf(crl);
        requireNonNull(crlStale, "crlStale");
    }

    /** Every file this section names, for the reload watcher. */
    public List<Path> files() {
        List<Path> files = new ArrayList<>(List.of(cert, key, clientCa));
        files.addAll(crl);
        sessionTickets.keyFile().ifPresent(files::add);
        return List.copyOf(files);
    }

    /**
     * {@code tls.session_cache}: the server-side session-id cache (TLS 1.2 resumption without
     * tickets).
     *
     * @param size    most sessions kept; 0 disables the cache
     * @param timeout how long a session (or ticket) may be resumed
     */
    public record SessionCache(int size, Duration timeout) {

        public SessionCache {
            requireNonNull(timeout, "timeout");
            if (size < 0) {
                throw new IllegalArgumentException("size: " + size);
            }
        }
    }

    /**
     * {@code tls.session_tickets}.
     *
     * @param keyFile keys shared across replicas; empty: random keys rotated every {@code rotate}
     */
    public record SessionTickets(boolean enabled, Optional<Path> keyFile, Duration rotate) {

        public SessionTickets {
            requireNonNull(keyFile, "keyFile");
            requireNonNull(rotate, "rotate");
        }
    }

    /** What a CRL past its nextUpdate does to a load or reload. */
    public enum CrlStale {
        /** The load fails: revocation data that old is not trusted to be complete. */
        ERROR,
        /** The CRL is used and a warning logged. */
        WARN
    }

    /** Whether a client must present a certificate. */
    public enum ClientAuth {
        /** No certificate: the handshake fails. */
        REQUIRE,
        /** No certificate: the request is forwarded with {@code X-Client-Verify: NONE}. */
        OPTIONAL
    }
}

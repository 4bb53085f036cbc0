package dev.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
        Duration handshakeTimeout) {

    public static final String TLS_V1_3 = "TLSv1.3";
    public static final String TLS_V1_2 = "TLSv1.2";

    public TlsConfig {
        requireNonNull(cert, "cert");
        requireNonNull(key, "key");
        requireNonNull(clientCa, "clientCa");
        requireNonNull(clientAuth, "clientAuth");
        protocols = List.copyOf(protocols);
        requireNonNull(handshakeTimeout, "handshakeTimeout");
    }

    /** Whether a client must present a certificate. */
    public enum ClientAuth {
        /** No certificate: the handshake fails. */
        REQUIRE,
        /** No certificate: the request is forwarded with {@code X-Client-Verify: NONE}. */
        OPTIONAL
    }
}

package dev.portcullis.config;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code response} section: hardening applied to every response relayed from the upstream.
 *
 * <table>
 *   <caption>response keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>secure_cookies</td><td>true</td><td>add Secure and HttpOnly to Set-Cookie that lacks them</td></tr>
 *   <tr><td>hsts</td><td>max-age=31536000</td><td>Strict-Transport-Security added when the upstream
 *       sent none; null: never added</td></tr>
 *   <tr><td>remove_headers</td><td>Server, X-Powered-By</td><td>removed from responses</td></tr>
 * </table>
 *
 * @param secureCookies whether Secure and HttpOnly are added to a Set-Cookie that lacks them
 * @param hsts the Strict-Transport-Security value as written (RFC 6797 §6.1, with max-age); empty:
 *        never added
 * @param removeHeaders header names as written, each an RFC 9110 token, never Content-Length or
 *        Transfer-Encoding
 */
public record ResponseConfig(boolean secureCookies, Optional<String> hsts, List<String> removeHeaders) {

    public static final String DEFAULT_HSTS = "max-age=31536000";
    public static final List<String> DEFAULT_REMOVE_HEADERS = List.of("Server", "X-Powered-By");
    public static final ResponseConfig DEFAULTS =
            new ResponseConfig(true, Optional.of(DEFAULT_HSTS), DEFAULT_REMOVE_HEADERS);

    public ResponseConfig {
        requireNonNull(hsts, "hsts");
        removeHeaders = List.copyOf(removeHeaders);
    }
}

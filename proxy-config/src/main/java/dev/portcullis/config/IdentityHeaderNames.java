package dev.portcullis.config;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The {@code identity.headers} section: the header name for each identity field.
 *
 * <table>
 *   <caption>identity.headers keys</caption>
 *   <tr><th>key</th><th>default</th></tr>
 *   <tr><td>verify</td><td>X-Client-Verify</td></tr>
 *   <tr><td>subject</td><td>X-Client-DN</td></tr>
 *   <tr><td>issuer</td><td>X-Client-Issuer-DN</td></tr>
 *   <tr><td>fingerprint</td><td>X-Client-Fingerprint</td></tr>
 *   <tr><td>serial</td><td>X-Client-Serial</td></tr>
 *   <tr><td>san</td><td>X-Client-SAN</td></tr>
 *   <tr><td>not_after</td><td>X-Client-Not-After</td></tr>
 * </table>
 */
public record IdentityHeaderNames(
        String verify,
        String subject,
        String issuer,
        String fingerprint,
        String serial,
        String san,
        String notAfter) {

    public static final IdentityHeaderNames DEFAULTS = new IdentityHeaderNames(
            "X-Client-Verify", "X-Client-DN", "X-Client-Issuer-DN", "X-Client-Fingerprint",
            "X-Client-Serial", "X-Client-SAN", "X-Client-Not-After");

    public IdentityHeaderNames {
        requireNonNull(verify, "verify");
        requireNonNull(subject, "subject");
        requireNonNull(issuer, "issuer");
        requireNonNull(fingerprint, "fingerprint");
        requireNonNull(serial, "serial");
        requireNonNull(san, "san");
        requireNonNull(notAfter, "notAfter");
    }

    /** Every configured name, in declaration order. */
    public List<String> all() {
        return List.of(verify, subject, issuer, fingerprint, serial, san, notAfter);
    }
}

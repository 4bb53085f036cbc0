package dev.portcullis.config;

import static java.util.Objects.requireNonNull;

/**
 * One {@code identity.allow} rule: a client matching any rule is admitted, others get 403
 * {@code client_not_allowed}.
 *
 * <table>
 *   <caption>rule keys (exactly one per rule)</caption>
 *   <tr><th>key</th><th>matches</th></tr>
 *   <tr><td>subject</td><td>the subject DN exactly, as in X-Client-DN (RFC 2253, openssl's rendering)</td></tr>
 *   <tr><td>san_uri</td><td>a URI SAN; {@code *} is one path segment, {@code **} any number</td></tr>
 *   <tr><td>san_dns</td><td>a DNS SAN, ignoring ASCII case (RFC 4343); {@code *} is one label,
 *       {@code **} any number</td></tr>
 *   <tr><td>fingerprint</td><td>the lowercase hex SHA-256 of the leaf (64 characters)</td></tr>
 * </table>
 */
public record AllowRule(Kind kind, String pattern) {

    public AllowRule {
        requireNonNull(kind, "kind");
        requireNonNull(pattern, "pattern");
    }

    /** What a rule compares. */
    public enum Kind { SUBJECT, SAN_URI, SAN_DNS, FINGERPRINT }
}

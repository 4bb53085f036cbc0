package dev.portcullis.config;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The {@code identity} section: how the verified client identity is told to the upstream.
 *
 * <table>
 *   <caption>identity keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>format</td><td>headers</td><td>headers | xfcc | both</td></tr>
 *   <tr><td>headers.*</td><td>see {@link IdentityHeaderNames}</td><td>header name per field</td></tr>
 *   <tr><td>strip</td><td>[]</td><td>more request headers to remove, beyond the built-in list</td></tr>
 *   <tr><td>allow</td><td>[]</td><td>rules, any of which admits a client; none = every verified client</td></tr>
 * </table>
 */
public record IdentityConfig(Format format, IdentityHeaderNames headers, List<String> strip, List<AllowRule> allow) {

    public IdentityConfig {
        requireNonNull(format, "format");
        requireNonNull(headers, "headers");
        strip = List.copyOf(strip);
        allow = List.copyOf(allow);
    }

    /** No allow-list: every verified client is admitted. */
    public IdentityConfig(Format format, IdentityHeaderNames headers, List<String> strip) {
        this(format, headers, strip, List.of());
    }

    /** Which identity headers are sent upstream. */
    public enum Format {
        /** The {@code X-Client-*} headers. */
        HEADERS,
        /** One {@code X-Forwarded-Client-Cert} in Envoy's grammar. */
        XFCC,
        /** Both of the above. */
        BOTH;

        public boolean sendsHeaders() {
            return this != XFCC;
        }

        public boolean sendsXfcc() {
            return this != HEADERS;
        }
    }
}

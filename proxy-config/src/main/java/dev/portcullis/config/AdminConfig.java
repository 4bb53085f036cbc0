package dev.portcullis.config;

import static java.util.Objects.requireNonNull;

/**
 * The {@code admin} section.
 *
 * <table>
 *   <caption>admin keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>listen</td><td>127.0.0.1:9901</td><td>plain-HTTP admin endpoint; never the TLS port</td></tr>
 * </table>
 */
public record AdminConfig(HostPort listen) {

    public AdminConfig {
        requireNonNull(listen, "listen");
    }
}

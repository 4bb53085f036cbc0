package dev.portcullis.config;

import static java.util.Objects.requireNonNull;

/**
 * A host and a TCP port, as written in {@code listen} and {@code admin.listen}:
 * {@code 0.0.0.0:8443}, {@code localhost:0}, {@code [::1]:9901}. Port 0 binds an ephemeral port.
 *
 * @param host a host name or IP literal, without brackets
 */
public record HostPort(String host, int port) {

    public HostPort {
        requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses {@code host:port}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static HostPort parse(String text) {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}

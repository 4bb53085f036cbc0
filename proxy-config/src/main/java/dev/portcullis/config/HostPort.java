package dev.portcullis.config;

import java.util.regex.Pattern;

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

    /** What an address looks like, for error messages. */
    static final String EXPECTED = "host:port such as 0.0.0.0:8443 or [::1]:9901";

    /** A host name or an IPv4 literal; anything else is a typo more often than a name. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    /**
     * Parses {@code host:port}; an IPv6 literal is written in brackets, {@code [::1]:9901}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static HostPort parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                throw ValueErrors.expected(text, EXPECTED);
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (!IPV6.matcher(host).matches()) {
                throw ValueErrors.expected(text, EXPECTED);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw ValueErrors.expected(text, EXPECTED);
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw ValueErrors.expected(text, "an IPv6 address in brackets, such as [::1]:9901");
            }
            if (!HOST.matcher(host).matches()) {
                throw ValueErrors.expected(text, EXPECTED);
            }
        }
        if (!PORT.matcher(port).matches()) {
            throw ValueErrors.expected(text, EXPECTED);
        }
        int number = Integer.parseInt(port);
        if (number > 65535) {
            throw ValueErrors.expected(text, "a port from 0 to 65535");
        }
        return new HostPort(host, number);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}

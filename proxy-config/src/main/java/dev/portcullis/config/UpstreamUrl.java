package dev.portcullis.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Parses {@code upstream.url}: {@code http://host:port}, port 80 when left out. Portcullis speaks
 * plain HTTP/1.1 to a backend on loopback or in the same pod, so https is refused, and so is a path:
 * requests are forwarded with the path the client sent, and a base path would silently change it.
 */
final class UpstreamUrl {

    static final String EXPECTED = "http://host:port such as http://127.0.0.1:8000";

    private UpstreamUrl() {
    }

    /**
     * The backend's host and port.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    static HostPort parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw ValueErrors.expected(text, EXPECTED);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https")) {
            throw ValueErrors.expected(text, EXPECTED + "; https upstreams are not supported");
        }
        if (!scheme.equals("http") || uri.isOpaque() || uri.getRawAuthority() == null) {
            throw ValueErrors.expected(text, EXPECTED);
        }
        if (uri.getRawUserInfo() != null) {
            throw ValueErrors.expected(text, "a URL without user info");
        }
        String path = uri.getRawPath();
        if (!(path == null || path.isEmpty() || path.equals("/")) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw ValueErrors.expected(text, "a URL without path, query or fragment; requests keep the path the client sent");
        }
        String host = uri.getHost();
        if (host == null) {
            throw ValueErrors.expected(text, EXPECTED);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw ValueErrors.expected(text, "a port from 1 to 65535");
        }
        return new HostPort(host, port);
    }
}

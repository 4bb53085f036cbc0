package dev.portcullis.bench.load;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code --url}: where to connect, which {@code Host} header to send and the request target.
 * The request is a bodiless GET, so its bytes are fixed and are encoded once ({@link #requestBytes}).
 * {@code https://} and {@code wss://} mean the same (TLS); the WebSocket modes upgrade the GET
 * ({@link #webSocketUri}).
 *
 * @param connectHost  host name or address literal to connect to (IPv6 without brackets)
 * @param port         TCP port (443 when the URL has none)
 * @param hostHeader   the URL's host, with the port when the URL named one
 * @param pathAndQuery origin-form request target, at least {@code /}
 */
record Target(String connectHost, int port, String hostHeader, String pathAndQuery) {

    static final String USER_AGENT = "portcullis-load";

    /** @throws IllegalArgumentException with a message fit for a usage error */
    static Target parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url: not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("--url: must start with https:// or wss:// (got " + url + ")");
        }
        String host = uri.getHost();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("--url: expected https://host[:port][/path][?query], got " + url);
        }
        int port = uri.getPort() == -1 ? 443 : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        String hostHeader = uri.getPort() == -1 ? host : host + ":" + port;
        String connectHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return new Target(connectHost, port, hostHeader, target);
    }

    /** The {@code wss://} URI the WebSocket handshake is made for: its Host header and request target. */
    URI webSocketUri() {
        return URI.create("wss://" + hostHeader + pathAndQuery);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(connectHost, port);
    }

    /**
     * The whole request as sent on the wire. {@code close} adds {@code Connection: close}, so that
     * the server ends the connection too and neither side keeps state for a connection that will
     * never carry a second request.
     */
    byte[] requestBytes(boolean close) {
        String head = "GET " + pathAndQuery + " HTTP/1.1\r\n"
                + "Host: " + hostHeader + "\r\n"
                + "User-Agent: " + USER_AGENT + "\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "\r\n";
        return head.getBytes(StandardCharsets.US_ASCII);
    }
}

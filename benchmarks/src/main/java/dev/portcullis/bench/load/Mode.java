package dev.portcullis.bench.load;

import java.util.Locale;

/** What each of the driver's connections does in its loop. */
public enum Mode {
    /** N persistent connections, each sending its next request as soon as the last one completes. */
    KEEPALIVE,
    /** A new connection with a full handshake per request: the client never offers a session. */
    HANDSHAKE,
    /** A new connection per request that offers the session (or ticket) of an earlier one. */
    RESUME,
    /** N connections that each complete one request, then sit idle until the end. */
    IDLE,
    /**
     * N WebSocket tunnels, each sending a large binary message (64 KiB by default) as soon as the
     * echo of the last one is back: bytes tunnelled per second.
     */
    WS_THROUGHPUT,
    /** N WebSocket tunnels, each sending a 1 KiB binary message and waiting for its echo: round trips. */
    WS_ROUNDTRIP,
    /** N WebSocket tunnels that each complete one 1 KiB round trip, then sit idle until the end. */
    WS_IDLE,
    /**
     * N HTTP/2 connections (ALPN {@code h2}) with M concurrent streams each ({@code --streams}):
     * each stream a GET, and as soon as its response is complete the next one.
     */
    H2,
    /** N HTTP/2 connections that each complete M requests (one by default), then sit idle until the end. */
    H2_IDLE;

    private static final int KIB = 1024;

    /** The name used on the command line and in reports: {@code keepalive}, {@code ws-roundtrip}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True when each request pays for a new TCP connection and TLS handshake. */
    boolean connectionPerRequest() {
        return this == HANDSHAKE || this == RESUME;
    }

    /** True when the connections carry WebSocket messages (after an HTTP/1.1 upgrade) instead of requests. */
    public boolean webSocket() {
        return this == WS_THROUGHPUT || this == WS_ROUNDTRIP || this == WS_IDLE;
    }

    /** True when the connections speak HTTP/2 (ALPN {@code h2}), with {@code --streams} requests in flight each. */
    public boolean http2() {
        return this == H2 || this == H2_IDLE;
    }

    /** True when every connection does one exchange and is then held until the end. */
    public boolean holdsConnections() {
        return this == IDLE || this == WS_IDLE || this == H2_IDLE;
    }

    /** The message size when {@code --message-size} is not given (WebSocket modes). */
    int defaultMessageSize() {
        return this == WS_THROUGHPUT ? 64 * KIB : KIB;
    }

    static Mode parse(String text) {
        for (Mode mode : values()) {
            if (mode.label().equals(text)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("--mode: \"" + text
                + "\" (expected: keepalive, handshake, resume, idle, ws-throughput, ws-roundtrip, ws-idle, h2 or h2-idle)");
    }
}

package dev.portcullis.config;

/**
 * The {@code http2} section: HTTP/2 for clients (DESIGN.md "HTTP/2").
 *
 * @param enabled              ALPN offers {@code h2} then {@code http/1.1} (default true); false
 *                             offers only {@code http/1.1}
 * @param maxConcurrentStreams streams one connection may have open (SETTINGS_MAX_CONCURRENT_STREAMS,
 *                             default 100); more are refused with RST_STREAM REFUSED_STREAM
 */
public record Http2Config(boolean enabled, int maxConcurrentStreams) {

    public static final Http2Config DEFAULTS = new Http2Config(true, 100);

    public Http2Config {
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams: " + maxConcurrentStreams);
        }
    }
}

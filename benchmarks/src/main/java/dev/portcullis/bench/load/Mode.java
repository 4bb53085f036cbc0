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
    IDLE;

    /** The name used on the command line and in reports. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when each request pays for a new TCP connection and TLS handshake. */
    boolean connectionPerRequest() {
        return this == HANDSHAKE || this == RESUME;
    }

    static Mode parse(String text) {
        for (Mode mode : values()) {
            if (mode.label().equals(text)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("--mode: \"" + text + "\" (expected: keepalive, handshake, resume or idle)");
    }
}

package dev.portcullis.core.metrics;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;

import java.util.Locale;

/** Why Portcullis sent a GOAWAY: the {@code reason} label of {@code portcullis_http2_goaways_total}. */
public enum GoAwayReason {
    /** Streams reset faster than they complete (CVE-2023-44487), or RSTs the client made us send. */
    RAPID_RESET("rapid_reset"),
    /** A header block beyond {@code limits.max_header_size}, or a CONTINUATION flood. */
    HEADER_FLOOD("header_flood"),
    /** SETTINGS, PING, empty DATA or other control frames faster than the client reads the answers. */
    CONTROL_FLOOD("control_flood"),
    /** Any other connection error the peer caused. */
    PROTOCOL("protocol"),
    /** {@code limits.idle_timeout} with no open stream. */
    IDLE("idle"),
    /** Shutdown, or {@code limits.max_requests_per_connection} streams served. */
    DRAIN("drain");

    private final String label;

    GoAwayReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * Names the guard that tripped. Netty reports them all as connection errors, most of them
     * ENHANCE_YOUR_CALM, told apart only by their message.
     */
    public static GoAwayReason of(Http2Exception error) {
        String message = error.getMessage() == null ? "" : error.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("rst")) {
            return RAPID_RESET;
        }
        if (message.contains("header") || message.contains("continuation")) {
            return HEADER_FLOOD;
        }
        if (error.error() == Http2Error.ENHANCE_YOUR_CALM) {
            return CONTROL_FLOOD;
        }
        return PROTOCOL;
    }
}

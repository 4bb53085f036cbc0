package dev.portcullis.core.metrics;

import java.util.Locale;

/** Why the upstream failed an exchange: the {@code reason} of {@code portcullis_upstream_errors_total}. */
public enum UpstreamError {
    /** No connection: refused, unreachable, timed out connecting, or every pooled connection busy. */
    CONNECT,
    /** No response head within {@code upstream.response_timeout}. */
    TIMEOUT,
    /** The connection closed or broke before the response was complete, or the response was malformed. */
    RESET;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package dev.portcullis.core.connection;

/**
 * User events a {@link ConnectionMeter} fires down the pipeline when a connection's buffered
 * bytes cross {@code limits.max_connection_buffer}: forwarding stops reading from the client on
 * {@link #EXCEEDED} and may read again on {@link #RELIEVED}.
 */
public enum BufferBudget {
    /** Above the limit: stop reading. */
    EXCEEDED,
    /** Back below half the limit: reading may resume. */
    RELIEVED
}

package dev.portcullis.bench.load;

/**
 * One of an {@link H2Slot}'s M closed loops: a request that, once its response is complete, is
 * issued again as the next one. It moves between the slot (waiting for a connection) and a
 * connection (queued for a stream, or in flight on one); nothing is allocated per request.
 *
 * <p>Confined to the slot's event loop.
 */
final class H2Request {

    /** When the slot issued it: the latency runs from here, through any wait, to the end of the response. */
    long startNanos;
    /** The stream carrying it, or 0 while it is not on the wire. */
    int streamId;
    /** The connection it is queued or in flight on, or null while the slot holds it. */
    H2Connection on;
    int status;
    long bodyBytes;
    /** The stream was reset, or its connection failed: the error is counted, the retry waits a little. */
    boolean failed;

    /** Ready to go out on a connection: nothing of its last response is left. */
    void reset(long nowNanos) {
        startNanos = nowNanos;
        streamId = 0;
        on = null;
        status = 0;
        bodyBytes = 0;
        failed = false;
    }
}

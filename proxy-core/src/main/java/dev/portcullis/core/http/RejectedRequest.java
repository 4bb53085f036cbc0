package dev.portcullis.core.http;

import static java.util.Objects.requireNonNull;

/**
 * Takes the place of a request (or of the rest of its body) that a rule refused. It travels down
 * the pipeline like the request would have, so that the forwarding handler answers it in order
 * behind any pipelined exchange still in flight, then closes the connection: after a framing
 * error the bytes that follow cannot be trusted to start a new request.
 *
 * @param parameter an extra field for the error body (a token parameter's name), or null
 */
public record RejectedRequest(ErrorCode error, String parameter) {

    public RejectedRequest {
        requireNonNull(error, "error");
    }

    public RejectedRequest(ErrorCode error) {
        this(error, null);
    }
}

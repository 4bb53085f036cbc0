package dev.portcullis.core.observe;

import dev.portcullis.core.http.ErrorCode;

/**
 * What the forwarding stage tells the access log about the exchange it is answering, which only
 * it knows: how long the upstream took, and the error the exchange ended with. Calls refer to
 * the oldest exchange not yet answered, since exchanges are answered in order.
 */
public interface ExchangeTrace {

    /** For when the access log is off. */
    ExchangeTrace NONE = new ExchangeTrace() {
        @Override
        public void upstreamTime(long nanos) {
        }

        @Override
        public void error(ErrorCode error) {
        }
    };

    /** From asking for an upstream connection to the response head, or to the upstream's failure. */
    void upstreamTime(long nanos);

    /** The exchange is answered with, or was cut short by, {@code error}. */
    void error(ErrorCode error);
}

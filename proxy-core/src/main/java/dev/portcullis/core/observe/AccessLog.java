package dev.portcullis.core.observe;

import dev.portcullis.core.http.Redactor;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.message.MapMessage;

/**
 * Writes access-log entries as {@link MapMessage}s to the Log4j logger {@value #LOGGER}; the
 * {@code access.json} event template turns each into one JSON line with exactly DESIGN.md's
 * fields. The request target passes through the {@link Redactor}; no header value is logged.
 */
public final class AccessLog {

    public static final String LOGGER = "access";

    private static final Logger LOG = LogManager.getLogger(LOGGER);

    private final Redactor redactor;

    public AccessLog(Redactor redactor) {
        this.redactor = redactor;
    }

    void write(ExchangeRecorder.Connection connection, ExchangeRecorder.Entry entry, long endNanos) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        MapMessage<?, Object> line = new MapMessage<>(16);
        // with(String, Object) throughout: the String overload refuses null, and null is a value here
        line.with("remote", (Object) connection.remote)
                .with("method", (Object) entry.method)
                .with("path", (Object) redactor.uri(entry.uri))
                .with("status", (Object) entry.status)
                .with("duration_ms", (Object) millis(endNanos - entry.startNanos))
                .with("upstream_ms", entry.upstreamNanos < 0 ? null : (Object) millis(entry.upstreamNanos))
                .with("bytes_in", (Object) entry.bytesIn)
                .with("bytes_out", (Object) entry.bytesOut)
                .with("subject", (Object) connection.subject)
                .with("fingerprint", (Object) connection.fingerprint)
                .with("tls_protocol", (Object) connection.protocol)
                .with("resumed", (Object) connection.resumed)
                .with("error", entry.error == null ? null : (Object) entry.error.code());
        LOG.info(line);
    }

    /** Milliseconds with microsecond precision: most exchanges take less than one. */
    private static Double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}

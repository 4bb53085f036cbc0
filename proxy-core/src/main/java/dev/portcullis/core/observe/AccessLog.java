package dev.portcullis.core.observe;

import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.tls.ClientIdentity;
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

    void write(ConnectionContext connection, HttpExchange exchange, long endNanos) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        ClientIdentity identity = connection.identity();
        boolean verified = identity.verified();
        MapMessage<?, Object> line = new MapMessage<>(16);
        // with(String, Object) throughout: the String overload refuses null, and null is a value here
        line.with("remote", (Object) connection.remote())
                .with("method", (Object) exchange.method())
                .with("path", (Object) redactor.uri(exchange.uri()))
                .with("status", (Object) exchange.status())
                .with("duration_ms", (Object) millis(endNanos - exchange.startNanos()))
                .with("upstream_ms", exchange.upstreamNanos() < 0 ? null : (Object) millis(exchange.upstreamNanos()))
                .with("bytes_in", (Object) exchange.bytesIn())
                .with("bytes_out", (Object) exchange.bytesOut())
                .with("subject", verified ? (Object) identity.subject() : null)
                .with("fingerprint", verified ? (Object) identity.fingerprint() : null)
                .with("tls_protocol", (Object) connection.tls().protocol())
                .with("resumed", (Object) connection.tls().resumed())
                .with("error", exchange.error() == null ? null : (Object) exchange.error().code())
                .with("protocol", (Object) exchange.version().text());
        LOG.info(line);
    }

    /** Milliseconds with microsecond precision: most exchanges take less than one. */
    private static Double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}

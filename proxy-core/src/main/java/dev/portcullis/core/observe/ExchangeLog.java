package dev.portcullis.core.observe;

import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.metrics.ProxyMetrics;

/**
 * Records each finished exchange, whatever answered it (the upstream or Portcullis itself) and
 * however it ended: counted in {@code portcullis_requests_total} and
 * {@code portcullis_request_duration_seconds}, and written to the {@link AccessLog} when there
 * is one. An exchange the client abandoned before any response began is recorded with status
 * {@value #CLIENT_CLOSED} (nginx's "client closed request").
 *
 * <p>Stateless; shared by every connection. Called by forwarding, on the connection's event loop.
 */
public final class ExchangeLog {

    /** Recorded for an exchange whose connection closed before any response began. */
    public static final int CLIENT_CLOSED = 499;

    private final ProxyMetrics metrics;
    private final AccessLog log;

    /** @param log the access log, or null when {@code access_log: off} */
    public ExchangeLog(ProxyMetrics metrics, AccessLog log) {
        this.metrics = metrics;
        this.log = log;
    }

    public void completed(ConnectionContext connection, HttpExchange exchange) {
        long end = System.nanoTime();
        if (exchange.status() == 0) {
            exchange.responded(CLIENT_CLOSED);
        }
        metrics.requestCompleted(exchange.status(), end - exchange.startNanos());
        if (log != null) {
            log.write(connection, exchange, end);
        }
    }

    /**
     * A WebSocket tunnel closed: its access-log line (status 101, the tunnelled bytes, the whole
     * tunnel's duration). Not a request in {@code portcullis_requests_total} or the request
     * duration histogram: {@code portcullis_websocket_tunnels_total} counts tunnels, and an hour-long
     * tunnel would drown the request latencies.
     */
    public void tunnelClosed(ConnectionContext connection, HttpExchange exchange) {
        if (log != null) {
            log.write(connection, exchange, System.nanoTime());
        }
    }
}

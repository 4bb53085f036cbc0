package dev.portcullis.core.upstream;

import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.http.ResponseHeaderRules;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.observe.ExchangeLog;

import static java.util.Objects.requireNonNull;

/**
 * What every exchange of the proxy shares: built once from the config.
 *
 * @param responseTimeoutMillis {@code upstream.response_timeout}: from the end of the request to the response head
 * @param bodyTimeoutMillis     {@code limits.body_timeout}: the longest pause between two reads of a request body
 * @param sendTimeoutMillis     {@code limits.send_timeout}: the longest the client may leave a response unread
 * @param maxLingerBytes        what a lingering close discards at most ({@code limits.max_body_size})
 * @param responseHeaders       applied to each upstream response head before it is relayed
 * @param redactor              the only way a request target or header reaches a log line
 * @param failures              where the upstream's failures are logged
 * @param log                   where each finished exchange is counted and written
 * @param maxRequestsPerConnection {@code limits.max_requests_per_connection}
 * @param tunnelIdleTimeoutMillis {@code websocket.idle_timeout}: a tunnel with no byte either way for this long closes
 */
public record ExchangeSettings(long responseTimeoutMillis, long bodyTimeoutMillis, long sendTimeoutMillis,
                               long maxLingerBytes, ResponseHeaderRules responseHeaders, Redactor redactor,
                               UpstreamFailureLog failures, ExchangeLog log, ProxyMetrics metrics,
                               int maxRequestsPerConnection, long tunnelIdleTimeoutMillis) {

    public ExchangeSettings {
        requireNonNull(responseHeaders, "responseHeaders");
        requireNonNull(redactor, "redactor");
        requireNonNull(failures, "failures");
        requireNonNull(log, "log");
        requireNonNull(metrics, "metrics");
    }
}

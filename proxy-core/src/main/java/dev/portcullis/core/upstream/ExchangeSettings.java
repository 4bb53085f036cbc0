package dev.portcullis.core.upstream;

import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.http.ResponseHeaderRules;
import dev.portcullis.core.metrics.ProxyMetrics;

import static java.util.Objects.requireNonNull;

/**
 * What every exchange of the proxy shares: built once from the config.
 *
 * @param responseTimeoutMillis {@code upstream.response_timeout}: from the end of the request to the response head
 * @param responseHeaders       applied to each upstream response head before it is relayed
 * @param redactor              the only way a request target or header reaches a log line
 * @param failures              where the upstream's failures are logged
 * @param maxRequestsPerConnection {@code limits.max_requests_per_connection}
 */
public record ExchangeSettings(long responseTimeoutMillis, ResponseHeaderRules responseHeaders, Redactor redactor,
                               UpstreamFailureLog failures, ProxyMetrics metrics, int maxRequestsPerConnection) {

    public ExchangeSettings {
        requireNonNull(responseHeaders, "responseHeaders");
        requireNonNull(redactor, "redactor");
        requireNonNull(failures, "failures");
        requireNonNull(metrics, "metrics");
    }
}

package dev.portcullis.config;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The {@code upstream} section: the one plain-HTTP/1.1 backend.
 *
 * <table>
 *   <caption>upstream keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>url</td><td>http://127.0.0.1:8000</td><td>http://host:port of the backend; no path</td></tr>
 *   <tr><td>connect_timeout</td><td>2s</td><td>TCP connect; then 502</td></tr>
 *   <tr><td>response_timeout</td><td>30s</td><td>until the response head arrives; then 504</td></tr>
 *   <tr><td>max_connections</td><td>256</td><td>pooled keep-alive connections, all event loops together, 1 to 100000</td></tr>
 *   <tr><td>idle_timeout</td><td>60s</td><td>an idle pooled connection is closed after this</td></tr>
 * </table>
 *
 * @param address host and port taken from {@code url}
 */
public record UpstreamConfig(
        HostPort address,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxConnections,
        Duration idleTimeout) {

    public UpstreamConfig {
        requireNonNull(address, "address");
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(responseTimeout, "responseTimeout");
        requireNonNull(idleTimeout, "idleTimeout");
    }
}

package dev.portcullis.config;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The {@code limits} section: bounds on what one client may send.
 *
 * <table>
 *   <caption>limits keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>max_header_size</td><td>16KiB</td><td>all header lines together; above it 431</td></tr>
 *   <tr><td>max_uri_size</td><td>8KiB</td><td>request line; above it 414</td></tr>
 *   <tr><td>max_body_size</td><td>10MiB</td><td>checked as the body streams; above it 413</td></tr>
 *   <tr><td>idle_timeout</td><td>60s</td><td>a client connection with no traffic is closed</td></tr>
 *   <tr><td>max_connection_buffer</td><td>1MiB</td><td>bytes one connection may hold in buffers;
 *       above it, reading from it stops until it holds less than half</td></tr>
 *   <tr><td>max_connections</td><td>10000</td><td>open client connections; beyond, accepted and closed at once</td></tr>
 *   <tr><td>request_header_timeout</td><td>10s</td><td>from a request's first byte to the end of its
 *       headers; above it 408 and close</td></tr>
 *   <tr><td>max_requests_per_connection</td><td>10000</td><td>the last one's response says
 *       {@code Connection: close}</td></tr>
 *   <tr><td>body_timeout</td><td>30s</td><td>longest pause between two reads of a request body;
 *       above it 408 and close</td></tr>
 *   <tr><td>send_timeout</td><td>30s</td><td>longest a response write may wait for the client to
 *       read; above it the connection closes</td></tr>
 * </table>
 * Sizes are at least 1B and below 2GiB, so {@link ByteSize#toIntExact()} never fails.
 */
public record LimitsConfig(
        ByteSize maxHeaderSize,
        ByteSize maxUriSize,
        ByteSize maxBodySize,
        Duration idleTimeout,
        ByteSize maxConnectionBuffer,
        int maxConnections,
        Duration requestHeaderTimeout,
        int maxRequestsPerConnection,
        Duration bodyTimeout,
        Duration sendTimeout) {

    public LimitsConfig {
        requireNonNull(maxHeaderSize, "maxHeaderSize");
        requireNonNull(maxUriSize, "maxUriSize");
        requireNonNull(maxBodySize, "maxBodySize");
        requireNonNull(idleTimeout, "idleTimeout");
        requireNonNull(maxConnectionBuffer, "maxConnectionBuffer");
        requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
        requireNonNull(bodyTimeout, "bodyTimeout");
        requireNonNull(sendTimeout, "sendTimeout");
    }
}

package dev.portcullis.config;

import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * The whole configuration: one immutable snapshot of one YAML file, validated.
 *
 * <table>
 *   <caption>Top-level keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>listen</td><td>0.0.0.0:8443</td><td>address of the mTLS listener</td></tr>
 *   <tr><td>tls</td><td>-</td><td>{@link TlsConfig}</td></tr>
 *   <tr><td>upstream</td><td>-</td><td>{@link UpstreamConfig}</td></tr>
 *   <tr><td>identity</td><td>-</td><td>{@link IdentityConfig}</td></tr>
 *   <tr><td>tokens</td><td>-</td><td>{@link TokensConfig}</td></tr>
 *   <tr><td>response</td><td>-</td><td>{@link ResponseConfig}</td></tr>
 *   <tr><td>limits</td><td>-</td><td>{@link LimitsConfig}</td></tr>
 *   <tr><td>admin</td><td>-</td><td>{@link AdminConfig}</td></tr>
 *   <tr><td>access_log</td><td>stdout</td><td>{@link AccessLogConfig}</td></tr>
 *   <tr><td>shutdown</td><td>-</td><td>{@link ShutdownConfig}</td></tr>
 *   <tr><td>websocket</td><td>-</td><td>{@link WebSocketConfig}</td></tr>
 *   <tr><td>http2</td><td>-</td><td>{@link Http2Config}</td></tr>
 * </table>
 *
 * @param source the file this snapshot was read from (relative paths in it are resolved against
 *               its directory)
 */
public record ProxyConfig(
        HostPort listen,
        TlsConfig tls,
        UpstreamConfig upstream,
        IdentityConfig identity,
        TokensConfig tokens,
        ResponseConfig response,
        LimitsConfig limits,
        AdminConfig admin,
        AccessLogConfig accessLog,
        ShutdownConfig shutdown,
        WebSocketConfig websocket,
        Http2Config http2,
        Path source) {

    public ProxyConfig {
        requireNonNull(listen, "listen");
        requireNonNull(tls, "tls");
        requireNonNull(upstream, "upstream");
        requireNonNull(identity, "identity");
        requireNonNull(tokens, "tokens");
        requireNonNull(response, "response");
        requireNonNull(limits, "limits");
        requireNonNull(admin, "admin");
        requireNonNull(accessLog, "accessLog");
        requireNonNull(shutdown, "shutdown");
        requireNonNull(websocket, "websocket");
        requireNonNull(http2, "http2");
        requireNonNull(source, "source");
    }
}

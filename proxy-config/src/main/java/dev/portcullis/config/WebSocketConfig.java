package dev.portcullis.config;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The {@code websocket} section: WebSocket over an HTTP/1.1 Upgrade (DESIGN.md "WebSocket").
 *
 * @param enabled     a {@code GET} with {@code Upgrade: websocket} is forwarded as an upgrade and the
 *                    connection becomes a byte tunnel after the upstream's 101 (default true); false
 *                    strips Upgrade like any hop-by-hop header
 * @param idleTimeout a tunnel with no byte either way for this long is closed (default 300s)
 */
public record WebSocketConfig(boolean enabled, Duration idleTimeout) {

    public static final WebSocketConfig DEFAULTS = new WebSocketConfig(true, Duration.ofSeconds(300));

    public WebSocketConfig {
        requireNonNull(idleTimeout, "idleTimeout");
    }
}

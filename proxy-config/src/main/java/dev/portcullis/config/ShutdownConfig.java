package dev.portcullis.config;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The {@code shutdown} section.
 *
 * @param drainTimeout how long in-flight exchanges may take to finish after SIGTERM/SIGINT
 *                     (default 30s); connections still busy then are closed
 */
public record ShutdownConfig(Duration drainTimeout) {

    public ShutdownConfig {
        requireNonNull(drainTimeout, "drainTimeout");
    }
}

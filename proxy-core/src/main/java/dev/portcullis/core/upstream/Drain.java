package dev.portcullis.core.upstream;

/**
 * The user event {@code ProxyServer.drain} fires on every open client connection: finish the
 * exchange in flight, answer anything newer with 503 {@code draining}, then close; close at once
 * when idle.
 */
public enum Drain {
    EVENT
}

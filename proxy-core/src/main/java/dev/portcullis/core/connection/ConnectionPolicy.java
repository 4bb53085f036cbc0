package dev.portcullis.core.connection;

/**
 * When a client connection stops taking exchanges, decided in one place: shutdown is draining
 * it, or it reached {@code limits.max_requests_per_connection}. HTTP/1.x expresses "last" as
 * {@code Connection: close} on the response and a 503 {@code draining} for anything newer;
 * HTTP/2 will express the same decisions as GOAWAY and stream limits.
 *
 * <p>Per connection, confined to its event loop.
 */
public final class ConnectionPolicy {

    private final int maxExchanges;
    private int started;
    private boolean draining;

    /** @param maxExchanges {@code limits.max_requests_per_connection} */
    public ConnectionPolicy(int maxExchanges) {
        if (maxExchanges < 1) {
            throw new IllegalArgumentException("maxExchanges: " + maxExchanges);
        }
        this.maxExchanges = maxExchanges;
    }

    /**
     * A new exchange wants to start.
     *
     * @return false when it must be refused (503 {@code draining}): the connection is draining
     */
    public boolean admit() {
        if (draining) {
            return false;
        }
        started++;
        return true;
    }

    /** The exchange being answered is the connection's last: its response ends the connection. */
    public boolean isLast() {
        return draining || started >= maxExchanges;
    }

    /** Shutdown began: the exchange in flight may finish, nothing newer starts. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }
}

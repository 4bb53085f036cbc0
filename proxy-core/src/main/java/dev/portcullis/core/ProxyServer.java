package dev.portcullis.core;

import dev.portcullis.config.ProxyConfig;

import java.net.InetSocketAddress;

/**
 * A running proxy: the mTLS listener, its event loops, the TLS context and the upstream pool.
 * {@link #start} binds; {@link #close} stops accepting, closes every connection and releases the
 * event loops.
 */
public final class ProxyServer implements AutoCloseable {

    private ProxyServer() {
    }

    /**
     * Builds the TLS context from the files the config names and binds the listener.
     *
     * @throws Exception when the TLS material cannot be loaded or the address cannot be bound
     */
    public static ProxyServer start(ProxyConfig config) throws Exception {
        throw new UnsupportedOperationException("TODO");
    }

    /** The bound address of the mTLS listener (the real port when {@code listen} asked for 0). */
    public InetSocketAddress address() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Stops accepting, closes all connections and waits for the event loops to terminate. */
    @Override
    public void close() {
    }
}

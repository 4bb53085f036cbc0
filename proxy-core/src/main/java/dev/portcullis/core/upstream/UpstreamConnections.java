package dev.portcullis.core.upstream;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * Where an exchange gets its upstream connection and gives it back: {@link UpstreamPool} in the
 * proxy; a handful of embedded channels in the forwarding unit tests. Every method is called on
 * the client connection's event loop.
 */
public interface UpstreamConnections {

    /** A parked connection lent at once, or null: the common case, which needs no promise. */
    Channel pollIdle();

    /** A connected upstream channel, lent until {@link #release}. */
    Future<Channel> acquire();

    /**
     * Returns a lent channel; one that is not reusable (the exchange did not end cleanly, or the
     * upstream asked to close) is closed.
     */
    void release(Channel channel, boolean reusable);
}

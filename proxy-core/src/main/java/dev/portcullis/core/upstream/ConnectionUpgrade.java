package dev.portcullis.core.upstream;

import io.netty.channel.ChannelHandler;

/**
 * How a client connection's HTTP stages give way to a WebSocket tunnel. The pipeline assembler
 * implements it, so forwarding never names a handler it did not add.
 *
 * <p>Called on the connection's event loop.
 */
@FunctionalInterface
public interface ConnectionUpgrade {

    /** For pipelines that cannot be upgraded (HTTP/2 streams; unit tests without upgrades). */
    ConnectionUpgrade NONE = tunnelEnd -> {
        throw new IllegalStateException("this connection cannot be upgraded");
    };

    /**
     * An upgrade request was read: what follows it is held undecoded until the answer. Nothing to
     * hold where there is no byte stream to decode.
     */
    default void holdInput() {
    }

    /** The upgrade was refused: what was held is decoded as HTTP. */
    default void resumeInput() {
    }

    /**
     * The upgrade happened: {@code tunnelEnd} takes the place of every HTTP stage, and receives
     * what the decoder held, raw, as it leaves.
     */
    void replaceHttpStages(ChannelHandler tunnelEnd);
}

package dev.portcullis.testing;

import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.ConnectionTls;
import io.netty.channel.Channel;

/**
 * {@link ConnectionContext}s for handler unit tests on an {@code EmbeddedChannel}: what the
 * handshake would have built for that channel.
 */
public final class TestConnections {

    private TestConnections() {
    }

    /** A verified TLSv1.3 connection of {@code identity}, admitted or not by {@code identity.allow}. */
    public static ConnectionContext context(Channel channel, ClientIdentity identity, boolean admitted) {
        return new ConnectionContext(identity, new ConnectionTls("TLSv1.3", "TLS_AES_128_GCM_SHA256", false, admitted),
                "203.0.113.7", new ConnectionRegistry(Integer.MAX_VALUE).open(channel));
    }

    /** An admitted connection of a client without a certificate. */
    public static ConnectionContext anonymous(Channel channel) {
        return context(channel, ClientIdentity.none(), true);
    }
}

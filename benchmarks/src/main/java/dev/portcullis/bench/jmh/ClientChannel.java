package dev.portcullis.bench.jmh;

import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;

/**
 * An {@link EmbeddedChannel} whose peer is an IPv4 client ({@code 203.0.113.7:52344}), as the
 * identity headers and the access log see in production, rather than EmbeddedChannel's
 * {@code "embedded"}.
 */
final class ClientChannel extends EmbeddedChannel {

    private final SocketAddress remote;

    ClientChannel(ChannelHandler... handlers) {
        super(handlers);
        this.remote = client();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    private static InetSocketAddress client() {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 7}), 52344);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are an IPv4 address", e);
        }
    }
}

package dev.portcullis.core.connection;

import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.ConnectionTls;
import dev.portcullis.core.tls.HandshakeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.AttributeKey;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;

/**
 * What one client connection holds and has done. Its buffered bytes are the bytes it holds in
 * Netty buffers right now:
 * <ul>
 *   <li>received bytes not yet decrypted (a partial TLS record) or not yet decoded into HTTP
 *       messages (a partial request head or chunk line), published after each read;</li>
 *   <li>bytes waiting to be written to the client: response bytes not yet encrypted or not yet
 *       taken by the socket (its outbound buffer, read live);</li>
 *   <li>request bytes queued in Portcullis for the upstream (published by forwarding), and those
 *       waiting in the upstream connection's outbound buffer (read live).</li>
 * </ul>
 * Not counted: memory outside Netty buffers (BoringSSL's per-connection state, kernel socket
 * buffers).
 *
 * <p>Written only by the connection's event loop; the fields other threads read are volatile, so
 * that the admin endpoint and the gauges read without a lock and the hot path takes none.
 */
public final class ConnectionStats {

    public static final AttributeKey<ConnectionStats> KEY = AttributeKey.valueOf("portcullis.connection-stats");

    private final long id;
    private final Channel channel;
    private final String remote;
    private final Instant opened;
    private volatile long requests;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile int undecoded;
    private volatile long queuedForUpstream;
    private volatile Channel upstream;
    private volatile long peakBufferedBytes;

    ConnectionStats(long id, Channel channel) {
        this.id = id;
        this.channel = channel;
        this.remote = render(channel.remoteAddress());
        this.opened = Instant.now();
    }

    /** The stats of a client connection, or null for a channel the proxy did not meter. */
    public static ConnectionStats of(Channel channel) {
        return channel.attr(KEY).get();
    }

    public long id() {
        return id;
    }

    /** {@code ip:port}, {@code [ipv6]:port}. */
    public String remote() {
        return remote;
    }

    public void requestStarted() {
        requests = requests + 1;
    }

    void read(long bytes) {
        bytesIn = bytesIn + bytes;
    }

    void wrote(long bytes) {
        bytesOut = bytesOut + bytes;
    }

    void undecoded(int bytes) {
        undecoded = bytes;
    }

    /** Forwarding: request bytes it holds for the upstream now, and the upstream connection in use (or null). */
    public void upstream(long queuedBytes, Channel upstreamChannel) {
        // called on every drain: write (a fence each) only what changed
        if (queuedForUpstream != queuedBytes) {
            queuedForUpstream = queuedBytes;
        }
        if (upstream != upstreamChannel) {
            upstream = upstreamChannel;
        }
    }

    /** Bytes held in buffers now; from any thread. */
    public long bufferedBytes() {
        return undecoded + pending(channel) + queuedForUpstream + pending(upstream);
    }

    /** Records the current figure as a candidate peak and returns it; event loop only. */
    long updatePeak() {
        long now = bufferedBytes();
        if (now > peakBufferedBytes) {
            peakBufferedBytes = now;
        }
        return now;
    }

    public long peakBufferedBytes() {
        return peakBufferedBytes;
    }

    public ConnectionSnapshot snapshot() {
        ConnectionTls tls = channel.attr(HandshakeHandler.TLS).get();
        ClientIdentity identity = channel.attr(HandshakeHandler.IDENTITY).get();
        boolean verified = identity != null && identity.verified();
        return new ConnectionSnapshot(id, remote, opened,
                tls == null ? null : tls.protocol(), tls == null ? null : tls.cipherSuite(),
                tls != null && tls.resumed(),
                verified ? identity.subject() : null, verified ? identity.fingerprint() : null,
                requests, bytesIn, bytesOut, bufferedBytes(), peakBufferedBytes);
    }

    private static long pending(Channel channel) {
        if (channel == null) {
            return 0;
        }
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    /** {@code ip:port}, {@code [ipv6]:port}. */
    public static String render(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String ip = inet.getAddress().getHostAddress();
            return (inet.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}

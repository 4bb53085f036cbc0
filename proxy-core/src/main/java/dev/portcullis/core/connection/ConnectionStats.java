package dev.portcullis.core.connection;

import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.ConnectionTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * What one client connection holds and has done. Its buffered bytes are the bytes it holds in
 * Netty buffers right now:
 * <ul>
 *   <li>received bytes not yet decrypted (a partial TLS record) or not yet decoded into HTTP
 *       messages (a partial request head or chunk line), published after each read;</li>
 *   <li>bytes waiting to be written to the client: response bytes not yet encrypted or not yet
 *       taken by the socket (its outbound buffer, read live);</li>
 *   <li>request bytes queued in Portcullis for the upstream, and those waiting in the upstream
 *       connection's outbound buffer (read live): one {@link UpstreamShare} per exchange channel
 *       (the HTTP/1.1 connection, or each HTTP/2 stream), summed.</li>
 * </ul>
 * Not counted: memory outside Netty buffers (BoringSSL's per-connection state, kernel socket
 * buffers).
 *
 * <p>Written only by the connection's event loop; the fields other threads read are volatile, so
 * that the admin endpoint and the gauges read without a lock and the hot path takes none.
 */
public final class ConnectionStats {

    private final long id;
    private final Channel channel;
    private final String remote;
    private final Instant opened;
    private volatile long requests;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile int undecoded;
    /**
     * Replaced (never changed in place) by the event loop as a stream opens or closes, summed by
     * any thread: an array, so that the budget check after every read and write walks it without
     * an iterator.
     */
    private volatile UpstreamShare[] upstreamShares = new UpstreamShare[0];
    private volatile long peakBufferedBytes;
    /** Set once the handshake is done; null before. */
    private volatile ConnectionContext context;
    /** What the connection speaks since the handshake: {@code HTTP/1.1}, then maybe {@code websocket}; null before. */
    private volatile String http;
    /** Open HTTP/2 streams. */
    private volatile int streams;
    /** What the protocol stage's decoder holds undecoded; event loop only. */
    private IntSupplier decoderPending = () -> 0;

    ConnectionStats(long id, Channel channel) {
        this.id = id;
        this.channel = channel;
        this.remote = render(channel.remoteAddress());
        this.opened = Instant.now();
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

    /** The handshake is done: {@code /connections} may show who the client is. */
    public void verified(ConnectionContext context) {
        this.context = context;
    }

    /** What the connection speaks now, as {@code /connections} shows it. */
    public void http(String protocol) {
        this.http = protocol;
    }

    /** HTTP/2 streams open now. */
    public void streams(int open) {
        this.streams = open;
    }

    /** The protocol stage's decoder, whose undecoded bytes count as buffered; event loop only. */
    public void decoder(IntSupplier pendingBytes) {
        this.decoderPending = pendingBytes;
    }

    int decoderPending() {
        return decoderPending.getAsInt();
    }

    /** What one exchange channel (the connection's forwarding, or one stream's) holds for the upstream. */
    public UpstreamShare upstreamShare() {
        UpstreamShare share = new UpstreamShare();
        UpstreamShare[] shares = Arrays.copyOf(upstreamShares, upstreamShares.length + 1);
        shares[shares.length - 1] = share;
        upstreamShares = shares;
        return share;
    }

    /** Bytes held in buffers now; from any thread. */
    public long bufferedBytes() {
        long upstreamBytes = 0;
        for (UpstreamShare share : upstreamShares) {
            upstreamBytes += share.queued + pending(share.upstream);
        }
        return undecoded + pending(channel) + upstreamBytes;
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
        ConnectionContext verifiedContext = context;
        ConnectionTls tls = verifiedContext == null ? null : verifiedContext.tls();
        ClientIdentity identity = verifiedContext == null ? null : verifiedContext.identity();
        boolean verified = identity != null && identity.verified();
        return new ConnectionSnapshot(id, remote, opened,
                tls == null ? null : tls.protocol(), tls == null ? null : tls.cipherSuite(),
                tls != null && tls.resumed(),
                verified ? identity.subject() : null, verified ? identity.fingerprint() : null,
                requests, bytesIn, bytesOut, bufferedBytes(), peakBufferedBytes, http, streams);
    }

    private static long pending(Channel channel) {
        if (channel == null) {
            return 0;
        }
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    /**
     * Request bytes one exchange channel holds for the upstream, and the upstream connection it
     * uses (whose outbound buffer counts too). Written by the event loop only.
     */
    public final class UpstreamShare {

        private volatile long queued;
        private volatile Channel upstream;

        private UpstreamShare() {
        }

        /** Called on every drain: writes (a fence each) only what changed. */
        public void update(long queuedBytes, Channel upstreamChannel) {
            if (queued != queuedBytes) {
                queued = queuedBytes;
            }
            if (upstream != upstreamChannel) {
                upstream = upstreamChannel;
            }
        }

        /** The exchange channel closed: its bytes no longer count. */
        public void release() {
            UpstreamShare[] shares = upstreamShares;
            for (int i = 0; i < shares.length; i++) {
                if (shares[i] == this) {
                    UpstreamShare[] fewer = new UpstreamShare[shares.length - 1];
                    System.arraycopy(shares, 0, fewer, 0, i);
                    System.arraycopy(shares, i + 1, fewer, i, shares.length - i - 1);
                    upstreamShares = fewer;
                    return;
                }
            }
        }
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

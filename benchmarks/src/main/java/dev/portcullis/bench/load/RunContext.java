package dev.portcullis.bench.load;

import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every connection of one run shares: the target, the TLS context, the pre-encoded request
 * (or, in the WebSocket modes, the upgrade's settings and the message), the stats, and the set of
 * open channels the driver closes at the end. Built once per run; all
 * of it is immutable or thread-safe, so event loops read it without locks.
 */
final class RunContext {

    final Mode mode;
    final Target target;
    final InetSocketAddress address;
    final SslContext ssl;
    final SharedBytes request;
    /** WebSocket modes: the binary message every tunnel sends; null otherwise. */
    final SharedBytes message;
    /** WebSocket modes: how each tunnel's upgrade is made; null otherwise. */
    final WebSocketClientProtocolConfig webSocket;
    final RunStats stats;
    final ChannelGroup channels;
    final long timeoutNanos;
    /** h2 modes: concurrent streams per connection (requests in flight or queued on it); 1 otherwise. */
    final int streams;
    /** Idle mode: counts down once per connection when it is established or has failed. */
    final CountDownLatch idleAttempts;
    /** Idle mode: connections that completed their request and are being held. */
    final AtomicInteger established = new AtomicInteger();

    RunContext(Mode mode, Target target, SslContext ssl, SharedBytes request, SharedBytes message,
               WebSocketClientProtocolConfig webSocket, RunStats stats, ChannelGroup channels, long timeoutNanos,
               int connections, int streams) {
        this.mode = mode;
        this.target = target;
        this.address = target.address();
        this.ssl = ssl;
        this.request = request;
        this.message = message;
        this.webSocket = webSocket;
        this.stats = stats;
        this.channels = channels;
        this.timeoutNanos = timeoutNanos;
        this.streams = streams;
        this.idleAttempts = new CountDownLatch(mode.holdsConnections() ? connections : 0);
    }
}

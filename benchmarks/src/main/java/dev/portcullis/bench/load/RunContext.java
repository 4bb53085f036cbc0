package dev.portcullis.bench.load;

import io.netty.channel.group.ChannelGroup;
import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every connection of one run shares: the target, the TLS context, the pre-encoded request,
 * the stats, and the set of open channels the driver closes at the end. Built once per run; all
 * of it is immutable or thread-safe, so event loops read it without locks.
 */
final class RunContext {

    final Mode mode;
    final Target target;
    final InetSocketAddress address;
    final SslContext ssl;
    final RequestTemplate request;
    final RunStats stats;
    final ChannelGroup channels;
    final long timeoutNanos;
    /** Idle mode: counts down once per connection when it is established or has failed. */
    final CountDownLatch idleAttempts;
    /** Idle mode: connections that completed their request and are being held. */
    final AtomicInteger established = new AtomicInteger();

    RunContext(Mode mode, Target target, SslContext ssl, RequestTemplate request, RunStats stats,
               ChannelGroup channels, long timeoutNanos, int connections) {
        this.mode = mode;
        this.target = target;
        this.address = target.address();
        this.ssl = ssl;
        this.request = request;
        this.stats = stats;
        this.channels = channels;
        this.timeoutNanos = timeoutNanos;
        this.idleAttempts = new CountDownLatch(mode == Mode.IDLE ? connections : 0);
    }
}

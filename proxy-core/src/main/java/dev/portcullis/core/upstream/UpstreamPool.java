package dev.portcullis.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to the upstream, for the client connections of one event loop. Because
 * a client connection and the upstream connections it uses share a loop, the pool needs no lock
 * and data never crosses threads. {@code upstream.max_connections} is split evenly across the
 * loops.
 *
 * <p>Reuse is last-in first-out, so that surplus connections stay idle and age out after
 * {@code upstream.idle_timeout}. When the loop's share is in use, an acquire waits up to
 * {@code connect_timeout} for a connection to come back.
 *
 * <p>Confined to its event loop: every method must be called on it.
 */
public final class UpstreamPool implements UpstreamConnections {

    private static final AttributeKey<Long> IDLE_SINCE = AttributeKey.valueOf("portcullis.upstream.idle-since");

    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final int maxConnections;
    private final long acquireTimeoutMillis;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Promise<Channel>> waiters = new ArrayDeque<>();
    private final long idleTimeoutNanos;
    /** Written by the loop only; volatile so that the gauges read them from the admin thread. */
    private volatile int open;
    private volatile int idleCount;

    UpstreamPool(Bootstrap bootstrap, EventLoop loop, int maxConnections, long acquireTimeoutMillis,
                 long idleTimeoutMillis) {
        this.bootstrap = bootstrap;
        this.loop = loop;
        this.maxConnections = maxConnections;
        this.acquireTimeoutMillis = acquireTimeoutMillis;
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        long sweepMillis = Math.max(1, idleTimeoutMillis / 2);
        loop.scheduleWithFixedDelay(this::closeExpired, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public Future<Channel> acquire() {
        Promise<Channel> promise = loop.newPromise();
        Channel channel = pollIdle();
        if (channel != null) {
            lend(channel, promise);
        } else if (open < maxConnections) {
            connect(promise);
        } else {
            waitFor(promise);
        }
        return promise;
    }

    /** A channel that is not reusable is closed; its slot goes to a waiter. */
    @Override
    public void release(Channel channel, boolean reusable) {
        if (!reusable || !channel.isActive()) {
            channel.close();
            return;
        }
        Promise<Channel> waiter = waiters.poll();
        if (waiter != null) {
            lend(channel, waiter);
        } else {
            park(channel);
        }
    }

    private void park(Channel channel) {
        channel.attr(IDLE_SINCE).set(System.nanoTime());
        idle.addLast(channel);
        idleCount = idle.size();
    }

    /** Connections open or being opened, lent or parked. */
    int openConnections() {
        return open;
    }

    int idleConnections() {
        return idleCount;
    }

    /**
     * Closes connections idle longer than {@code upstream.idle_timeout}. A sweep every half
     * timeout, rather than an idle timer on each connection, keeps the per-request path free of
     * timer bookkeeping. The oldest idle connections sit at the head of the deque.
     */
    private void closeExpired() {
        long now = System.nanoTime();
        for (Channel oldest; (oldest = idle.peekFirst()) != null; ) {
            if (now - oldest.attr(IDLE_SINCE).get() < idleTimeoutNanos) {
                return;
            }
            idle.pollFirst();
            idleCount = idle.size();
            oldest.close();
        }
    }

    @Override
    public Channel pollIdle() {
        try {
            for (Channel channel; (channel = idle.pollLast()) != null; ) {
                if (channel.isActive()) {
                    return channel;
                }
            }
            return null;
        } finally {
            idleCount = idle.size();
        }
    }

    private void lend(Channel channel, Promise<Channel> promise) {
        if (!promise.trySuccess(channel)) {
            park(channel);
        }
    }

    private void connect(Promise<Channel> promise) {
        open++;
        ChannelFuture connect = bootstrap.connect();
        Channel channel = connect.channel();
        channel.closeFuture().addListener(f -> onClosed(channel));
        connect.addListener(f -> {
            if (f.isSuccess()) {
                lend(channel, promise);
            } else {
                promise.tryFailure(f.cause());
            }
        });
    }

    private void waitFor(Promise<Channel> promise) {
        waiters.add(promise);
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            if (waiters.remove(promise)) {
                promise.tryFailure(new ConnectException("all " + maxConnections + " upstream connections of this event loop are busy"));
            }
        }, acquireTimeoutMillis, TimeUnit.MILLISECONDS);
        promise.addListener(f -> timeout.cancel(false));
    }

    private void onClosed(Channel channel) {
        open--;
        idle.remove(channel);
        idleCount = idle.size();
        Promise<Channel> waiter = waiters.poll();
        if (waiter != null) {
            connect(waiter);
        }
    }
}

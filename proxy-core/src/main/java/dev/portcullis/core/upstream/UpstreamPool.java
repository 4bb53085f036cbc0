package dev.portcullis.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
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
public final class UpstreamPool {

    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final int maxConnections;
    private final long acquireTimeoutMillis;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Promise<Channel>> waiters = new ArrayDeque<>();
    private int open;
    private int active;

    UpstreamPool(Bootstrap bootstrap, EventLoop loop, int maxConnections, long acquireTimeoutMillis) {
        this.bootstrap = bootstrap;
        this.loop = loop;
        this.maxConnections = maxConnections;
        this.acquireTimeoutMillis = acquireTimeoutMillis;
    }

    /** A connected upstream channel, lent until {@link #release}. */
    Future<Channel> acquire() {
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

    /**
     * Returns a lent channel. A channel that is not reusable (the exchange did not end cleanly, or
     * the upstream asked to close) is closed; its slot goes to a waiter.
     */
    void release(Channel channel, boolean reusable) {
        active--;
        if (!reusable || !channel.isActive()) {
            channel.close();
            return;
        }
        Promise<Channel> waiter = waiters.poll();
        if (waiter != null) {
            lend(channel, waiter);
        } else {
            idle.addLast(channel);
        }
    }

    /** Connections open to the upstream, idle ones included. */
    public int openConnections() {
        return open;
    }

    /** Connections lent to an exchange right now. */
    public int activeConnections() {
        return active;
    }

    private Channel pollIdle() {
        for (Channel channel; (channel = idle.pollLast()) != null; ) {
            if (channel.isActive()) {
                return channel;
            }
        }
        return null;
    }

    private void lend(Channel channel, Promise<Channel> promise) {
        if (promise.trySuccess(channel)) {
            active++;
        } else {
            idle.addLast(channel);
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
        Promise<Channel> waiter = waiters.poll();
        if (waiter != null) {
            connect(waiter);
        }
    }
}

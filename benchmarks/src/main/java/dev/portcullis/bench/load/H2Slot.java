package dev.portcullis.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection of the h2 modes and its M ({@code --streams}) closed loops
 * ({@link H2Request}s): each request, once its response is complete, is issued again on the
 * slot's current connection. The slot keeps one connection open at a time, and opens the next when
 * that one fails, closes, or announces its end with a GOAWAY (then the requests still due on the
 * old one finish there while new ones go to the new one, so the M loops go on).
 *
 * <p>Pipeline: {@code ssl} (BoringSSL, ALPN {@code h2} offered) → {@code alpn} (checks that the
 * server chose {@code h2}, then gives way to the {@link H2Connection}). In idle mode (h2-idle)
 * every connection completes its M requests, once, and is held.
 *
 * <p>The deadline: the slot checks its requests and the connection it is opening on a timer every
 * {@value #CHECK_FRACTION}th of the timeout (at least every {@value #MIN_CHECK_MILLIS} ms, at most
 * every {@value #MAX_CHECK_MILLIS} ms), so a stream or a connection that misses it fails a little
 * after the deadline, never before. Pinned to one event loop; all its state is confined to it.
 */
final class H2Slot {

    private static final int CHECK_FRACTION = 10;
    private static final long MIN_CHECK_MILLIS = 20;
    private static final long MAX_CHECK_MILLIS = 500;

    private final RunContext run;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final H2Request[] requests;
    /** Requests waiting for a connection (the next one is being opened). */
    private final ArrayDeque<H2Request> waiting;
    private final ChannelFutureListener onConnect = this::connected;
    private final Runnable connect = this::connect;
    private final long checkNanos;
    private ScheduledFuture<?> timer;
    /** The connection taking requests; null while the next one is being opened. */
    private H2Connection current;
    /** The connection being opened (TCP, TLS, the server's SETTINGS); null when none is. */
    private Channel opening;
    private long openingDeadlineNanos;
    private long connectStartNanos;
    private boolean idleReported;

    H2Slot(RunContext run, Bootstrap template, EventLoop loop) {
        this.run = run;
        this.loop = loop;
        this.requests = new H2Request[run.streams];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new H2Request();
        }
        this.waiting = new ArrayDeque<>(run.streams);
        this.checkNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(MIN_CHECK_MILLIS,
                Math.min(MAX_CHECK_MILLIS, TimeUnit.NANOSECONDS.toMillis(run.timeoutNanos) / CHECK_FRACTION)));
        this.bootstrap = template.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                run.channels.add(ch);
                SslHandler ssl = run.ssl.newHandler(ch.alloc(), run.target.connectHost(), run.target.port());
                ssl.setHandshakeTimeoutMillis(0);   // the slot's deadline covers the handshake
                ch.pipeline().addLast("ssl", ssl).addLast("alpn", new Opener(ssl));
            }
        });
    }

    void start() {
        loop.execute(() -> {
            long now = System.nanoTime();
            for (H2Request r : requests) {
                r.reset(now);
                waiting.add(r);
            }
            timer = loop.scheduleWithFixedDelay(this::check, checkNanos, checkNanos, TimeUnit.NANOSECONDS);
            connect();
        });
    }

    // ---- called by the connections -------------------------------------------------------------

    /** The server's SETTINGS arrived: {@code connection} takes the waiting requests. */
    void opened(H2Connection connection) {
        if (opening == connection.channel()) {
            opening = null;
        }
        current = connection;
        if (run.mode.holdsConnections()) {
            for (H2Request r : waiting) {
                r.startNanos = connectStartNanos;   // idle mode: the first requests include the connection's set-up
            }
        }
        for (H2Request r; (r = waiting.poll()) != null; ) {
            connection.issue(r);
        }
    }

    /** A response is complete: the same loop's next request. */
    void next(H2Request r) {
        r.reset(System.nanoTime());
        issue(r);
    }

    /** A request the server never processed (queued, or refused by a GOAWAY): on again as it was. */
    void reissue(H2Request r) {
        r.on = null;
        r.streamId = 0;
        issue(r);
    }

    /** A request that failed (its error is counted): issued anew after the retry delay. */
    void retryLater(H2Request r) {
        r.on = null;
        loop.schedule(() -> next(r), Slot.RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void issue(H2Request r) {
        if (!run.stats.running()) {
            return;
        }
        if (current != null) {
            current.issue(r);
        } else {
            waiting.add(r);
        }
    }

    /** The server sent GOAWAY on {@code connection}: new requests go to a new connection, opened now. */
    void goingAway(H2Connection connection) {
        if (current == connection) {
            current = null;
            connect();
        }
    }

    /** {@code connection} failed and is closing: it takes no more requests ({@link #closed} follows). */
    void detach(H2Connection connection) {
        if (current == connection) {
            current = null;
        }
    }

    /** {@code connection} is closed; {@code left} are the requests it still had, queued or due. */
    void closed(H2Connection connection, boolean failed, List<H2Request> left) {
        long now = System.nanoTime();
        for (H2Request r : left) {
            r.reset(now);
            waiting.add(r);
        }
        if (current == connection) {
            current = null;
        }
        if (opening == connection.channel()) {
            opening = null;
        }
        ended(failed);
    }

    /** Idle mode: the connection completed its requests and is now held. */
    void established() {
        reportIdle(true);
        cancelTimer();
    }

    // ---- connections ---------------------------------------------------------------------------

    private void connect() {
        if (!run.stats.running()) {
            reportIdle(false);
            return;
        }
        if (opening != null) {
            return;
        }
        connectStartNanos = System.nanoTime();
        openingDeadlineNanos = connectStartNanos + run.timeoutNanos;
        ChannelFuture future = bootstrap.connect(run.address);
        opening = future.channel();
        future.addListener(onConnect);
    }

    private void connected(ChannelFuture future) {
        if (!future.isSuccess()) {
            run.stats.error(Failures.kindOf(future.cause()), String.valueOf(future.cause()));
            if (opening == future.channel()) {
                opening = null;
            }
            ended(true);
        }
    }

    /** No connection is taking requests any more, or the one being opened failed: the next one. */
    private void ended(boolean failed) {
        if (run.mode.holdsConnections()) {
            reportIdle(false);   // one attempt per slot: held, or failed (a no-op once held)
            cancelTimer();
            return;
        }
        if (!run.stats.running() || current != null || opening != null) {
            return;
        }
        if (failed) {
            loop.schedule(connect, Slot.RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            connect();
        }
    }

    private void check() {
        if (!run.stats.running()) {
            cancelTimer();
            return;
        }
        long now = System.nanoTime();
        if (opening != null && now - openingDeadlineNanos > 0) {
            H2Connection h2 = opening.pipeline().get(H2Connection.class);
            String detail = "no h2 connection (TCP, TLS handshake, the server's SETTINGS) within the timeout";
            if (h2 != null) {
                h2.fail(Failures.TIMEOUT, detail);
            } else {
                Opener opener = opening.pipeline().get(Opener.class);
                if (opener != null) {
                    opener.fail(Failures.TIMEOUT, detail);
                } else {
                    opening.close();
                }
            }
        }
        for (H2Request r : requests) {
            if (r.on != null && now - r.startNanos - run.timeoutNanos > 0) {
                r.on.fail(Failures.TIMEOUT, "no complete response within the timeout");
            }
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void reportIdle(boolean ok) {
        if (!run.mode.holdsConnections() || idleReported) {
            return;
        }
        idleReported = true;
        if (ok) {
            run.established.incrementAndGet();
        }
        run.idleAttempts.countDown();
    }

    private static boolean resumed(SslHandler ssl) {
        return ssl.engine() instanceof ReferenceCountedOpenSslEngine openSsl && SSL.isSessionReused(openSsl.sslPointer());
    }

    /** Until ALPN is settled: a failed handshake, or a server that did not choose h2, is this connection's error. */
    private final class Opener extends ChannelInboundHandlerAdapter {

        private final SslHandler ssl;
        private ChannelHandlerContext ctx;
        private boolean done;

        Opener(SslHandler ssl) {
            this.ssl = ssl;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent handshake)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            if (!handshake.isSuccess()) {
                fail(Failures.kindOf(handshake.cause()), String.valueOf(handshake.cause()));
                return;
            }
            String protocol = ssl.applicationProtocol();
            if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                fail(Failures.ALPN, "the server chose " + (protocol == null ? "no protocol (ALPN)" : protocol)
                        + ", not h2");
                return;
            }
            run.stats.handshake(System.nanoTime(), resumed(ssl));
            if (run.stats.wantsProtocol()) {
                run.stats.protocol(ssl.engine().getSession().getProtocol());
            }
            done = true;
            ctx.pipeline().replace(this, "h2", H2Connection.create(run, H2Slot.this));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done) {
                fail(Failures.CLOSED, "closed by the server during the handshake");
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(Failures.kindOf(cause), String.valueOf(cause));
        }

        void fail(String kind, String detail) {
            if (done) {
                return;
            }
            done = true;
            if (run.stats.running()) {
                run.stats.error(kind, detail);
            }
            ctx.close();
            if (opening == ctx.channel()) {
                opening = null;
            }
            ended(true);
        }
    }
}

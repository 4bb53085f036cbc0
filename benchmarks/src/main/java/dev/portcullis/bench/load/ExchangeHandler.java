package dev.portcullis.bench.load;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLEngine;
import java.util.concurrent.TimeUnit;

/**
 * Drives one connection of a {@link Slot}: after the handshake it writes the pre-encoded request,
 * reads the response as it streams (counting body bytes and releasing every buffer: nothing is
 * aggregated), records the latency, then sends the next request (keep-alive), closes (handshake
 * and resume) or holds the connection (idle).
 *
 * <p>Sits last, after the {@code SslHandler} and the {@code HttpResponseDecoder}. Stateful: one
 * per connection, confined to its event loop.
 *
 * <p>Latency of a keep-alive request runs from its write to the end of its response; in the
 * connection-per-request modes and the first request of idle mode it runs from the TCP connect,
 * so that it includes the handshake being measured. One deadline per exchange (connect +
 * handshake + request, or one keep-alive request) is enforced by a single timer that re-arms
 * itself rather than being rescheduled per request, as Netty's {@code IdleStateHandler} does.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {

    private enum State {
        /** TCP is up, the TLS handshake is running. */
        HANDSHAKING,
        /** A request is out and its response is not complete. */
        IN_FLIGHT,
        /** Idle mode: the request is done and the connection is held open. */
        HELD,
        /** Nothing more is expected: the driver is closing it, or the run ended. */
        DONE
    }

    private final RunContext run;
    private final Slot slot;
    private final SSLEngine engine;
    private final Runnable checkDeadline = this::checkDeadline;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private State state = State.HANDSHAKING;
    private boolean failed;
    private long requestStartNanos;
    private long deadlineNanos;
    private int status;
    private boolean keepAlive;
    private long bodyBytes;

    ExchangeHandler(RunContext run, Slot slot, SSLEngine engine) {
        this.run = run;
        this.slot = slot;
        this.engine = engine;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadlineNanos = slot.connectStartNanos() + run.timeoutNanos;
        arm(deadlineNanos - System.nanoTime());
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (!handshake.isSuccess()) {
                fail(Failures.kindOf(handshake.cause()), String.valueOf(handshake.cause()));
                return;
            }
            long now = System.nanoTime();
            if (run.mode.connectionPerRequest()) {
                run.stats.handshake(now, resumed());
            }
            if (run.stats.wantsProtocol()) {
                run.stats.protocol(engine.getSession().getProtocol());
            }
            send(run.mode == Mode.KEEPALIVE ? now : slot.connectStartNanos(), now);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** BoringSSL's own answer ({@code SSL_session_reused}): did this handshake resume a session? */
    private boolean resumed() {
        return engine instanceof ReferenceCountedOpenSslEngine openSsl && SSL.isSessionReused(openSsl.sslPointer());
    }

    private void send(long startNanos, long nowNanos) {
        if (!run.stats.running()) {
            state = State.DONE;
            return;
        }
        state = State.IN_FLIGHT;
        requestStartNanos = startNanos;
        if (run.mode == Mode.KEEPALIVE) {
            deadlineNanos = nowNanos + run.timeoutNanos;
        }
        status = 0;
        bodyBytes = 0;
        ctx.writeAndFlush(run.request.next(), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state != State.IN_FLIGHT) {
            ReferenceCountUtil.release(msg);
            fail(Failures.PROTOCOL, "data received while no request was outstanding");
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                fail(Failures.PROTOCOL, String.valueOf(response.decoderResult().cause()));
                return;
            }
            status = response.status().code();
            keepAlive = HttpUtil.isKeepAlive(response);
        }
        if (msg instanceof HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            boolean bad = content.decoderResult().isFailure();
            bodyBytes += content.content().readableBytes();
            content.release();
            if (bad) {
                fail(Failures.PROTOCOL, String.valueOf(content.decoderResult().cause()));
            } else if (last) {
                complete();
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void complete() {
        long now = System.nanoTime();
        if (now - deadlineNanos > 0) {
            // Late, but the timer had not run yet (a busy loop runs I/O before tasks): still a timeout.
            fail(Failures.TIMEOUT, "response completed after the timeout");
            return;
        }
        if (status >= 200 && status < 300) {
            run.stats.success(now, now - requestStartNanos, bodyBytes);
        } else {
            run.stats.error("status_" + status, null);
        }
        switch (run.mode) {
            case KEEPALIVE -> {
                if (keepAlive) {
                    send(now, now);
                } else {
                    state = State.DONE;   // the server ends it: the slot reconnects, no error
                    ctx.close();
                }
            }
            case HANDSHAKE, RESUME -> {
                state = State.DONE;
                ctx.close();
            }
            case IDLE -> {
                state = State.HELD;
                cancelTimer();
                slot.established();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        if (!failed && run.stats.running()) {
            if (state == State.HANDSHAKING || state == State.IN_FLIGHT) {
                failed = true;
                run.stats.error(Failures.CLOSED, "closed by the server " + (state == State.HANDSHAKING
                        ? "during the handshake" : "before the response was complete"));
            } else if (state == State.HELD) {
                failed = true;
                run.stats.error(Failures.CLOSED_IDLE, "the server closed a held connection");
            }
        }
        state = State.DONE;
        slot.ended(failed);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(Failures.kindOf(cause), String.valueOf(cause));
    }

    /** Counts one error for this connection (the first only: the rest are its consequences) and closes it. */
    private void fail(String kind, String detail) {
        if (!failed && state != State.DONE && run.stats.running()) {
            failed = true;
            run.stats.error(kind, detail);
        }
        state = State.DONE;
        ctx.close();
    }

    // ---- the deadline ------------------------------------------------------------------------

    private void arm(long delayNanos) {
        timer = ctx.executor().schedule(checkDeadline, Math.max(delayNanos, 0), TimeUnit.NANOSECONDS);
    }

    private void checkDeadline() {
        timer = null;
        if (state == State.DONE || state == State.HELD || !ctx.channel().isActive()) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            arm(left);
            return;
        }
        fail(Failures.TIMEOUT, state == State.HANDSHAKING ? "no handshake within the timeout"
                : "no complete response within the timeout");
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

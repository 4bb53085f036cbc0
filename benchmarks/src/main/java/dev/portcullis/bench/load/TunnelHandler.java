package dev.portcullis.bench.load;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLEngine;
import java.util.concurrent.TimeUnit;

/**
 * Drives one WebSocket tunnel of a {@link Slot} in the {@code ws-*} modes: once the upgrade is
 * done it sends the run's binary message, waits for its echo, checks that every byte came back
 * unchanged, records the round trip, then sends the next (ws-throughput, ws-roundtrip) or holds
 * the tunnel (ws-idle). One message is in flight per tunnel at a time.
 *
 * <p>Sits last, after the {@code SslHandler}, the HTTP client codec and aggregator (which carry
 * only the upgrade and its {@code 101}, and are then replaced by the frame codec) and Netty's
 * {@code WebSocketClientProtocolHandler} (the handshake, pings, close frames). Stateful: one per
 * connection, confined to its event loop.
 *
 * <p>Latency of a message runs from its write to the end of its echo; in ws-idle the one round
 * trip runs from the TCP connect, so it includes the TLS handshake and the upgrade. The deadline
 * works as in {@link ExchangeHandler}: connect + handshakes + upgrade, then each message's echo,
 * enforced by one timer that re-arms itself.
 */
final class TunnelHandler extends ChannelInboundHandlerAdapter {

    private enum State {
        /** TCP is up; the TLS handshake or the upgrade is running. */
        OPENING,
        /** A message is out and its echo is not back. */
        IN_FLIGHT,
        /** ws-idle: the round trip is done and the tunnel is held open. */
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
    private State state = State.OPENING;
    private boolean failed;
    private long sentNanos;
    private long deadlineNanos;

    TunnelHandler(RunContext run, Slot slot, SSLEngine engine) {
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
            if (run.stats.wantsProtocol()) {
                run.stats.protocol(engine.getSession().getProtocol());
            }
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            long now = System.nanoTime();
            send(run.mode == Mode.WS_IDLE ? slot.connectStartNanos() : now, now);
        } else if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(Failures.TIMEOUT, "no 101 to the upgrade within the timeout");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void send(long startNanos, long nowNanos) {
        if (!run.stats.running()) {
            state = State.DONE;
            return;
        }
        state = State.IN_FLIGHT;
        sentNanos = startNanos;
        deadlineNanos = nowNanos + run.timeoutNanos;
        ctx.writeAndFlush(new BinaryWebSocketFrame(run.message.next()), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (state != State.IN_FLIGHT) {
                fail(Failures.PROTOCOL, "a frame arrived while no message was outstanding: " + msg);
            } else if (!(msg instanceof BinaryWebSocketFrame echo) || !echo.isFinalFragment()) {
                fail(Failures.PROTOCOL, "expected the echo as one binary frame, got " + msg);
            } else if (!ByteBufUtil.equals(echo.content(), run.message.view())) {
                fail(Failures.PROTOCOL, "the echo differs from the message sent (" + echo.content().readableBytes()
                        + " bytes back for " + run.message.length() + ")");
            } else {
                complete();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void complete() {
        long now = System.nanoTime();
        if (now - deadlineNanos > 0) {
            // Late, but the timer had not run yet (a busy loop runs I/O before tasks): still a timeout.
            fail(Failures.TIMEOUT, "echo completed after the timeout");
            return;
        }
        // both directions: the message went through the tunnel and came back
        run.stats.success(now, now - sentNanos, 2L * run.message.length());
        if (run.mode == Mode.WS_IDLE) {
            state = State.HELD;
            cancelTimer();
            slot.established();
        } else {
            send(now, now);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        if (!failed && run.stats.running()) {
            if (state == State.OPENING || state == State.IN_FLIGHT) {
                failed = true;
                run.stats.error(Failures.CLOSED, "closed by the server " + (state == State.OPENING
                        ? "before the tunnel was open" : "before the echo was complete"));
            } else if (state == State.HELD) {
                failed = true;
                run.stats.error(Failures.CLOSED_IDLE, "the server closed a held tunnel");
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

    /** Counts one error for this tunnel (the first only: the rest are its consequences) and closes it. */
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
        fail(Failures.TIMEOUT, state == State.OPENING ? "no tunnel (TLS handshake and 101) within the timeout"
                : "no complete echo within the timeout");
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}

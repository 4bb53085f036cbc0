package dev.portcullis.core.connection;

import dev.portcullis.core.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The first handler of a client connection (the initializer has already registered it in the
 * {@link ConnectionRegistry}, or closed it at {@code limits.max_connections}): deregisters it when
 * it closes, counts the bytes that cross the socket, keeps its {@link ConnectionStats} current
 * and enforces {@code limits.max_connection_buffer}.
 *
 * <p>The budget is checked where the figure grows: after each socket read and each write, and
 * when writability changes. Reading stops one socket read ({@value #MAX_READ_BYTES} bytes, Netty's
 * largest) short of the limit, so that the figure stays under it: the meter fires
 * {@link BufferBudget#EXCEEDED} (forwarding stops reading from the client) and marks the client
 * unwritable (forwarding stops reading the upstream's response). It re-checks every
 * {@value #RECHECK_MILLIS} ms, since a buffer that drains without crossing a water mark raises no
 * event, and undoes both once the connection holds at most half the limit.
 *
 * <p>Per connection, event-loop confined.
 */
public final class ConnectionMeter extends ChannelDuplexHandler {

    static final long RECHECK_MILLIS = 20;
    /** The most one socket read brings in: Netty's adaptive receive buffer stops at 64 KiB. */
    static final long MAX_READ_BYTES = 64 * 1024;
    /** The user-defined writability bit this meter owns. */
    private static final int BUDGET_WRITABILITY_BIT = 1;

    private final ConnectionRegistry registry;
    private final IntSupplier undecrypted;
    private final long pauseAbove;
    private final long resumeAtOrBelow;
    private final ProxyMetrics metrics;
    private final ConnectionStats stats;
    private boolean exceeded;
    private ScheduledFuture<?> recheck;

    /**
     * @param stats     the connection's entry, already {@link ConnectionRegistry#open opened}
     * @param undecrypted bytes read from the socket not yet decrypted; what the protocol stage's
     *                  decoder holds is added through {@link ConnectionStats#decoder}
     */
    public ConnectionMeter(ConnectionRegistry registry, ConnectionStats stats, IntSupplier undecrypted,
                           long maxBufferedBytes, ProxyMetrics metrics) {
        this.registry = registry;
        this.stats = stats;
        this.undecrypted = undecrypted;
        this.pauseAbove = maxBufferedBytes - Math.min(maxBufferedBytes / 2, MAX_READ_BYTES);
        this.resumeAtOrBelow = Math.min(maxBufferedBytes / 2, pauseAbove / 2);
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            stats.read(bytes.readableBytes());
        }
        ctx.fireChannelRead(msg);
        // what this read left undecoded; the read has run through the pipeline by now
        stats.undecoded(undecrypted.getAsInt() + stats.decoderPending());
        check(ctx);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            stats.wrote(bytes.readableBytes());
        }
        ctx.write(msg, promise);
        check(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        check(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (recheck != null) {
            recheck.cancel(false);
        }
        registry.close(stats);
        metrics.connectionClosed(stats.peakBufferedBytes());
        ctx.fireChannelInactive();
    }

    private void check(ChannelHandlerContext ctx) {
        long buffered = stats.updatePeak();
        if (!exceeded && buffered > pauseAbove) {
            exceeded = true;
            setWritable(ctx, false);
            ctx.fireUserEventTriggered(BufferBudget.EXCEEDED);
            scheduleRecheck(ctx);
        } else if (exceeded && buffered <= resumeAtOrBelow) {
            exceeded = false;
            setWritable(ctx, true);
            ctx.fireUserEventTriggered(BufferBudget.RELIEVED);
        }
    }

    private static void setWritable(ChannelHandlerContext ctx, boolean writable) {
        ChannelOutboundBuffer outbound = ctx.channel().unsafe().outboundBuffer();
        if (outbound != null) {
            outbound.setUserDefinedWritability(BUDGET_WRITABILITY_BIT, writable);
        }
    }

    private void scheduleRecheck(ChannelHandlerContext ctx) {
        recheck = ctx.executor().schedule(() -> {
            recheck = null;
            if (ctx.channel().isActive()) {
                check(ctx);
                if (exceeded && recheck == null) {
                    scheduleRecheck(ctx);
                }
            }
        }, RECHECK_MILLIS, TimeUnit.MILLISECONDS);
    }
}

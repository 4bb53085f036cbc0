package dev.portcullis.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.SslHandler;

import java.util.concurrent.TimeUnit;

/**
 * One of the N closed loops: it owns at most one connection at a time and opens the next when
 * that one ends (connection-per-request modes, or a keep-alive connection that failed or was
 * closed). So N slots cap the driver at N concurrent connection attempts.
 *
 * <p>Each slot is pinned to one event loop and all its state is confined to it; slots are spread
 * round-robin over the loops. After a failure the slot waits {@value #RETRY_DELAY_MILLIS} ms
 * before reconnecting, so that a server that is down is not hammered by a spinning loop.
 *
 * <p>Pipeline per connection: {@code ssl} (BoringSSL) → {@code http} (an
 * {@link HttpResponseDecoder}: the request is pre-encoded, so no encoder is needed) →
 * {@code exchange} ({@link ExchangeHandler}). In the WebSocket modes: {@code ssl} → {@code http}
 * (an {@link HttpClientCodec} for the upgrade) → {@code aggregator} (the {@code 101}) →
 * {@code ws} (Netty's {@link WebSocketClientProtocolHandler}: the handshake, then frames; it swaps
 * the HTTP handlers for the frame codec after the {@code 101}) → {@code tunnel}
 * ({@link TunnelHandler}).
 */
final class Slot {

    static final long RETRY_DELAY_MILLIS = 20;
    /** The upgrade's answer is a bodiless 101, or an error page worth reporting: 64 KiB is plenty. */
    private static final int UPGRADE_RESPONSE_LIMIT = 64 * 1024;

    private final RunContext run;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final ChannelFutureListener onConnect = this::connected;
    private final Runnable connect = this::connect;
    private long connectStartNanos;
    private boolean idleReported;

    Slot(RunContext run, Bootstrap template, EventLoop loop) {
        this.run = run;
        this.loop = loop;
        this.bootstrap = template.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                run.channels.add(ch);
                SslHandler ssl = run.ssl.newHandler(ch.alloc(), run.target.connectHost(), run.target.port());
                ssl.setHandshakeTimeoutMillis(0);   // the exchange's (or tunnel's) deadline covers the handshake
                ChannelPipeline pipeline = ch.pipeline().addLast("ssl", ssl);
                if (run.mode.webSocket()) {
                    pipeline.addLast("http", new HttpClientCodec())
                            .addLast("aggregator", new HttpObjectAggregator(UPGRADE_RESPONSE_LIMIT))
                            .addLast("ws", new WebSocketClientProtocolHandler(run.webSocket))
                            .addLast("tunnel", new TunnelHandler(run, Slot.this, ssl.engine()));
                } else {
                    pipeline.addLast("http", new HttpResponseDecoder())
                            .addLast("exchange", new ExchangeHandler(run, Slot.this, ssl.engine()));
                }
            }
        });
    }

    void start() {
        loop.execute(connect);
    }

    /** When the current connection's TCP connect began: connection-per-request latency starts here. */
    long connectStartNanos() {
        return connectStartNanos;
    }

    /** Idle modes: the connection completed its request (or round trip) and is now held. */
    void established() {
        reportIdle(true);
    }

    /** The current connection is gone (closed, failed, or never connected). */
    void ended(boolean failed) {
        if (run.mode.holdsConnections()) {
            reportIdle(false);
            return;
        }
        if (!run.stats.running()) {
            return;
        }
        if (failed) {
            loop.schedule(connect, RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            connect();
        }
    }

    private void connect() {
        if (!run.stats.running()) {
            reportIdle(false);
            return;
        }
        connectStartNanos = System.nanoTime();
        bootstrap.connect(run.address).addListener(onConnect);
    }

    private void connected(ChannelFuture future) {
        if (!future.isSuccess()) {
            run.stats.error(Failures.kindOf(future.cause()), String.valueOf(future.cause()));
            ended(true);
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
}

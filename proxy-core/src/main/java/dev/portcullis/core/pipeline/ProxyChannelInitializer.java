package dev.portcullis.core.pipeline;

import dev.portcullis.config.AccessLogConfig;
import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.connection.ConnectionMeter;
import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.http.ResponseHeaderRules;
import dev.portcullis.core.http.StrictHttpServerCodec;
import dev.portcullis.core.http2.Http2Codec;
import dev.portcullis.core.http2.Http2ConnectionLifecycle;
import dev.portcullis.core.http2.Http2RequestAdapter;
import dev.portcullis.core.http2.Http2RequestGuard;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.observe.AccessLog;
import dev.portcullis.core.observe.ExchangeLog;
import dev.portcullis.core.tls.HandshakeFailureLog;
import dev.portcullis.core.tls.HandshakeHandler;
import dev.portcullis.core.tls.MeteredSslHandler;
import dev.portcullis.core.tls.ServerTls;
import dev.portcullis.core.upstream.ExchangeSettings;
import dev.portcullis.core.upstream.UpstreamConnections;
import dev.portcullis.core.upstream.UpstreamFailureLog;
import dev.portcullis.core.upstream.UpstreamPools;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Assembles a client connection's pipeline, in data order: the connection stages at accept
 * (meter, TLS, handshake), then, once the client is verified, the HTTP/1.1 stages and the
 * {@link ExchangeStages} behind them, or, when ALPN chose {@code h2}, the HTTP/2 stages and the
 * same exchange stages behind each stream. Each stage method adds the handlers of one concern;
 * {@link PipelineNames} lists them all.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<SocketChannel> {

    /** Room for the method, spaces and version around a URI of {@code max_uri_size}. */
    private static final int REQUEST_LINE_SLACK = 64;

    private final ProxyConfig config;
    private final Supplier<ServerTls> tls;
    private final HandshakeFailureLog failureLog;
    private final ProxyMetrics metrics;
    private final ExchangeStages exchangeStages;
    private final UpstreamPools upstreamPools;
    private final ChannelGroup connections;
    private final ConnectionRegistry registry;
    private final HttpDecoderConfig decoderConfig;

    /**
     * @param tls         the current TLS generation; read once per connection, so a reload applies
     *                    to new connections only
     * @param connections every open client connection, so that shutdown can close them
     * @param registry    every open client connection's stats
     */
    public ProxyChannelInitializer(ProxyConfig config, Supplier<ServerTls> tls, HandshakeFailureLog failureLog,
                                   ProxyMetrics metrics, UpstreamPools upstreamPools, ChannelGroup connections,
                                   ConnectionRegistry registry) {
        this.config = config;
        this.tls = tls;
        this.failureLog = failureLog;
        this.metrics = metrics;
        Redactor redactor = Redactor.of(config.tokens());
        AccessLog accessLog = config.accessLog().target() == AccessLogConfig.Target.OFF ? null : new AccessLog(redactor);
        this.exchangeStages = new ExchangeStages(config, new ExchangeSettings(
                config.upstream().responseTimeout().toMillis(), config.limits().bodyTimeout().toMillis(),
                config.limits().sendTimeout().toMillis(), config.limits().maxBodySize().bytes(),
                new ResponseHeaderRules(config.response()), redactor, new UpstreamFailureLog(redactor),
                new ExchangeLog(metrics, accessLog), metrics, config.limits().maxRequestsPerConnection(),
                config.websocket().idleTimeout().toMillis()));
        this.upstreamPools = upstreamPools;
        this.connections = connections;
        this.registry = registry;
        this.decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.limits().maxUriSize().toIntExact() + REQUEST_LINE_SLACK)
                .setMaxHeaderSize(config.limits().maxHeaderSize().toIntExact());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        metrics.connectionOpened();
        ConnectionStats stats = registry.open(ch);
        if (stats == null) {
            // limits.max_connections: closed before a TLS engine (native memory) is built for it
            metrics.connectionRejectedAtLimit();
            ch.close();
            return;
        }
        connections.add(ch);
        addMeterAndTls(ch, ch.pipeline(), stats);
    }

    /**
     * The meter sees the socket's bytes; then TLS: nothing is parsed as HTTP from a client whose
     * chain was not verified, since the HTTP stages exist only after the handshake.
     */
    private void addMeterAndTls(SocketChannel ch, ChannelPipeline pipeline, ConnectionStats stats) {
        ServerTls current = tls.get();
        MeteredSslHandler tlsHandler = current.newHandler(ch.alloc(), config.tls().handshakeTimeout().toMillis());
        pipeline.addLast(PipelineNames.METER, new ConnectionMeter(registry, stats, tlsHandler::pendingBytes,
                config.limits().maxConnectionBuffer().bytes(), metrics));
        pipeline.addLast(PipelineNames.TLS, tlsHandler);
        pipeline.addLast(PipelineNames.HANDSHAKE,
                new HandshakeHandler(current, failureLog, metrics, stats, this::addProtocolStages));
    }

    /** What ALPN chose: {@code h2}, or HTTP/1.1 (also for a client that offered no ALPN). */
    private void addProtocolStages(ChannelPipeline pipeline, ConnectionContext connection) {
        SslHandler tls = pipeline.get(SslHandler.class);
        if (ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
            addHttp2(pipeline, connection);
        } else {
            addHttp1(pipeline, connection);
        }
    }

    /**
     * Streaming HTTP/1.1: no aggregation, so bodies never sit whole in memory. Stricter than
     * Netty's codec: obs-fold is refused, and a request head must arrive within
     * {@code limits.request_header_timeout} (slowloris). Reader idleness only: watching writes
     * too would cost a promise listener on every write; forwarding closes on it only when no
     * exchange is in flight, so a long download to a client that sends nothing is not cut off.
     * Then the exchange stages; a WebSocket upgrade replaces them all with a tunnel
     * ({@link Http1Upgrade}).
     */
    private void addHttp1(ChannelPipeline pipeline, ConnectionContext connection) {
        ExchangeStages.Unit exchanges = exchangeStages.forConnection(connection,
                upstreamPools.forLoop(pipeline.channel().eventLoop()), new Http1Upgrade(pipeline, connection.stats()));
        StrictHttpServerCodec codec = new StrictHttpServerCodec(decoderConfig,
                config.limits().requestHeaderTimeout(), exchanges::answering);
        connection.stats().decoder(codec::pendingBytes);
        connection.stats().http("HTTP/1.1");
        pipeline.addLast(PipelineNames.HTTP_CODEC, codec);
        pipeline.addLast(PipelineNames.IDLE,
                new IdleStateHandler(config.limits().idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        exchanges.accept(pipeline);
    }

    /**
     * HTTP/2: the guarded frame codec ({@link Http2Codec}), reader idleness (the lifecycle ends an
     * idle connection with a GOAWAY), one child channel per stream ({@code Http2MultiplexHandler})
     * and the {@link Http2ConnectionLifecycle}. Each stream's pipeline: the {@link Http2RequestGuard}
     * on the frames, frames to HTTP/1.1 objects, the {@link Http2RequestAdapter}, then the same
     * exchange stages as an HTTP/1.1 connection, forwarding over the connection's pool.
     */
    private void addHttp2(ChannelPipeline pipeline, ConnectionContext connection) {
        UpstreamConnections pool = upstreamPools.forLoop(pipeline.channel().eventLoop());
        Http2Codec codec = Http2Codec.server(config.http2().maxConcurrentStreams(),
                config.limits().maxHeaderSize().toIntExact(), config.shutdown().drainTimeout().toMillis(), metrics);
        Http2ConnectionLifecycle lifecycle = new Http2ConnectionLifecycle(connection.stats(), metrics,
                config.limits().maxRequestsPerConnection());
        connection.stats().decoder(codec::pendingBytes);
        connection.stats().http("HTTP/2.0");
        pipeline.addLast(PipelineNames.HTTP2_CODEC, codec);
        pipeline.addLast(PipelineNames.IDLE,
                new IdleStateHandler(config.limits().idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast(PipelineNames.HTTP2_STREAMS, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                lifecycle.streamOpened(stream);
                ChannelPipeline streamPipeline = stream.pipeline();
                streamPipeline.addLast(PipelineNames.HTTP2_REQUEST_GUARD, new Http2RequestGuard());
                streamPipeline.addLast(PipelineNames.HTTP2_STREAM_CODEC, new Http2StreamFrameToHttpObjectCodec(true, true));
                streamPipeline.addLast(PipelineNames.HTTP2_REQUEST_ADAPTER, new Http2RequestAdapter());
                exchangeStages.forStream(connection, pool).accept(streamPipeline);
            }
        }));
        pipeline.addLast(PipelineNames.HTTP2_LIFECYCLE, lifecycle);
    }
}

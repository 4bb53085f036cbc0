package dev.portcullis.core.pipeline;

import dev.portcullis.config.AccessLogConfig;
import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.connection.ConnectionMeter;
import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.observe.AccessLog;
import dev.portcullis.core.observe.ExchangeRecorder;
import dev.portcullis.core.observe.ExchangeTrace;
import dev.portcullis.core.http.AllowListHandler;
import dev.portcullis.core.http.FramingGuardHandler;
import dev.portcullis.core.http.IdentityHeadersHandler;
import dev.portcullis.core.http.QueryTokenHandler;
import dev.portcullis.core.http.QueryTokens;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.http.RequestHeaderRules;
import dev.portcullis.core.http.ResponseHeaderRules;
import dev.portcullis.core.http.StrictHttpServerCodec;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.tls.HandshakeFailureLog;
import dev.portcullis.core.tls.HandshakeHandler;
import dev.portcullis.core.tls.MeteredSslHandler;
import dev.portcullis.core.tls.ServerTls;
import dev.portcullis.core.upstream.ExchangeSettings;
import dev.portcullis.core.upstream.ForwardingHandler;
import dev.portcullis.core.upstream.UpstreamFailureLog;
import dev.portcullis.core.upstream.UpstreamPools;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Assembles a client connection's pipeline, in data order. Each stage method adds the handlers
 * of one concern; {@link PipelineNames} lists them all.
 */
public final class ProxyChannelInitializer extends ChannelInitializer<SocketChannel> {

    /** Room for the method, spaces and version around a URI of {@code max_uri_size}. */
    private static final int REQUEST_LINE_SLACK = 64;

    private static final AllowListHandler ALLOW_LIST = new AllowListHandler();

    private final ProxyConfig config;
    private final Supplier<ServerTls> tls;
    private final HandshakeFailureLog failureLog;
    private final ProxyMetrics metrics;
    private final IdentityHeadersHandler identityHeaders;
    private final QueryTokens queryTokens;
    private final AccessLog accessLog;
    private final ExchangeSettings exchangeSettings;
    private final UpstreamPools upstreamPools;
    private final HttpDecoderConfig decoderConfig;
    private final ChannelGroup connections;
    private final ConnectionRegistry registry;

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
        this.identityHeaders = new IdentityHeadersHandler(new RequestHeaderRules(config.identity(), config.tokens()));
        this.queryTokens = new QueryTokens(config.tokens().queryParams());
        Redactor redactor = Redactor.of(config.tokens());
        this.accessLog = config.accessLog().target() == AccessLogConfig.Target.OFF ? null : new AccessLog(redactor);
        this.exchangeSettings = new ExchangeSettings(config.upstream().responseTimeout().toMillis(),
                new ResponseHeaderRules(config.response()), redactor, new UpstreamFailureLog(redactor), metrics,
                config.limits().maxRequestsPerConnection());
        this.upstreamPools = upstreamPools;
        this.connections = connections;
        this.registry = registry;
        this.decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.limits().maxUriSize().toIntExact() + REQUEST_LINE_SLACK)
                .setMaxHeaderSize(config.limits().maxHeaderSize().toIntExact());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        ChannelPipeline pipeline = ch.pipeline();
        StrictHttpServerCodec codec = new StrictHttpServerCodec(decoderConfig, config.limits().requestHeaderTimeout());
        addMeterAndTls(ch, pipeline, codec);
        addHttp(pipeline, codec);
        ExchangeTrace trace = addRecorder(pipeline);
        addKeepAlive(pipeline);
        addIdleTimeout(pipeline);
        addRequestRules(pipeline);
        addForwarding(ch, pipeline, trace);
    }

    /**
     * The meter sees the socket's bytes; then TLS: nothing reaches HTTP parsing from a client
     * whose chain was not verified.
     */
    private void addMeterAndTls(SocketChannel ch, ChannelPipeline pipeline, StrictHttpServerCodec codec) {
        ServerTls current = tls.get();
        MeteredSslHandler tlsHandler = current.newHandler(ch.alloc(), config.tls().handshakeTimeout().toMillis());
        // what the connection has read but not yet turned into HTTP messages
        IntSupplier undecoded = () -> tlsHandler.pendingBytes() + codec.pendingBytes();
        pipeline.addLast(PipelineNames.METER, new ConnectionMeter(registry, undecoded,
                config.limits().maxConnectionBuffer().bytes(), metrics));
        pipeline.addLast(PipelineNames.TLS, tlsHandler);
        pipeline.addLast(PipelineNames.HANDSHAKE, new HandshakeHandler(current, failureLog, metrics));
    }

    /**
     * Streaming HTTP/1.1: no aggregation, so bodies never sit whole in memory. Stricter than
     * Netty's codec: obs-fold is refused, and a request head must arrive within
     * {@code limits.request_header_timeout} (slowloris).
     */
    private static void addHttp(ChannelPipeline pipeline, StrictHttpServerCodec codec) {
        pipeline.addLast(PipelineNames.HTTP_CODEC, codec);
    }

    /**
     * Next to the codec, so that it sees each request as the client sent it, before any rule
     * rewrites or refuses it, and every response, the proxy's own included.
     */
    private ExchangeTrace addRecorder(ChannelPipeline pipeline) {
        ExchangeRecorder recorder = new ExchangeRecorder(metrics, accessLog);
        pipeline.addLast(PipelineNames.RECORDER, recorder);
        return recorder;
    }

    private static void addKeepAlive(ChannelPipeline pipeline) {
        pipeline.addLast(PipelineNames.KEEP_ALIVE, new HttpServerKeepAliveHandler());
    }

    /**
     * Reader idleness only: watching writes too would cost a promise listener on every write. The
     * forwarding handler closes on it only when no exchange is in flight, so a long download to a
     * client that sends nothing is not cut off.
     */
    private void addIdleTimeout(ChannelPipeline pipeline) {
        pipeline.addLast(PipelineNames.IDLE,
                new IdleStateHandler(config.limits().idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    }

    /**
     * Framing and limits before anything else looks at a request, then the allow-list and query
     * tokens; 100-continue only after them, so a refused upload is refused before the client
     * sends it.
     */
    private void addRequestRules(ChannelPipeline pipeline) {
        pipeline.addLast(PipelineNames.FRAMING_GUARD, new FramingGuardHandler(
                config.limits().maxUriSize().toIntExact(), config.limits().maxBodySize().bytes()));
        pipeline.addLast(PipelineNames.ALLOW_LIST, ALLOW_LIST);
        if (!config.tokens().queryParams().isEmpty()) {
            pipeline.addLast(PipelineNames.QUERY_TOKENS,
                    new QueryTokenHandler(queryTokens, config.tokens().onQueryToken()));
        }
        pipeline.addLast(PipelineNames.EXPECT_CONTINUE, new HttpServerExpectContinueHandler());
        pipeline.addLast(PipelineNames.IDENTITY_HEADERS, identityHeaders);
    }

    private void addForwarding(SocketChannel ch, ChannelPipeline pipeline, ExchangeTrace trace) {
        pipeline.addLast(PipelineNames.FORWARDING, new ForwardingHandler(
                upstreamPools.forLoop(ch.eventLoop()), exchangeSettings, trace));
    }
}

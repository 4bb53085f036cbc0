package dev.portcullis.core;

import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.pipeline.ProxyChannelInitializer;
import dev.portcullis.core.tls.HandshakeFailureLog;
import dev.portcullis.core.upstream.Drain;
import dev.portcullis.core.tls.ServerTls;
import dev.portcullis.core.tls.SslContexts;
import dev.portcullis.core.upstream.UpstreamPools;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running proxy: the mTLS listener, its event loops, the TLS context and the upstream pool.
 * {@link #start} loads the TLS material and binds; {@link #close} stops accepting, closes every
 * connection and releases the event loops.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(ProxyServer.class);
    /** Bounds what one connection queues toward a slow peer before reading from the other stops. */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    private static final int HANDSHAKE_FAILURE_LINES_PER_SECOND = 10;
    private static final long DRAIN_POLL_MILLIS = 20;

    private final EventLoopGroup group;
    private final Channel listener;
    private final ChannelGroup connections;
    private final ConnectionRegistry registry;
    private volatile boolean ready = true;

    private final AtomicReference<ServerTls> tls;
    private final ScheduledExecutorService tlsScheduler;
    private final TlsReloader reloader;
    private final ProxyMetrics metrics;

    private ProxyServer(EventLoopGroup group, Channel listener, ChannelGroup connections, ConnectionRegistry registry,
                        AtomicReference<ServerTls> tls, ScheduledExecutorService tlsScheduler, TlsReloader reloader,
                        ProxyMetrics metrics) {
        this.group = group;
        this.listener = listener;
        this.connections = connections;
        this.registry = registry;
        this.tls = tls;
        this.tlsScheduler = tlsScheduler;
        this.reloader = reloader;
        this.metrics = metrics;
    }

    /**
     * Builds the TLS context from the files the config names and binds the listener.
     *
     * @throws Exception when the TLS material cannot be loaded or the address cannot be bound
     */
    public static ProxyServer start(ProxyConfig config) throws Exception {
        return start(config, new SimpleMeterRegistry());
    }

    /**
     * As {@link #start(ProxyConfig)}, registering Portcullis's meters in {@code registry}.
     */
    public static ProxyServer start(ProxyConfig config, MeterRegistry registry) throws Exception {
        ScheduledExecutorService tlsScheduler = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("portcullis-tls", true));
        try {
            return start(config, new ProxyMetrics(registry), tlsScheduler);
        } catch (Exception | Error e) {
            tlsScheduler.shutdownNow();
            throw e;
        }
    }

    private static ProxyServer start(ProxyConfig config, ProxyMetrics metrics, ScheduledExecutorService tlsScheduler)
            throws Exception {
        AtomicReference<ServerTls> tls = new AtomicReference<>(
                SslContexts.load(config.tls(), config.identity().allow(), config.http2().enabled(),
                        tlsScheduler));
        metrics.bindTls(tls::get);
        Transport transport = Transport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(eventLoopThreads(),
                new DefaultThreadFactory("portcullis-io"), transport.ioHandlerFactory());
        try {
            ChannelGroup connections = new DefaultChannelGroup("portcullis-connections", GlobalEventExecutor.INSTANCE);
            ConnectionRegistry registry = new ConnectionRegistry(config.limits().maxConnections());
            UpstreamPools pools = new UpstreamPools(group, transport.socketChannel(), config.upstream(), WATER_MARK);
            metrics.bindConnections(registry);
            metrics.bindUpstream(pools::active, pools::idle);
            metrics.bindRuntime(group);
            ProxyChannelInitializer initializer = new ProxyChannelInitializer(config, tls::get,
                    new HandshakeFailureLog(HANDSHAKE_FAILURE_LINES_PER_SECOND), metrics, pools, connections, registry);
            Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(initializer)
                    .bind(config.listen().host(), config.listen().port())
                    .syncUninterruptibly()
                    .channel();
            TlsReloader reloader = new TlsReloader(config, tls, tlsScheduler, metrics);
            reloader.start();
            ProxyServer server = new ProxyServer(group, listener, connections, registry, tls, tlsScheduler, reloader,
                    metrics);
            LOG.debug("bound {} with the {} transport", server.address(), transport.name());
            return server;
        } catch (RuntimeException | Error e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * One event loop per available processor (container-aware), not Netty's default of two: a
     * sidecar shares its CPU quota with the app, and more loops than cores only add switching.
     * {@code -Dio.netty.eventLoopThreads} still overrides it.
     */
    private static int eventLoopThreads() {
        int configured = Integer.getInteger("io.netty.eventLoopThreads", 0);
        return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
    }

    /** The bound address of the mTLS listener (the real port when {@code listen} asked for 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /**
     * Reloads the TLS material and {@code identity.allow} from the config file, as SIGHUP does.
     * Asynchronous; a failure keeps the current material and is logged and counted.
     */
    public void reload() {
        reloader.requestReload();
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    /** The live client connections. */
    public ConnectionRegistry connections() {
        return registry;
    }

    /** The event loops serving client and upstream connections (for their metrics). */
    public EventLoopGroup eventLoops() {
        return group;
    }

    /**
     * True while the TLS context is loaded and the listener is bound and accepting: from the
     * return of {@link #start} until {@link #close} begins.
     */
    public boolean ready() {
        return ready;
    }

    /**
     * The first half of a graceful shutdown (SIGTERM): not ready any more, stop accepting, let
     * each exchange in flight finish (its response says {@code Connection: close}), answer newer
     * requests with 503 {@code draining}, close idle connections at once; wait until every
     * connection is gone or {@code timeout} has passed. {@link #close} then ends what is left.
     *
     * @return how many connections were still open when the wait ended
     */
    public int drain(Duration timeout) {
        ready = false;
        listener.close().syncUninterruptibly();
        for (Channel connection : connections) {
            connection.pipeline().fireUserEventTriggered(Drain.EVENT);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!connections.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(DRAIN_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return connections.size();
    }

    /** Stops accepting, closes all connections and waits for the event loops to terminate. */
    @Override
    public void close() {
        ready = false;
        listener.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        tlsScheduler.shutdownNow();
        tls.get().close();
    }
}

package dev.portcullis.bench.echo;

import dev.portcullis.config.HostPort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The tunnel benchmark's upstream: a WebSocket server that echoes every text, binary and
 * continuation frame back unchanged, on plain TCP, as its own process (started by
 * {@code benchmarks/scripts/bench.py}, like the nginx upstream of the HTTP phases).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.portcullis.bench.echo.EchoUpstream \
 *     --listen 127.0.0.1:24081 [--threads 1]
 * </pre>
 * A request to {@value #PATH} (or below it) that asks for the upgrade gets the {@code 101};
 * every other request gets {@code 200 ok} ({@link PlainOkHandler}), so the same readiness probe
 * works through a proxy. Frames may carry up to {@value #MAX_FRAME_PAYLOAD} bytes. Prints
 * {@code LISTENING host:port} once bound, then runs until killed.
 *
 * <p>Pipeline per connection: {@code http} ({@link HttpServerCodec}) → {@code aggregator} (the
 * upgrade request is bodiless; 8 KiB) → {@code ws} ({@link WebSocketServerProtocolHandler}: the
 * handshake, pings, close frames; after the {@code 101} it swaps the HTTP codec for the frame
 * codec) → {@code echo} ({@link EchoFrameHandler}) → {@code ok} ({@link PlainOkHandler}).
 */
public final class EchoUpstream implements AutoCloseable {

    /** The WebSocket endpoint, and every path below it. */
    public static final String PATH = "/ws";
    /** Largest frame payload accepted and echoed: 16 MiB, far above the benchmark's messages. */
    public static final int MAX_FRAME_PAYLOAD = 16 << 20;

    private static final int MAX_UPGRADE_REQUEST = 8192;

    private final EventLoopGroup group;
    private final Channel server;

    private EchoUpstream(EventLoopGroup group, Channel server) {
        this.group = group;
        this.server = server;
    }

    public static void main(String[] args) throws Exception {
        HostPort listen = null;
        int threads = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--listen" -> listen = HostPort.parse(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> usage("unknown option: " + args[i]);
            }
        }
        if (listen == null || args.length % 2 != 0) {
            usage("--listen HOST:PORT is required");
        }
        EchoUpstream echo = start(new InetSocketAddress(listen.host(), listen.port()), threads);
        Runtime.getRuntime().addShutdownHook(new Thread(echo::close, "echo-shutdown"));
        System.out.println("LISTENING " + listen);
        System.out.flush();
        new CountDownLatch(1).await();   // until the process is killed
    }

    private static void usage(String problem) {
        System.err.println("EchoUpstream: " + problem);
        System.err.println("usage: EchoUpstream --listen HOST:PORT [--threads N (1)]");
        System.exit(2);
    }

    /** Binds {@code listen} (port 0: an ephemeral one) with {@code threads} event loops. */
    public static EchoUpstream start(InetSocketAddress listen, int threads) throws InterruptedException {
        requireNonNull(listen, "listen");
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("echo"), io);
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                .checkStartsWith(true)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(MAX_FRAME_PAYLOAD)
                        .build())
                .build();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregator", new HttpObjectAggregator(MAX_UPGRADE_REQUEST))
                                    .addLast("ws", new WebSocketServerProtocolHandler(ws))
                                    .addLast("echo", new EchoFrameHandler())
                                    .addLast("ok", PlainOkHandler.INSTANCE);
                        }
                    })
                    .bind(listen).sync().channel();
            return new EchoUpstream(group, server);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Where it listens (the actual port when started on port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Closes the listener and every connection. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}

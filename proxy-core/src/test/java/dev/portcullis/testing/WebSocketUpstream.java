package dev.portcullis.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket server as upstream (Netty's own {@code WebSocketServerProtocolHandler}, RFC
 * 6455 handshake and framing) on {@code 127.0.0.1:0}: every text and binary message on
 * {@value #PATH} is echoed; every request head it receives, the upgrade requests included, is
 * recorded with its headers as received; any other path is answered 403 without an upgrade.
 */
public final class WebSocketUpstream implements AutoCloseable {

    public static final String PATH = "/ws";
    /** Big enough for the 1 MiB message tests. */
    private static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final BlockingQueue<RecordingUpstream.RequestHead> requests = new LinkedBlockingQueue<>();
    private final Channel server;

    private WebSocketUpstream() {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new Recorder(),
                                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                        .websocketPath(PATH)
                                        .checkStartsWith(true)
                                        .maxFramePayloadLength(MAX_FRAME_BYTES)
                                        .build()),
                                new Echo(), new Refuse());
                    }
                })
                .bind("127.0.0.1", 0)
                .syncUninterruptibly()
                .channel();
    }

    public static WebSocketUpstream start() {
        return new WebSocketUpstream();
    }

    public String url() {
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        return "http://127.0.0.1:" + address.getPort();
    }

    /** The next request head received (upgrade or not), waiting up to {@code timeout}. */
    public RecordingUpstream.RequestHead takeRequest(Duration timeout) throws InterruptedException {
        RecordingUpstream.RequestHead head = requests.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (head == null) {
            throw new AssertionError("the WebSocket upstream received no request within " + timeout);
        }
        return head;
    }

    public void clearRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Records each request head, then passes the request on untouched. */
    private final class Recorder extends SimpleChannelInboundHandler<FullHttpRequest> {

        Recorder() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            request.headers().forEach(headers::add);
            requests.add(new RecordingUpstream.RequestHead(request.method().name(), request.uri(), headers));
            ctx.fireChannelRead(request);
        }
    }

    /** Echoes every data frame; the protocol handler answers pings and closes. */
    private static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {

        Echo() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            ctx.writeAndFlush(frame);
        }
    }

    /** What reaches this is no upgrade on {@value #PATH}. */
    private static final class Refuse extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.FORBIDDEN, Unpooled.copiedBuffer(new byte[] {'n', 'o'}));
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }
}

package dev.portcullis.app;

import dev.portcullis.core.http.Json;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
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
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The built-in upstream of {@code portcullis demo}: a plain HTTP/1.1 server that answers every
 * request with 200 and a JSON description of it (method, URI, every header as received, body
 * size). It lets a user see at once what the backend gets from Portcullis: the X-Client-* identity
 * headers, X-Forwarded-*, and that spoofed certificate headers are gone.
 *
 * <pre>{@code
 * {
 *   "method": "GET",
 *   "uri": "/hello",
 *   "headers": {
 *     "X-Client-Verify": "SUCCESS",
 *     "X-Repeated": ["a", "b"]
 *   },
 *   "body_bytes": 0
 * }
 * }</pre>
 * A header sent more than once becomes an array, in order. Pipeline: {@link HttpServerCodec}, then
 * {@link HttpObjectAggregator} (1 MiB; larger bodies get its 413), then {@link EchoHandler}.
 * One NIO event loop; this is a dev tool, not a benchmark target.
 */
final class EchoUpstream implements AutoCloseable {

    static final int MAX_BODY_BYTES = 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel serverChannel;

    private EchoUpstream(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /** Binds {@code address} (port 0: any free port) and serves until {@link #close}. */
    static EchoUpstream start(InetSocketAddress address) throws InterruptedException {
        requireNonNull(address, "address");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            EchoHandler handler = new EchoHandler();
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregator", new HttpObjectAggregator(MAX_BODY_BYTES))
                                    .addLast("echo", handler);
                        }
                    })
                    .bind(address)
                    .sync()
                    .channel();
            return new EchoUpstream(group, channel);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Closes the listener and every connection, and waits for the event loop to end. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Renders the request as JSON. Stateless, so one instance serves every connection. */
    @ChannelHandler.Sharable
    static final class EchoHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (request.decoderResult().isFailure()) {
                FullHttpResponse response = response(ctx, HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                        "{\"error\":\"bad_request\"}\n");
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            FullHttpResponse response = response(ctx, request.protocolVersion(), HttpResponseStatus.OK, json(request));
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (!request.protocolVersion().isKeepAliveDefault()) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(response);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static FullHttpResponse response(ChannelHandlerContext ctx, HttpVersion version,
                                                 HttpResponseStatus status, String body) {
            FullHttpResponse response = new DefaultFullHttpResponse(version, status,
                    ByteBufUtil.writeUtf8(ctx.alloc(), body));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            return response;
        }

        static String json(FullHttpRequest request) {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (Map.Entry<String, String> header : request.headers()) {
                headers.computeIfAbsent(header.getKey(), name -> new ArrayList<>()).add(header.getValue());
            }
            StringBuilder json = new StringBuilder(256).append("{\n");
            json.append("  \"method\": ").append(Json.quote(request.method().name())).append(",\n");
            json.append("  \"uri\": ").append(Json.quote(request.uri())).append(",\n");
            json.append("  \"headers\": {");
            String separator = "\n";
            for (Map.Entry<String, List<String>> header : headers.entrySet()) {
                json.append(separator).append("    ").append(Json.quote(header.getKey())).append(": ");
                List<String> values = header.getValue();
                if (values.size() == 1) {
                    json.append(Json.quote(values.get(0)));
                } else {
                    json.append('[');
                    for (int i = 0; i < values.size(); i++) {
                        json.append(i == 0 ? "" : ", ").append(Json.quote(values.get(i)));
                    }
                    json.append(']');
                }
                separator = ",\n";
            }
            json.append(headers.isEmpty() ? "},\n" : "\n  },\n");
            json.append("  \"body_bytes\": ").append(request.content().readableBytes()).append("\n}\n");
            return json.toString();
        }
    }
}

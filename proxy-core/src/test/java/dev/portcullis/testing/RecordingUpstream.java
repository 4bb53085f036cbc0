package dev.portcullis.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * A real HTTP/1.1 upstream on {@code 127.0.0.1:0} (Netty NIO, its own event loops) that records
 * every request it receives and answers according to an {@link UpstreamBehaviour}.
 *
 * <ul>
 *   <li>Header names are recorded exactly as received: case, order and duplicates (Netty's
 *       request decoder keeps them; nothing here normalizes).</li>
 *   <li>Bodies are counted and SHA-256 hashed as they stream; the bytes are kept only up to
 *       {@link #keepBodyUpTo} (64 KiB by default), so a 50 MiB upload costs no memory.</li>
 *   <li>A request is recorded when it is complete, before its response is written, so a test that
 *       has read the response can {@link #takeRequest()} without racing. A request cut off by a
 *       closed connection is recorded with {@code complete() == false}.</li>
 *   <li>Requests on one connection are answered in order; a pipelined request waits for the
 *       previous response.</li>
 *   <li>Every buffer is released: bodies are counted then freed, or handed on to the echo write.</li>
 * </ul>
 *
 * <pre>{@code
 * try (RecordingUpstream upstream = RecordingUpstream.start()) {
 *     upstream.behaviour(UpstreamBehaviour.streamBody(50 * TestBodies.MiB, true));
 *     ... point the proxy at upstream.url() ...
 *     RecordedRequest request = upstream.takeRequest();
 *     assertThat(request.headers("X-Client-DN")).containsExactly("CN=alice,OU=eng,O=Example");
 * }
 * }</pre>
 * Thread-safe: behaviour and recordings may be used from any thread.
 */
public final class RecordingUpstream implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** How long {@link UpstreamBehaviour#raw} waits after its bytes before closing or resetting. */
    public static final long RAW_ENDING_DELAY_MILLIS = 100;
    private static final int STREAM_CHUNK = 16 * 1024;

    /** The request line and headers, as handed to a {@link #route} function. */
    public record RequestHead(String method, String uri, List<Map.Entry<String, String>> headers) {

        public Optional<String> header(String name) {
            return Headers.first(headers, name);
        }
    }

    private final EventLoopGroup group;
    /** Kept to listen again on the same port after {@link #stop()}. */
    private final ServerBootstrap bootstrap;
    private final InetSocketAddress address;
    private volatile Channel serverChannel;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicLong bodyBytesReceived = new AtomicLong();
    private volatile Function<RequestHead, UpstreamBehaviour> router = head -> UpstreamBehaviour.ok();
    private volatile int keepBodyLimit = 64 * 1024;

    private RecordingUpstream() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true) // restart() binds the port again
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            int id = connectionsAccepted.incrementAndGet();
                            channels.add(ch);
                            // Large limits: the upstream must accept whatever the proxy lets through.
                            ch.pipeline().addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                                    .setMaxInitialLineLength(1 << 20)
                                    .setMaxHeaderSize(1 << 20)
                                    .setMaxChunkSize(64 * 1024)));
                            ch.pipeline().addLast("recorder", new RecordingHandler(id, ch.remoteAddress()));
                        }
                    });
            serverChannel = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            address = (InetSocketAddress) serverChannel.localAddress();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Binds {@code 127.0.0.1:0} and answers {@link UpstreamBehaviour#ok()} until told otherwise. */
    public static RecordingUpstream start() {
        try {
            return new RecordingUpstream();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding", e);
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    /** {@code http://127.0.0.1:<port>}, for {@code upstream.url}. */
    public String url() {
        return "http://127.0.0.1:" + address().getPort();
    }

    /** Answers every request from now on with {@code behaviour}. */
    public RecordingUpstream behaviour(UpstreamBehaviour behaviour) {
        requireNonNull(behaviour, "behaviour");
        this.router = head -> behaviour;
        return this;
    }

    /** Chooses a behaviour per request from its head (called on the upstream's event loop). */
    public RecordingUpstream route(Function<RequestHead, UpstreamBehaviour> router) {
        this.router = requireNonNull(router, "router");
        return this;
    }

    /** Keeps request bodies of at most {@code bytes} (larger ones are only counted and hashed). */
    public RecordingUpstream keepBodyUpTo(int bytes) {
        this.keepBodyLimit = bytes;
        return this;
    }

    /** The next recorded request, waiting up to 10 s; fails the test when none arrives. */
    public RecordedRequest takeRequest() throws InterruptedException {
        return takeRequest(DEFAULT_TIMEOUT);
    }

    public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
        RecordedRequest request = pollRequest(timeout);
        if (request == null) {
            throw new AssertionError("the upstream received no request within " + timeout);
        }
        return request;
    }

    /** The next recorded request, or null when none arrives within {@code timeout}. */
    public RecordedRequest pollRequest(Duration timeout) throws InterruptedException {
        return requests.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Removes and returns every request recorded so far (not yet taken). */
    public List<RecordedRequest> drainRequests() {
        List<RecordedRequest> drained = new ArrayList<>();
        requests.drainTo(drained);
        return drained;
    }

    /** Requests recorded since start or {@link #reset()} (taking them does not lower it). */
    public int requestCount() {
        return requestCount.get();
    }

    /** TCP connections accepted since start or {@link #reset()}. */
    public int connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /**
     * Request body bytes received since start or {@link #reset()}, over all requests, including
     * those still streaming in (e.g. to know that an upload has reached the upstream).
     */
    public long bodyBytesReceived() {
        return bodyBytesReceived.get();
    }

    /** Connections open right now. */
    public int activeConnections() {
        return channels.size();
    }

    /** Closes every open connection (e.g. to make the proxy's pooled connections go stale). */
    public void closeConnections() {
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Whether the connection from {@code remote} (a {@link RecordedRequest#remote()}) is still
     * open, e.g. to tell whether the proxy closed the upstream connection of one exchange.
     */
    public boolean connectionOpen(InetSocketAddress remote) {
        requireNonNull(remote, "remote");
        for (Channel channel : channels) {
            if (channel.isActive() && remote.equals(channel.remoteAddress())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Goes away like a stopped upstream process: stops listening and closes every open
     * connection, so that connecting is refused until {@link #restart()}. The event loops,
     * recordings and behaviour stay.
     */
    public void stop() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        closeConnections();
    }

    /**
     * Listens again on the same port after {@link #stop()} (SO_REUSEADDR), retrying for up to
     * 5 s while the port is still held.
     */
    public void restart() throws InterruptedException {
        if (serverChannel.isOpen()) {
            throw new IllegalStateException("the upstream is listening; stop() it first");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            ChannelFuture bind = bootstrap.bind(address).awaitUninterruptibly();
            if (bind.isSuccess()) {
                serverChannel = bind.channel();
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cannot listen on " + address + " again", bind.cause());
            }
            Thread.sleep(50);
        }
    }

    /** Forgets recorded requests and counters and goes back to {@link UpstreamBehaviour#ok()}. */
    public void reset() {
        router = head -> UpstreamBehaviour.ok();
        keepBodyLimit = 64 * 1024;
        requests.clear();
        requestCount.set(0);
        connectionsAccepted.set(0);
        bodyBytesReceived.set(0);
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private void record(RecordedRequest request) {
        requestCount.incrementAndGet();
        requests.add(request);
    }

    /**
     * Records and answers the requests of one connection. Per channel, confined to its event loop.
     * Sits after the {@link HttpServerCodec}; owns every message it reads.
     */
    private final class RecordingHandler extends ChannelInboundHandlerAdapter {

        private final int connectionId;
        private final InetSocketAddress remote;
        private final ArrayDeque<Object> parked = new ArrayDeque<>();
        private int sequence;
        private Exchange current;

        RecordingHandler(int connectionId, InetSocketAddress remote) {
            this.connectionId = connectionId;
            this.remote = remote;
        }

        /** One request and its response. */
        private final class Exchange {
            final RequestHead head;
            final HttpRequest request;
            final boolean keepAlive;
            final UpstreamBehaviour behaviour;
            final MessageDigest digest = TestBodies.newSha256();
            final int keepLimit = keepBodyLimit;
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            long bodyBytes;
            List<Map.Entry<String, String>> trailers = List.of();
            boolean requestDone;
            long streamed;
            boolean streaming;
            /** {@link UpstreamBehaviour#readBodySlowly}: reading is paused until a timer resumes it. */
            boolean paused;

            Exchange(HttpRequest request, RequestHead head, UpstreamBehaviour behaviour) {
                this.request = request;
                this.head = head;
                this.behaviour = behaviour;
                this.keepAlive = HttpUtil.isKeepAlive(request);
            }

            void consume(ByteBuf buf) {
                int length = buf.readableBytes();
                for (ByteBuffer nio : buf.nioBuffers()) {
                    digest.update(nio);
                }
                if (kept != null && bodyBytes + length <= keepLimit) {
                    try {
                        buf.getBytes(buf.readerIndex(), kept, length);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                } else {
                    kept = null;
                }
                bodyBytes += length;
                bodyBytesReceived.addAndGet(length);
            }

            RecordedRequest toRecord(boolean complete, String failure) {
                return new RecordedRequest(connectionId, sequence, remote, head.method(), head.uri(),
                        request.protocolVersion().text(), head.headers(), bodyBytes,
                        kept == null ? null : kept.toByteArray(), TestBodies.hex(digest), trailers, complete, failure);
            }

            boolean isHead() {
                return HttpMethod.HEAD.equals(request.method());
            }
        }

        private boolean busy() {
            return current != null && current.requestDone;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (busy() || !parked.isEmpty()) {
                parked.add(msg); // pipelined: answered after the response in progress
                return;
            }
            handle(ctx, msg);
        }

        private void handle(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    if (request.decoderResult().isFailure()) {
                        rejectUndecodable(ctx, request, request.decoderResult().cause());
                        return;
                    }
                    onRequestHead(ctx, request);
                }
                if (msg instanceof HttpContent content && current != null && !current.requestDone) {
                    if (content.decoderResult().isFailure()) {
                        rejectUndecodable(ctx, current.request, content.decoderResult().cause());
                        return;
                    }
                    onContent(ctx, content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onRequestHead(ChannelHandlerContext ctx, HttpRequest request) {
            sequence++;
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            request.headers().iteratorCharSequence().forEachRemaining(
                    e -> headers.add(new SimpleImmutableEntry<>(e.getKey().toString(), e.getValue().toString())));
            RequestHead head = new RequestHead(request.method().name(), request.uri(), List.copyOf(headers));
            UpstreamBehaviour behaviour;
            try {
                behaviour = requireNonNull(router.apply(head), "route returned null");
            } catch (RuntimeException e) {
                behaviour = UpstreamBehaviour.respond(UpstreamBehaviour.Response.of(500, "text/plain", "route failed: " + e));
            }
            current = new Exchange(request, head, behaviour);
            if (behaviour.kind == UpstreamBehaviour.Kind.ECHO) {
                HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
                if (HttpUtil.isContentLengthSet(request)) {
                    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, HttpUtil.getContentLength(request));
                } else {
                    response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
                closeIfLast(response);
                ctx.writeAndFlush(response);
            }
        }

        private void onContent(ChannelHandlerContext ctx, HttpContent content) {
            Exchange exchange = current;
            exchange.consume(content.content());
            boolean echo = exchange.behaviour.kind == UpstreamBehaviour.Kind.ECHO;
            if (content instanceof LastHttpContent last) {
                List<Map.Entry<String, String>> trailers = new ArrayList<>();
                last.trailingHeaders().iteratorCharSequence().forEachRemaining(
                        e -> trailers.add(new SimpleImmutableEntry<>(e.getKey().toString(), e.getValue().toString())));
                exchange.trailers = List.copyOf(trailers);
                exchange.requestDone = true;
                ctx.channel().config().setAutoRead(false);
                record(exchange.toRecord(true, null));
                if (echo) {
                    ctx.writeAndFlush(new DefaultLastHttpContent(content.content().retain()))
                            .addListener(f -> exchangeDone(ctx, exchange, f.isSuccess()));
                } else {
                    act(ctx, exchange, exchange.behaviour);
                }
            } else if (echo) {
                ctx.writeAndFlush(new DefaultHttpContent(content.content().retain()));
                if (!ctx.channel().isWritable()) {
                    ctx.channel().config().setAutoRead(false); // resumed in channelWritabilityChanged
                }
            } else if (exchange.behaviour.kind == UpstreamBehaviour.Kind.SLOW_BODY) {
                pauseReading(ctx, exchange);
            }
        }

        /** One socket read, then a pause: the body arrives as slowly as {@link UpstreamBehaviour#readBodySlowly} says. */
        private void pauseReading(ChannelHandlerContext ctx, Exchange exchange) {
            if (exchange.paused) {
                return; // several chunks of one socket read
            }
            exchange.paused = true;
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> {
                exchange.paused = false;
                // also how a closed connection is noticed: a channel that does not read sees no EOF
                if (current == exchange && !exchange.requestDone && ctx.channel().isActive()) {
                    ctx.channel().config().setAutoRead(true);
                }
            }, exchange.behaviour.delay.toNanos(), TimeUnit.NANOSECONDS);
        }

        private void act(ChannelHandlerContext ctx, Exchange exchange, UpstreamBehaviour behaviour) {
            if (!ctx.channel().isActive() || current != exchange) {
                return;
            }
            switch (behaviour.kind) {
                case RESPOND -> respond(ctx, exchange, behaviour);
                case STREAM_BODY -> startStream(ctx, exchange, behaviour);
                case DELAY -> ctx.executor().schedule(() -> act(ctx, exchange, behaviour.then),
                        behaviour.delay.toNanos(), TimeUnit.NANOSECONDS);
                case CLOSE -> ctx.close();
                case RESET -> {
                    ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                    ctx.close();
                }
                case RAW -> writeRaw(ctx, exchange, behaviour);
                case SLOW_BODY -> act(ctx, exchange, behaviour.then);
                case ECHO -> throw new IllegalStateException("echo is handled while the body streams");
                default -> throw new IllegalStateException(behaviour.toString());
            }
        }

        /** {@link UpstreamBehaviour#raw}: the bytes as they are, then the ending. */
        private void writeRaw(ChannelHandlerContext ctx, Exchange exchange, UpstreamBehaviour behaviour) {
            // written from the codec's place in the pipeline, so that its encoder never sees them
            ChannelHandlerContext codec = ctx.pipeline().context("codec");
            codec.writeAndFlush(Unpooled.wrappedBuffer(behaviour.raw)).addListener(f -> {
                if (behaviour.ending == UpstreamBehaviour.Ending.STAY_OPEN) {
                    exchangeDone(ctx, exchange, f.isSuccess()); // then the next request, as usual
                    return;
                }
                ctx.executor().schedule(() -> {
                    if (behaviour.ending == UpstreamBehaviour.Ending.RESET && ctx.channel().isActive()) {
                        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                    }
                    ctx.close();
                }, RAW_ENDING_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            });
        }

        private void respond(ChannelHandlerContext ctx, Exchange exchange, UpstreamBehaviour behaviour) {
            UpstreamBehaviour.Response r;
            try {
                r = behaviour.responder.apply(exchange.toRecord(true, null));
            } catch (RuntimeException e) {
                r = UpstreamBehaviour.Response.of(500, "text/plain", "responder failed: " + e);
            }
            ByteBuf body = exchange.isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body());
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(r.status()), body,
                    DefaultHttpHeadersFactory.headersFactory().withValidation(false),
                    DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
            for (Map.Entry<String, String> header : r.headers()) {
                response.headers().add(header.getKey(), header.getValue());
            }
            HttpHeaders headers = response.headers();
            if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
            }
            boolean keepAlive = closeIfLast(response);
            ctx.writeAndFlush(response).addListener(f -> exchangeDone(ctx, exchange, f.isSuccess() && keepAlive));
        }

        private void startStream(ChannelHandlerContext ctx, Exchange exchange, UpstreamBehaviour behaviour) {
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            if (behaviour.chunked) {
                response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, behaviour.size);
            }
            closeIfLast(response);
            ctx.write(response);
            exchange.streaming = true;
            writeMore(ctx);
        }

        /** Writes pattern chunks while the channel is writable; resumed by channelWritabilityChanged. */
        private void writeMore(ChannelHandlerContext ctx) {
            Exchange exchange = current;
            if (exchange == null || !exchange.streaming || !ctx.channel().isActive()) {
                return;
            }
            long size = exchange.isHead() ? 0 : exchange.behaviour.size;
            while (exchange.streamed < size && ctx.channel().isWritable()) {
                int n = (int) Math.min(STREAM_CHUNK, size - exchange.streamed);
                ByteBuf chunk = ctx.alloc().buffer(n);
                TestBodies.fill(chunk, exchange.streamed, n);
                exchange.streamed += n;
                ctx.write(new DefaultHttpContent(chunk));
            }
            if (exchange.streamed == size) {
                exchange.streaming = false;
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                        .addListener(f -> exchangeDone(ctx, exchange, f.isSuccess() && exchange.keepAlive));
            } else {
                ctx.flush();
            }
        }

        /** Marks a response {@code Connection: close} when the request was the last; returns keep-alive. */
        private boolean closeIfLast(HttpResponse response) {
            boolean keepAlive = current.keepAlive
                    && !response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            return keepAlive;
        }

        private void exchangeDone(ChannelHandlerContext ctx, Exchange exchange, boolean keepAlive) {
            if (current != exchange) {
                return;
            }
            if (!keepAlive || !exchange.keepAlive) {
                ctx.close();
                return;
            }
            current = null;
            while (!parked.isEmpty() && !busy()) {
                handle(ctx, parked.poll());
            }
            if (!busy()) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        private void rejectUndecodable(ChannelHandlerContext ctx, HttpRequest request, Throwable cause) {
            if (current == null || current.request != request) {
                sequence++;
                current = new Exchange(request, new RequestHead(request.method().name(), request.uri(), List.of()),
                        UpstreamBehaviour.closeWithoutResponse());
            }
            current.requestDone = true;
            record(current.toRecord(false, String.valueOf(cause)));
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Exchange exchange = current;
            if (ctx.channel().isWritable() && exchange != null) {
                if (exchange.streaming) {
                    writeMore(ctx);
                } else if (exchange.behaviour.kind == UpstreamBehaviour.Kind.ECHO && !exchange.requestDone) {
                    ctx.channel().config().setAutoRead(true);
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (current != null && !current.requestDone) {
                current.requestDone = true;
                record(current.toRecord(false, null));
            }
            current = null;
            releaseParked();
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            releaseParked();
        }

        private void releaseParked() {
            for (Object msg; (msg = parked.poll()) != null; ) {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // resets by the proxy are part of the tests; nothing to report
        }
    }
}

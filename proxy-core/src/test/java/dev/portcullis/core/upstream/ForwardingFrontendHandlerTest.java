package dev.portcullis.core.upstream;

import dev.portcullis.config.ResponseConfig;
import dev.portcullis.config.TokensConfig;
import dev.portcullis.core.connection.BufferBudget;
import dev.portcullis.core.connection.LingeringCloseHandler;
import dev.portcullis.core.exchange.ExchangeStartHandler;
import dev.portcullis.core.http.FramingGuardHandler;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.http.ResponseHeaderRules;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.observe.ExchangeLog;
import dev.portcullis.testing.TestConnections;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The frontend half of forwarding on an {@link EmbeddedChannel}, with embedded upstream
 * connections in place of the pool's sockets and the clock frozen. One row per behaviour: what
 * the client and the upstream do, then what the client must have received, whether its
 * connection is still open, and what became of the upstream connections.
 */
class ForwardingFrontendHandlerTest {

    private static final long RESPONSE_TIMEOUT_MILLIS = 1_000;
    private static final long BODY_TIMEOUT_MILLIS = 2_000;
    private static final long SEND_TIMEOUT_MILLIS = 3_000;
    private static final long TUNNEL_IDLE_TIMEOUT_MILLIS = 60_000;
    private static final int MAX_BODY_BYTES = 100;
    /** {@code max_requests_per_connection} where the row is not about it. */
    private static final int MANY = 10_000;

    private Harness harness;

    @AfterEach
    void release() {
        if (harness != null) {
            harness.close();
        }
    }

    /**
     * @param statuses       the responses the client received, in order
     * @param clientOpen     whether the client connection is still open at the end (after a lingering close ran out)
     * @param lingering      whether it was closing through a lingering close
     * @param upstreamReuses the upstream connections given back to the pool as reusable, in order
     */
    record Row(String name, int maxRequests, Consumer<Harness> script, List<Integer> statuses, boolean clientOpen,
               boolean lingering, List<Boolean> upstreamReuses) {

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row("keep-alive GET over one pooled connection", MANY, h -> {
                    h.get("/a");
                    h.respond(h.upstream(0), 200, "a");
                }, List.of(200), true, false, List.of(true)),

                new Row("pipelined requests are answered in order, the second sent only after the first", MANY, h -> {
                    h.get("/a");
                    h.get("/b");
                    assertThat(h.upstreams.lent).as("the second waits for the first's response").hasSize(1);
                    h.respond(h.upstream(0), 200, "a");
                    assertThat(h.requestUri(h.upstream(0), 1)).isEqualTo("/b");
                    h.respond(h.upstream(0), 201, "b");
                }, List.of(200, 201), true, false, List.of(true, true)),

                new Row("a stale pooled connection is retried once for a safe request", MANY, h -> {
                    h.get("/a");
                    h.respond(h.upstream(0), 200, "a");
                    h.get("/b");
                    h.upstream(0).close();
                    assertThat(h.upstreams.lent).as("a new connection carries the retry").hasSize(2);
                    assertThat(h.requestUri(h.upstream(1), 0)).isEqualTo("/b");
                    h.respond(h.upstream(1), 200, "b");
                }, List.of(200, 200), true, false, List.of(true, false, true)),

                new Row("a POST on a stale pooled connection is not retried: 502", MANY, h -> {
                    h.get("/a");
                    h.respond(h.upstream(0), 200, "a");
                    h.post("/b", 2, "hi");
                    h.upstream(0).close();
                }, List.of(200, 502), true, false, List.of(true, false)),

                new Row("an upstream answer before the upload ended closes with a lingering close", MANY, h -> {
                    h.post("/upload", 10, "12345");
                    h.respond(h.upstream(0), 401, "no");
                }, List.of(401), false, true, List.of(false)),

                new Row("413 from Content-Length with the body behind it closes with a lingering close", MANY, h -> {
                    h.post("/upload", MAX_BODY_BYTES + 1, "12345");
                    assertThat(h.upstreams.lent).as("never forwarded").isEmpty();
                }, List.of(413), false, true, List.of()),

                new Row("drain: the exchange in flight finishes with Connection: close, a pipelined one gets 503", MANY, h -> {
                    h.get("/a");
                    h.get("/b");
                    h.client.pipeline().fireUserEventTriggered(Drain.EVENT);
                    h.respond(h.upstream(0), 200, "a");
                    assertThat(h.header(0, "connection")).isEqualTo("close");
                }, List.of(200), false, false, List.of(true)),

                new Row("drain: an idle connection closes at once", MANY, h -> {
                    h.get("/a");
                    h.respond(h.upstream(0), 200, "a");
                    h.client.pipeline().fireUserEventTriggered(Drain.EVENT);
                }, List.of(200), false, false, List.of(true)),

                new Row("the last request of max_requests_per_connection says Connection: close", 2, h -> {
                    h.get("/a");
                    h.respond(h.upstream(0), 200, "a");
                    h.get("/b");
                    h.respond(h.upstream(0), 200, "b");
                    assertThat(h.header(0, "connection")).isNull();
                    assertThat(h.header(1, "connection")).isEqualTo("close");
                }, List.of(200, 200), false, false, List.of(true, true)),

                new Row("response_timeout: 504 and the upstream connection is not reused", MANY, h -> {
                    h.get("/slow");
                    h.advance(RESPONSE_TIMEOUT_MILLIS);
                }, List.of(504), true, false, List.of(false)),

                new Row("response_timeout runs from the end of each request, not from the connection's first", MANY, h -> {
                    h.get("/a");
                    h.advance(RESPONSE_TIMEOUT_MILLIS - 100);
                    h.respond(h.upstream(0), 200, "a");
                    h.get("/b");
                    h.advance(RESPONSE_TIMEOUT_MILLIS - 100);
                    assertThat(h.statuses()).as("900 ms after its own request, 1800 ms after the first").hasSize(1);
                    h.respond(h.upstream(0), 200, "b");
                    h.get("/never");
                    h.advance(RESPONSE_TIMEOUT_MILLIS);
                }, List.of(200, 200, 504), true, false, List.of(true, true, false)),

                new Row("body_timeout: a stalled upload gets 408, the upstream exchange is aborted", MANY, h -> {
                    h.post("/upload", 10, "12345");
                    h.advance(BODY_TIMEOUT_MILLIS - 1);
                    assertThat(h.statuses()).as("not yet").isEmpty();
                    h.body("678", false);
                    h.advance(BODY_TIMEOUT_MILLIS - 1);
                    assertThat(h.statuses()).as("each read restarts the timeout").isEmpty();
                    h.advance(1);
                }, List.of(408), false, true, List.of(false)),

                new Row("send_timeout: a client that stops reading is closed, the upstream exchange aborted", MANY, h -> {
                    h.get("/download");
                    h.respondHead(h.upstream(0), 200, 1_000_000);
                    h.setClientWritable(false);
                    h.advance(SEND_TIMEOUT_MILLIS - 1);
                    assertThat(h.client.isOpen()).isTrue();
                    h.advance(1);
                }, List.of(200), false, false, List.of(false)),

                new Row("send_timeout does not run while the connection is over its buffer budget", MANY, h -> {
                    h.get("/download");
                    h.respondHead(h.upstream(0), 200, 1_000_000);
                    h.client.pipeline().fireUserEventTriggered(BufferBudget.EXCEEDED);
                    h.setClientWritable(false);
                    h.advance(2 * SEND_TIMEOUT_MILLIS);
                    assertThat(h.client.isOpen()).as("the meter's own unwritability is no fault of the client").isTrue();
                    h.client.pipeline().fireUserEventTriggered(BufferBudget.RELIEVED);
                    h.advance(SEND_TIMEOUT_MILLIS);
                }, List.of(200), false, false, List.of(false)),

                new Row("a pipelined Expect: 100-continue is answered only once its request is the current one", MANY, h -> {
                    h.get("/a");
                    h.respondHead(h.upstream(0), 200, 5);
                    h.send(h.request(HttpMethod.POST, "/b", "Content-Length", "2", "Expect", "100-continue"));
                    assertThat(h.statuses()).as("no 100 in the middle of the first response").containsExactly(200);
                    h.upstream(0).writeInbound(new DefaultLastHttpContent(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII)));
                    assertThat(h.statuses()).containsExactly(200, 100);
                    h.body("hi", true);
                    assertThat(h.requestHeader(h.upstream(0), 1, "expect")).as("answered here, never forwarded").isNull();
                    h.respond(h.upstream(0), 200, "b");
                }, List.of(200, 100, 200), true, false, List.of(true, true)),

                new Row("HTTP/1.0 keep-alive is answered in kind when the length is known", MANY, h -> {
                    h.send(h.request(HttpVersion.HTTP_1_0, HttpMethod.GET, "/a", "Connection", "keep-alive"), LastHttpContent.EMPTY_LAST_CONTENT);
                    h.respond(h.upstream(0), 200, "a");
                    assertThat(h.header(0, "connection")).isEqualTo("keep-alive");
                }, List.of(200), true, false, List.of(true)),

                new Row("HTTP/1.0 without keep-alive gets Connection: close", MANY, h -> {
                    h.send(h.request(HttpVersion.HTTP_1_0, HttpMethod.GET, "/a"), LastHttpContent.EMPTY_LAST_CONTENT);
                    h.respond(h.upstream(0), 200, "a");
                    assertThat(h.header(0, "connection")).isEqualTo("close");
                }, List.of(200), false, false, List.of(true)),

                new Row("a chunked answer to HTTP/1.0 is de-chunked and the connection closes after it", MANY, h -> {
                    h.send(h.request(HttpVersion.HTTP_1_0, HttpMethod.GET, "/a", "Connection", "keep-alive"), LastHttpContent.EMPTY_LAST_CONTENT);
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
                    h.upstream(0).writeInbound(head, new DefaultLastHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)));
                    assertThat(h.header(0, "transfer-encoding")).as("RFC 9112 §6.1").isNull();
                    assertThat(h.header(0, "connection")).isEqualTo("close");
                }, List.of(200), false, false, List.of(true)),

                new Row("an HTTP/1.1 answer of unknown length is chunked rather than close-delimited", MANY, h -> {
                    h.get("/a");
                    h.upstream(0).writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK),
                            new DefaultLastHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)));
                    assertThat(h.header(0, "transfer-encoding")).isEqualTo("chunked");
                }, List.of(200), true, false, List.of(true)),

                new Row("response trailers are dropped for HTTP/1.x clients", MANY, h -> {
                    h.get("/a");
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
                    LastHttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
                    last.trailingHeaders().set("X-Trailer", "secret");
                    h.upstream(0).writeInbound(head, last);
                    assertThat(h.lastTrailers()).isEmpty();
                }, List.of(200), true, false, List.of(true)),

                new Row("more pipelined requests than may wait: the first one over gets 400 in its turn", MANY, h -> {
                    h.get("/first");
                    for (int i = 0; i <= ForwardingFrontendHandler.MAX_PIPELINED_EXCHANGES; i++) {
                        h.get("/p" + i);
                    }
                    h.respond(h.upstream(0), 200, "first");
                    for (int i = 0; i < ForwardingFrontendHandler.MAX_PIPELINED_EXCHANGES; i++) {
                        h.respond(h.upstream(0), 200, "p");
                    }
                    assertThat(h.statuses()).hasSize(ForwardingFrontendHandler.MAX_PIPELINED_EXCHANGES + 2);
                    assertThat(h.statuses().get(h.statuses().size() - 1)).isEqualTo(400);
                }, null, false, false, null)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void forwards(Row row) {
        harness = new Harness(row.maxRequests());
        row.script().accept(harness);

        if (row.statuses() != null) {
            assertThat(harness.statuses()).as("responses the client received").isEqualTo(row.statuses());
        }
        boolean lingering = harness.client.pipeline().get(LingeringCloseHandler.NAME) != null;
        assertThat(lingering).as("lingering close").isEqualTo(row.lingering());
        if (lingering) {
            assertThat(harness.client.isOpen()).as("lingering: still reading what the client sends").isTrue();
            harness.body("late bytes are discarded", false);
            harness.advance(TimeUnit.SECONDS.toMillis(5));
        }
        assertThat(harness.client.isOpen()).as("client connection open").isEqualTo(row.clientOpen());
        if (row.upstreamReuses() != null) {
            assertThat(harness.upstreams.released).as("upstream connections given back reusable (true) or closed")
                    .isEqualTo(row.upstreamReuses());
        }
    }

    /** One client connection, its frontend, and the upstream connections lent to it. */
    static final class Harness implements AutoCloseable {

        final EmbeddedChannel client = new EmbeddedChannel();
        final Upstreams upstreams = new Upstreams();
        private final List<HttpObject> received = new ArrayList<>();

        Harness(int maxRequests) {
            client.freezeTime();
            ProxyMetrics metrics = new ProxyMetrics(new SimpleMeterRegistry());
            Redactor redactor = Redactor.of(TokensConfig.DEFAULTS);
            ExchangeSettings settings = new ExchangeSettings(RESPONSE_TIMEOUT_MILLIS, BODY_TIMEOUT_MILLIS,
                    SEND_TIMEOUT_MILLIS, MAX_BODY_BYTES, new ResponseHeaderRules(ResponseConfig.DEFAULTS), redactor,
                    new UpstreamFailureLog(redactor), new ExchangeLog(metrics, null), metrics, maxRequests,
                    TUNNEL_IDLE_TIMEOUT_MILLIS);
            var connection = TestConnections.anonymous(client);
            client.pipeline().addLast(new ExchangeStartHandler(connection.stats()),
                    new FramingGuardHandler(1024, MAX_BODY_BYTES),
                    new ForwardingFrontendHandler(upstreams, settings, connection));
        }

        HttpRequest request(HttpMethod method, String uri, String... headers) {
            return request(HttpVersion.HTTP_1_1, method, uri, headers);
        }

        HttpRequest request(HttpVersion version, HttpMethod method, String uri, String... headers) {
            HttpRequest request = new DefaultHttpRequest(version, method, uri);
            request.headers().set(HttpHeaderNames.HOST, "app.example");
            for (int i = 0; i < headers.length; i += 2) {
                request.headers().add(headers[i], headers[i + 1]);
            }
            return request;
        }

        void send(HttpObject... messages) {
            client.writeInbound((Object[]) messages);
        }

        void get(String uri) {
            send(request(HttpMethod.GET, uri), LastHttpContent.EMPTY_LAST_CONTENT);
        }

        /** A POST of {@code length} declared bytes, of which {@code part} arrives now. */
        void post(String uri, int length, String part) {
            send(request(HttpMethod.POST, uri, "Content-Length", String.valueOf(length)));
            body(part, part.length() == length);
        }

        void body(String text, boolean last) {
            var bytes = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
            send(last ? new DefaultLastHttpContent(bytes) : new DefaultHttpContent(bytes));
        }

        EmbeddedChannel upstream(int index) {
            return upstreams.lent.get(index);
        }

        void respond(EmbeddedChannel upstream, int status, String body) {
            respondHead(upstream, status, body.length());
            upstream.writeInbound(new DefaultLastHttpContent(Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII)));
        }

        void respondHead(EmbeddedChannel upstream, int status, int length) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length);
            upstream.writeInbound(head);
        }

        /** The uri of the {@code index}th request the upstream connection received. */
        String requestUri(EmbeddedChannel upstream, int index) {
            return upstreamRequests(upstream).get(index).uri();
        }

        String requestHeader(EmbeddedChannel upstream, int index, String name) {
            return upstreamRequests(upstream).get(index).headers().get(name);
        }

        private List<HttpRequest> upstreamRequests(EmbeddedChannel upstream) {
            for (Object msg; (msg = upstream.readOutbound()) != null; ) {
                upstreams.sent.computeIfAbsent(upstream, u -> new ArrayList<>()).add(msg);
            }
            List<HttpRequest> requests = new ArrayList<>();
            for (Object msg : upstreams.sent.getOrDefault(upstream, List.of())) {
                if (msg instanceof HttpRequest request) {
                    requests.add(request);
                }
            }
            return requests;
        }

        void advance(long millis) {
            client.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
            client.runScheduledPendingTasks();
        }

        void setClientWritable(boolean writable) {
            client.unsafe().outboundBuffer().setUserDefinedWritability(2, writable);
            client.runPendingTasks(); // the writability event is fired later, as a task
        }

        List<Integer> statuses() {
            collect();
            List<Integer> statuses = new ArrayList<>();
            for (HttpObject msg : received) {
                if (msg instanceof HttpResponse response) {
                    statuses.add(response.status().code());
                }
            }
            return statuses;
        }

        /** A header of the {@code index}th response, or null. */
        String header(int index, String name) {
            collect();
            int i = 0;
            for (HttpObject msg : received) {
                if (msg instanceof HttpResponse response && i++ == index) {
                    return response.headers().get(name);
                }
            }
            throw new AssertionError("no response " + index);
        }

        List<String> lastTrailers() {
            collect();
            for (int i = received.size() - 1; i >= 0; i--) {
                if (received.get(i) instanceof LastHttpContent last) {
                    return last.trailingHeaders().names().stream().toList();
                }
            }
            throw new AssertionError("no last content");
        }

        private void collect() {
            for (Object msg; (msg = client.readOutbound()) != null; ) {
                if (msg instanceof HttpObject object) {
                    received.add(object);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
        }

        @Override
        public void close() {
            collect();
            received.forEach(ReferenceCountUtil::release);
            for (List<Object> sent : upstreams.sent.values()) {
                sent.forEach(ReferenceCountUtil::release);
            }
            for (EmbeddedChannel upstream : upstreams.lent) {
                upstream.finishAndReleaseAll();
            }
            client.finishAndReleaseAll();
        }
    }

    /** Embedded upstream connections: each acquire opens one, released ones are parked or closed. */
    static final class Upstreams implements UpstreamConnections {

        final List<EmbeddedChannel> lent = new ArrayList<>();
        final List<Boolean> released = new ArrayList<>();
        final java.util.Map<EmbeddedChannel, List<Object>> sent = new java.util.IdentityHashMap<>();
        private final ArrayDeque<Channel> idle = new ArrayDeque<>();

        @Override
        public Channel pollIdle() {
            return idle.pollLast();
        }

        @Override
        public Future<Channel> acquire() {
            EmbeddedChannel upstream = new EmbeddedChannel(new ForwardingBackendHandler());
            lent.add(upstream);
            Promise<Channel> promise = ImmediateEventExecutor.INSTANCE.newPromise();
            return promise.setSuccess(upstream);
        }

        @Override
        public void release(Channel channel, boolean reusable) {
            released.add(reusable);
            if (reusable && channel.isActive()) {
                idle.add(channel);
            } else {
                channel.close();
            }
        }
    }
}

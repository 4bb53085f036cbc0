package dev.portcullis.bench.jmh;

import dev.portcullis.config.TokensConfig;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.observe.AccessLog;
import dev.portcullis.core.observe.ExchangeRecorder;
import dev.portcullis.core.tls.ConnectionTls;
import dev.portcullis.core.tls.HandshakeHandler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.OutputStreamAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What recording an exchange and writing its access-log line cost, with the real
 * {@link ExchangeRecorder}, {@link AccessLog}, {@link Redactor} and {@link ProxyMetrics} (on a
 * {@link PrometheusMeterRegistry}, as the application has) on a {@link ClientChannel} carrying a
 * verified client's identity and TLS attributes (as {@code HandshakeHandler} leaves them). One
 * op is one keep-alive exchange: a GET and its empty last content in, a 200 head and a last
 * content with a small JSON body out, each message read back out of the channel and released.
 *
 * <ul>
 *   <li>{@link #jsonLine}: the {@code access} logger at info, writing synchronously through a
 *       {@link JsonTemplateLayout} with the application's {@code classpath:access.json} to an
 *       {@link OutputStreamAppender} whose stream discards the bytes: the recorder's bookkeeping
 *       and request metrics, building the {@code MapMessage} (redacting the path included) and
 *       rendering the JSON line. Production has an async appender in between, so the event
 *       loop builds the message and hands a copy of the event to a queue, and the rendering
 *       runs on the appender's thread; that hand-off is not measured here;</li>
 *   <li>{@link #loggerOff}: the same recorder with the {@code access} logger off: its bookkeeping
 *       and the request metrics, what {@code access_log: off} (a recorder without an access
 *       log) costs but for one level check;</li>
 *   <li>{@link #channelOnly}: the same exchange on a channel without the recorder, the
 *       baseline: the line costs {@link #jsonLine} minus {@link #loggerOff}, the recorder
 *       {@link #loggerOff} minus {@link #channelOnly}.</li>
 * </ul>
 *
 * <p>The request and response heads are built once and written again each op (the recorder
 * only reads them); the body is a fresh pooled buffer each op, as an upstream's bytes would be.
 * The target, {@code /api/v1/orders?page=2&per_page=50&sort=-created_at}, has a query without a
 * token, so the redactor scans it and logs it as it is ({@code QueryTokensBenchmark} measures
 * the scan alone).
 *
 * <p>The channel has no {@code ConnectionStats} (only the package-private
 * {@code ConnectionRegistry.open} attaches them), so the recorder skips counting the connection's
 * requests and renders the client's address itself, once.
 *
 * <p>Log4j's configuration is global to the JVM, so each method has its own state, which sets
 * the {@code access} logger up in its setup, replacing what an earlier one set.
 */
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessLogBenchmark {

    private static final String TARGET = "/api/v1/orders?page=2&per_page=50&sort=-created_at";
    private static final byte[] BODY = ("{\"id\":123,\"status\":\"open\","
            + "\"total\":{\"amount\":\"42.50\",\"currency\":\"EUR\"},"
            + "\"created_at\":\"2025-11-25T12:00:00Z\"}").getBytes(StandardCharsets.US_ASCII);
    private static final String APPENDER = "bench-access-discard";

    @Benchmark
    public void jsonLine(JsonLine state, Blackhole bh) {
        exchange(state.channel, state.request, state.response, bh);
    }

    @Benchmark
    public void loggerOff(LoggerOff state, Blackhole bh) {
        exchange(state.channel, state.request, state.response, bh);
    }

    @Benchmark
    public void channelOnly(ChannelOnly state, Blackhole bh) {
        exchange(state.channel, state.request, state.response, bh);
    }

    /** The {@code access} logger at info, rendering every line with access.json and discarding it. */
    @State(Scope.Thread)
    public static class JsonLine extends Exchange {

        @Setup
        public void setUp() {
            Discard discard = configureAccessLogger(Level.INFO);
            open(recorder());
            if (discard.bytes == 0) {
                throw new IllegalStateException("no access-log line was written: is access.json rendered?");
            }
        }

        @TearDown
        public void tearDown() {
            close();
        }
    }

    /** The recorder with the {@code access} logger off. */
    @State(Scope.Thread)
    public static class LoggerOff extends Exchange {

        @Setup
        public void setUp() {
            Discard discard = configureAccessLogger(Level.OFF);
            open(recorder());
            if (discard.bytes != 0) {
                throw new IllegalStateException(
                        "the access logger is off, yet " + discard.bytes + " bytes were written");
            }
        }

        @TearDown
        public void tearDown() {
            close();
        }
    }

    /** The same exchange without the recorder. */
    @State(Scope.Thread)
    public static class ChannelOnly extends Exchange {

        @Setup
        public void setUp() {
            open();
        }

        @TearDown
        public void tearDown() {
            close();
        }
    }

    /** A client connection after its handshake, and the exchange it repeats. */
    abstract static class Exchange {

        EmbeddedChannel channel;
        HttpRequest request;
        HttpResponse response;

        void open(ChannelHandler... handlers) {
            channel = new ClientChannel(handlers);
            channel.attr(HandshakeHandler.IDENTITY).set(BenchCertificates.aliceIdentity());
            channel.attr(HandshakeHandler.TLS)
                    .set(new ConnectionTls("TLSv1.3", "TLS_AES_128_GCM_SHA256", false, true));
            request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, TARGET);
            request.headers()
                    .add("Host", "api.example.org")
                    .add("User-Agent", "orders-client/2.3 (okhttp/4.12.0)")
                    .add("Accept", "application/json");
            response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            response.headers()
                    .add("Content-Type", "application/json")
                    .add("Content-Length", BODY.length)
                    .add("Date", "Tue, 25 Nov 2025 12:00:00 GMT")
                    .add("Cache-Control", "no-store")
                    .add("ETag", "\"5d8c72a5edda8d6a\"")
                    .add("Vary", "Accept-Encoding")
                    .add("Strict-Transport-Security", "max-age=31536000");
            exchange(channel, request, response, null); // the first line: the recorder reads the attributes
        }

        void close() {
            channel.finishAndReleaseAll();
        }
    }

    /** As the pipeline builds it with {@code access_log} on: metrics and the access log. */
    private static ExchangeRecorder recorder() {
        return new ExchangeRecorder(new ProxyMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
                new AccessLog(Redactor.of(TokensConfig.DEFAULTS)));
    }

    /** One exchange; {@code bh} is null for the one setup makes. */
    private static void exchange(EmbeddedChannel channel, HttpRequest request, HttpResponse response,
                                 Blackhole bh) {
        channel.writeInbound(request, LastHttpContent.EMPTY_LAST_CONTENT);
        drain(channel.readInbound(), bh);
        drain(channel.readInbound(), bh);
        ByteBuf body = channel.alloc().buffer(BODY.length).writeBytes(BODY);
        channel.writeOutbound(response, new DefaultLastHttpContent(body));
        drain(channel.readOutbound(), bh);
        drain(channel.readOutbound(), bh);
    }

    private static void drain(Object message, Blackhole bh) {
        if (message == null) {
            throw new IllegalStateException("a message did not come out of the channel");
        }
        if (bh != null) {
            bh.consume(message);
        }
        ReferenceCountUtil.release(message);
    }

    /**
     * Points the {@code access} logger, synchronously and without additivity, at an appender that
     * renders with access.json and discards the bytes, at {@code level}.
     *
     * @return the stream the appender writes to, to check that lines are (or are not) written
     */
    private static Discard configureAccessLogger(Level level) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        Discard discard = new Discard();
        Appender appender = OutputStreamAppender.newBuilder()
                .setName(APPENDER)
                .setTarget(discard)
                .setLayout(JsonTemplateLayout.newBuilder()
                        .setConfiguration(config)
                        .setEventTemplateUri("classpath:access.json")
                        .build())
                .setConfiguration(config)
                .build();
        appender.start();
        config.addAppender(appender);
        LoggerConfig access = new LoggerConfig(AccessLog.LOGGER, level, false);
        access.addAppender(appender, null, null);
        config.removeLogger(AccessLog.LOGGER); // addLogger keeps an existing one
        config.addLogger(AccessLog.LOGGER, access);
        context.updateLoggers();
        return discard;
    }

    /** Discards what it is given; counts the bytes so that setup can check a line was rendered. */
    private static final class Discard extends OutputStream {

        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}

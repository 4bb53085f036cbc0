package dev.portcullis.bench.jmh;

import dev.portcullis.config.TokensConfig;
import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.observe.AccessLog;
import dev.portcullis.core.observe.ExchangeLog;
import dev.portcullis.core.tls.ConnectionTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
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

import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * What recording an exchange and writing its access-log line cost, with the real
 * {@link ExchangeLog}, {@link AccessLog}, {@link Redactor} and {@link ProxyMetrics} (on a
 * {@link PrometheusMeterRegistry}, as the application has), for a verified client's
 * {@link ConnectionContext} (as the handshake builds it). One op is what forwarding does for one
 * keep-alive exchange besides moving its bytes: an {@link HttpExchange} opened for a GET, its
 * 200 and body size noted, and the finished exchange recorded.
 *
 * <ul>
 *   <li>{@link #jsonLine}: the {@code access} logger at info, writing synchronously through a
 *       {@link JsonTemplateLayout} with the application's {@code classpath:access.json} to an
 *       {@link OutputStreamAppender} whose stream discards the bytes: the request metrics,
 *       building the {@code MapMessage} (redacting the path included) and rendering the JSON
 *       line. Production has an async appender in between, so the event loop builds the
 *       message and hands a copy of the event to a queue, and the rendering runs on the
 *       appender's thread; that hand-off is not measured here;</li>
 *   <li>{@link #loggerOff}: the same with the {@code access} logger off: the request metrics,
 *       what {@code access_log: off} costs but for one level check;</li>
 *   <li>{@link #exchangeOnly}: the exchange object alone, the baseline: the line costs
 *       {@link #jsonLine} minus {@link #loggerOff}, the metrics {@link #loggerOff} minus
 *       {@link #exchangeOnly}.</li>
 * </ul>
 *
 * <p>The request head is built once (the log only reads it). The target,
 * {@code /api/v1/orders?page=2&per_page=50&sort=-created_at}, has a query without a token, so the
 * redactor scans it and logs it as it is ({@code QueryTokensBenchmark} measures the scan alone).
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
    private static final int BODY_BYTES = 106;
    private static final String APPENDER = "bench-access-discard";

    @Benchmark
    public HttpExchange jsonLine(Logged state) {
        return state.record();
    }

    @Benchmark
    public HttpExchange loggerOff(NotLogged state) {
        return state.record();
    }

    @Benchmark
    public HttpExchange exchangeOnly(Logged state) {
        return state.exchange();
    }

    /** The {@code access} logger at info, rendering every line with access.json and discarding it. */
    @State(Scope.Thread)
    public static class Logged extends Recording {

        @Setup
        public void setUp() {
            Discard discard = configureAccessLogger(Level.INFO);
            record();
            if (discard.bytes == 0) {
                throw new IllegalStateException("no access-log line was written: is access.json rendered?");
            }
        }

        @TearDown
        public void tearDown() {
            close();
        }
    }

    /** The {@code access} logger off. */
    @State(Scope.Thread)
    public static class NotLogged extends Recording {

        @Setup
        public void setUp() {
            Discard discard = configureAccessLogger(Level.OFF);
            record();
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

    /** A verified client's connection and the exchange it repeats. */
    abstract static class Recording {

        final EmbeddedChannel channel = new ClientChannel();
        final ConnectionContext connection = new ConnectionContext(BenchCertificates.aliceIdentity(),
                new ConnectionTls("TLSv1.3", "TLS_AES_128_GCM_SHA256", false, true), "203.0.113.7",
                new ConnectionRegistry(Integer.MAX_VALUE).open(channel));
        final ExchangeLog log = new ExchangeLog(new ProxyMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
                new AccessLog(Redactor.of(TokensConfig.DEFAULTS)));
        final HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, TARGET);

        Recording() {
            request.headers()
                    .add("Host", "api.example.org")
                    .add("User-Agent", "orders-client/2.3 (okhttp/4.12.0)")
                    .add("Accept", "application/json");
        }

        HttpExchange exchange() {
            HttpExchange exchange = new HttpExchange(request, System.nanoTime());
            exchange.responded(200);
            exchange.sent(BODY_BYTES);
            return exchange;
        }

        HttpExchange record() {
            HttpExchange exchange = exchange();
            log.completed(connection, exchange);
            return exchange;
        }

        void close() {
            channel.finishAndReleaseAll();
        }
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

package dev.portcullis.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * A closed-loop mTLS load driver for comparing Portcullis with nginx on one machine: N
 * connections each send a GET, wait for the whole response and repeat, for a fixed window after
 * a warm-up. The {@code ws-*} modes do the same with WebSocket tunnels (an HTTP/1.1 upgrade, then
 * binary messages echoed by the upstream, e.g. {@code dev.portcullis.bench.echo.EchoUpstream}),
 * and the {@code h2} modes over HTTP/2 with M concurrent streams per connection, each stream a
 * closed loop of its own.
 * It runs on Netty with BoringSSL, like the proxy, and keeps its own cost small (one event loop
 * by default, a pre-encoded request or message, no aggregation, no per-request allocation beyond
 * Netty's) because it shares the machine's two cores with the server under test.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.portcullis.bench.load.LoadDriver \
 *     --url https://127.0.0.1:8443/hello --cert client.crt --key client.key --cacert ca.crt \
 *     --mode keepalive --connections 50 --duration 10s --warmup 2s [--json result.json]
 * java -cp benchmarks/target/benchmarks.jar dev.portcullis.bench.load.LoadDriver \
 *     --url wss://127.0.0.1:8443/ws --cert client.crt --key client.key --cacert ca.crt \
 *     --mode ws-roundtrip --connections 50 --message-size 1KiB --duration 10s
 * java -cp benchmarks/target/benchmarks.jar dev.portcullis.bench.load.LoadDriver \
 *     --url https://127.0.0.1:8443/hello --cert client.crt --key client.key --cacert ca.crt \
 *     --mode h2 --connections 4 --streams 50 --duration 10s
 * </pre>
 * Output: the run's header on stderr, {@code READY <n> connections} on stdout once an idle mode
 * (idle, ws-idle, h2-idle) holds its connections, then one summary line on stdout
 * ({@link LoadResult#summaryLine}) and error examples on stderr. Exit status 0 after a run
 * (errors are in the output), 1 when the run cannot start, 2 on a usage error.
 */
public final class LoadDriver {

    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);
    /** The payload's bytes are pseudo-random but the same in every run. */
    private static final long PAYLOAD_SEED = 0x5EEDL;

    private LoadDriver() {
    }

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(LoadOptions.USAGE);
            return;
        }
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("LoadDriver: " + e.getMessage());
            System.err.println(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            System.err.println("LoadDriver: " + options.mode().label() + " c=" + options.connections()
                    + " threads=" + options.threads() + " " + ClientTransport.best().name() + " "
                    + OpenSsl.versionString() + " " + options.protocols() + " -> " + options.url()
                    + (options.mode().webSocket() ? " message " + options.messageSize() + " B" : "")
                    + (options.mode().http2() ? " h2 streams=" + options.streams() + " per connection" : "")
                    + (options.mode().holdsConnections() ? "" : " (warm-up " + options.warmup().toMillis() + "ms)"));
            LoadResult result = run(options, LoadDriver::printReady);
            System.out.println(result.summaryLine());
            result.errorExamples().forEach((kind, example) -> System.err.println("  " + kind + ": " + example));
            if (options.json() != null) {
                Files.writeString(options.json(), result.toJson() + System.lineSeparator());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        } catch (Exception e) {
            System.err.println("LoadDriver: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);   // the JVM's own non-daemon threads must not keep a script waiting
    }

    private static void printReady(int established) {
        System.out.println("READY " + established + " connections");
        System.out.flush();
    }

    /** Runs {@code options} in this JVM, printing {@code READY <n> connections} in the idle modes. */
    public static LoadResult run(LoadOptions options) throws Exception {
        return run(options, LoadDriver::printReady);
    }

    /**
     * Runs {@code options} in this JVM and returns when every connection is closed and the event
     * loops have stopped. {@code onReady} gets the number of held connections in the idle modes, as
     * soon as every connection is established or has failed.
     *
     * @throws Exception when the PEM files cannot be read or the TLS context cannot be built
     */
    public static LoadResult run(LoadOptions options, IntConsumer onReady) throws Exception {
        Mode mode = options.mode();
        Target target = Target.parse(options.url());
        SslContext ssl = ClientTls.build(options.cert(), options.key(), options.caCert(), options.protocols(), mode);
        ClientTransport transport = ClientTransport.best();
        RunStats stats = new RunStats();
        ChannelGroup channels = new DefaultChannelGroup("load-driver", GlobalEventExecutor.INSTANCE);
        SharedBytes request = new SharedBytes(target.requestBytes(mode.connectionPerRequest()));
        SharedBytes message = mode.webSocket() ? new SharedBytes(payload(options.messageSize())) : null;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.threads(),
                new DefaultThreadFactory("load-driver"), transport.ioHandlerFactory());
        RunContext run = new RunContext(mode, target, ssl, request, message,
                mode.webSocket() ? webSocketConfig(target, options) : null, stats, channels,
                options.timeout().toNanos(), options.connections(), mode.http2() ? options.streams() : 1);
        long windowNanos;
        try {
            List<Runnable> slots = slots(run, group, transport, options);
            long start = System.nanoTime();
            if (mode.holdsConnections()) {
                windowNanos = holdIdle(run, slots, options, start, onReady);
            } else {
                long windowStart = start + options.warmup().toNanos();
                windowNanos = options.duration().toNanos();
                stats.openWindow(windowStart, windowStart + windowNanos);
                slots.forEach(Runnable::run);
                sleepUntil(windowStart + windowNanos);
            }
        } finally {
            stats.stop();
            channels.close().awaitUninterruptibly(SHUTDOWN_WAIT.toMillis());
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(SHUTDOWN_WAIT.toMillis());
            if (group.isTerminated()) {
                request.close();   // never free memory a live event loop might still be writing from
                if (message != null) {
                    message.close();
                }
            }
        }
        return result(options, run, windowNanos);
    }

    /**
     * The upgrade of every tunnel: RFC 6455 (version 13) to the URL's host and path, masked client
     * frames, echoes up to the message's size, no extensions (nothing compresses the payload), no
     * {@code Origin}; Netty's handshake timeout is the exchange timeout (the tunnel's own deadline
     * usually fires first).
     */
    private static WebSocketClientProtocolConfig webSocketConfig(Target target, LoadOptions options) {
        return WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(target.webSocketUri())
                .version(WebSocketVersion.V13)
                .allowExtensions(false)
                .maxFramePayloadLength(Math.max(options.messageSize(), 65536))
                .performMasking(true)
                .generateOriginHeader(false)
                .handshakeTimeoutMillis(Math.max(1, options.timeout().toMillis()))
                .build();
    }

    private static byte[] payload(int size) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(PAYLOAD_SEED);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /**
     * N slots spread round-robin over the event loops, each with its own clone of the bootstrap: a
     * {@link Slot} per connection, or in the h2 modes an {@link H2Slot} per connection with its
     * streams. Returns what starts each.
     */
    private static List<Runnable> slots(RunContext run, EventLoopGroup group, ClientTransport transport,
                                        LoadOptions options) {
        Bootstrap template = new Bootstrap()
                .group(group)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(options.timeout().toMillis(), Integer.MAX_VALUE));
        List<Runnable> slots = new ArrayList<>(options.connections());
        for (int i = 0; i < options.connections(); i++) {
            if (run.mode.http2()) {
                slots.add(new H2Slot(run, template, group.next())::start);
            } else {
                slots.add(new Slot(run, template, group.next())::start);
            }
        }
        return slots;
    }

    /**
     * Idle modes: open every connection, each completing one request (or round trip); report how
     * many are held; hold them for the duration. The window runs from the start to the end of the hold, so the
     * latencies are those of the connect + handshake + first request. Returns the hold's length.
     */
    private static long holdIdle(RunContext run, List<Runnable> slots, LoadOptions options, long start,
                                 IntConsumer onReady) throws InterruptedException {
        run.stats.openWindow(start, Long.MAX_VALUE);
        slots.forEach(Runnable::run);
        // Each attempt ends within connect timeout + exchange timeout; the margin covers scheduling.
        long bound = 2 * options.timeout().toMillis() + 5_000;
        run.idleAttempts.await(bound, TimeUnit.MILLISECONDS);
        int held = run.established.get();
        if (held < options.connections()) {
            // the summary comes only at the end, and a script may stop the driver before it
            System.err.println("LoadDriver: " + (options.connections() - held) + " of " + options.connections()
                    + " connections not held; errors so far: " + run.stats.errors());
        }
        onReady.accept(held);
        long holdStart = System.nanoTime();
        sleepUntil(holdStart + options.duration().toNanos());
        long holdEnd = System.nanoTime();
        run.stats.closeWindow(holdEnd);
        return holdEnd - holdStart;
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        for (long left; (left = deadlineNanos - System.nanoTime()) > 0; ) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static LoadResult result(LoadOptions options, RunContext run, long windowNanos) {
        RunStats stats = run.stats;
        Histogram latencies = stats.latencies();
        double seconds = windowNanos / 1e9;
        long requests = stats.requests();
        Map<String, Long> errors = stats.errors();
        long errorCount = errors.values().stream().mapToLong(Long::longValue).sum();
        double rps = options.mode().holdsConnections() || seconds <= 0 ? 0 : requests / seconds;
        boolean any = latencies.getTotalCount() > 0;
        return new LoadResult(options.mode(), options.connections(), seconds, requests, errorCount, errors,
                stats.errorExamples(), rps,
                any ? ms(latencies.getValueAtPercentile(50)) : 0,
                any ? ms(latencies.getValueAtPercentile(90)) : 0,
                any ? ms(latencies.getValueAtPercentile(99)) : 0,
                any ? ms(latencies.getValueAtPercentile(99.9)) : 0,
                any ? ms(latencies.getMaxValue()) : 0,
                stats.handshakes(), stats.resumed(), stats.tlsProtocol(), stats.responseBytes(),
                run.established.get(), options.mode().webSocket() ? options.messageSize() : 0,
                options.mode().http2() ? options.streams() : 0, stats.goAways(), stats.serverMaxStreams());
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}

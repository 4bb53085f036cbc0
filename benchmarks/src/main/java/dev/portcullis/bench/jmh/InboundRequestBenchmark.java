package dev.portcullis.bench.jmh;

import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityHeaderNames;
import dev.portcullis.core.http.FramingGuardHandler;
import dev.portcullis.core.http.IdentityHeadersHandler;
import dev.portcullis.core.http.RequestHeaderRules;
import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.ConnectionTls;
import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.exchange.ExchangeStartHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The inbound per-request path without sockets or TLS: a browser's GET, given as the bytes TLS
 * would hand up, decoded and passed through the framing guard and the identity header rewrite on
 * a {@link ClientChannel} (an {@link EmbeddedChannel} whose remote address is an IPv4 client, as
 * in production). Each op writes a fresh pooled buffer holding the request, reads the request and
 * its empty last content out of the channel and releases both.
 *
 * <p>Three channels split the cost: {@link #decode} (the HTTP decoder and EmbeddedChannel's own
 * bookkeeping, the baseline), {@link #decodeGuard} (+ {@link FramingGuardHandler}) and
 * {@link #decodeGuardIdentity} (+ {@link IdentityHeadersHandler}, identity.format headers).
 *
 * <p>The decoder is {@link HttpRequestDecoder} with the production {@link HttpDecoderConfig}, the
 * class {@code HttpServerCodec} decodes with. The codec itself is not used because it queues each
 * request's method until a response is encoded; with no responses here, that queue would grow
 * through the run and its growth would show up as allocation per op.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InboundRequestBenchmark {

    /** Production defaults: max_uri_size 8KiB (+64 for method and version), max_header_size 16KiB. */
    private static final int MAX_URI_BYTES = 8 * 1024;
    private static final HttpDecoderConfig DECODER_CONFIG = new HttpDecoderConfig()
            .setMaxInitialLineLength(MAX_URI_BYTES + 64)
            .setMaxHeaderSize(16 * 1024);
    private static final long MAX_BODY_BYTES = 10L * 1024 * 1024;

    private static final byte[] GET = ("GET /api/v1/orders?page=2&sort=desc HTTP/1.1\r\n"
            + "Host: app.example.org\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Referer: https://app.example.org/dashboard\r\n"
            + "Cookie: session=7f3a9c1e2b4d6f80; theme=dark\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n").getBytes(StandardCharsets.US_ASCII);

    private EmbeddedChannel decode;
    private EmbeddedChannel decodeGuard;
    private EmbeddedChannel decodeGuardIdentity;

    @Setup(Level.Trial)
    public void setUp() {
        ClientIdentity identity = BenchCertificates.aliceIdentity();
        RequestHeaderRules rules = new RequestHeaderRules(
                new IdentityConfig(IdentityConfig.Format.HEADERS, IdentityHeaderNames.DEFAULTS, List.of()));

        decode = new ClientChannel(new HttpRequestDecoder(DECODER_CONFIG));
        decodeGuard = new ClientChannel();
        decodeGuard.pipeline().addLast(new HttpRequestDecoder(DECODER_CONFIG), start(decodeGuard, identity),
                new FramingGuardHandler(MAX_URI_BYTES, MAX_BODY_BYTES));
        decodeGuardIdentity = new ClientChannel();
        decodeGuardIdentity.pipeline().addLast(new HttpRequestDecoder(DECODER_CONFIG), start(decodeGuardIdentity, identity),
                new FramingGuardHandler(MAX_URI_BYTES, MAX_BODY_BYTES),
                new IdentityHeadersHandler(rules, context(decodeGuardIdentity, identity)));
    }

    private static ConnectionContext context(EmbeddedChannel channel, ClientIdentity identity) {
        return new ConnectionContext(identity, new ConnectionTls("TLSv1.3", "TLS_AES_128_GCM_SHA256", false, true),
                "203.0.113.7", new ConnectionRegistry(Integer.MAX_VALUE).open(channel));
    }

    private static ExchangeStartHandler start(EmbeddedChannel channel, ClientIdentity identity) {
        return new ExchangeStartHandler(context(channel, identity).stats());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decode.finishAndReleaseAll();
        decodeGuard.finishAndReleaseAll();
        decodeGuardIdentity.finishAndReleaseAll();
    }

    /** Baseline: HTTP/1.1 decoding and EmbeddedChannel's bookkeeping. */
    @Benchmark
    public void decode(Blackhole bh) {
        exchange(decode, bh);
    }

    /** Decoding and {@link FramingGuardHandler}. */
    @Benchmark
    public void decodeGuard(Blackhole bh) {
        exchange(decodeGuard, bh);
    }

    /** Decoding, {@link FramingGuardHandler} and {@link IdentityHeadersHandler}: the inbound path. */
    @Benchmark
    public void decodeGuardIdentity(Blackhole bh) {
        exchange(decodeGuardIdentity, bh);
    }

    private static void exchange(EmbeddedChannel channel, Blackhole bh) {
        ByteBuf bytes = channel.alloc().buffer(GET.length).writeBytes(GET);
        channel.writeInbound(bytes);
        Object request = channel.readInbound();
        Object last = channel.readInbound();
        bh.consume(request);
        bh.consume(last);
        ReferenceCountUtil.release(request);
        ReferenceCountUtil.release(last);
    }
}

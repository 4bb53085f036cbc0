package dev.portcullis.core.metrics;

import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.tls.HandshakeFailure;
import dev.portcullis.core.tls.ServerTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Every Portcullis meter, declared in one place. The names (with Prometheus's suffixes:
 * {@code _total} for counters, {@code _seconds} for timers) and their labels are a public contract
 * listed in DESIGN.md: dashboards and alerts depend on them, so they are never renamed.
 *
 * <p>Label values come from bounded sets only (enums, result words, status classes): never a
 * path, DN or fingerprint. Counters are resolved once here, so the hot path does no registry
 * lookup. Thread-safe.
 */
public final class ProxyMetrics {

    private static final double KIB = 1024;
    /** Buckets for per-connection peaks: from an idle connection to far above any sane limit. */
    private static final double[] BUFFER_BUCKETS = {
            KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1024 * KIB, 4096 * KIB, 16384 * KIB};
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private final MeterRegistry registry;
    private final Counter handshakesOk;
    private final Map<HandshakeFailure, Counter> handshakesFailed = new EnumMap<>(HandshakeFailure.class);
    private final Timer handshakeDuration;
    private final Counter sessionsResumed;
    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final Map<ErrorCode, Counter> requestsRejected = new EnumMap<>(ErrorCode.class);
    private final Counter connectionsOpened;
    private final Counter connectionsRejectedAtLimit;
    private final DistributionSummary connectionPeaks;
    /** By final status class, as DESIGN.md lists them: index 2 is 2xx ... 5 is 5xx (interim 1xx are never counted). */
    private final Counter[] requestsByClass = new Counter[6];
    private final Timer requestDuration;
    private final Map<UpstreamError, Counter> upstreamErrors = new EnumMap<>(UpstreamError.class);
    private final Counter tunnelsOpened;
    /** Tunnels open now, over all event loops; they open and close rarely, so a shared counter is cheap. */
    private final AtomicInteger tunnelsActive = new AtomicInteger();
    private final AtomicInteger http2StreamsActive = new AtomicInteger();
    private final Map<GoAwayReason, Counter> http2GoAways = new EnumMap<>(GoAwayReason.class);

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.connectionsOpened = Counter.builder("portcullis.connections.opened")
                .description("Client connections accepted")
                .register(registry);
        this.connectionsRejectedAtLimit = Counter.builder("portcullis.connections.rejected")
                .description("Client connections closed at once, by reason")
                .tag("reason", "max_connections")
                .register(registry);
        this.connectionPeaks = DistributionSummary.builder("portcullis.connection.peak.buffered.bytes")
                .description("The most bytes each closed connection held in buffers")
                .baseUnit("bytes")
                .serviceLevelObjectives(BUFFER_BUCKETS)
                .register(registry);
        for (int c = 2; c <= 5; c++) {
            requestsByClass[c] = Counter.builder("portcullis.requests")
                    .description("Exchanges by status class, Portcullis's own error responses included")
                    .tag("code", c + "xx")
                    .register(registry);
        }
        this.requestDuration = Timer.builder("portcullis.request.duration")
                .description("From a request's head read to its response's last byte written")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        for (UpstreamError reason : UpstreamError.values()) {
            upstreamErrors.put(reason, Counter.builder("portcullis.upstream.errors")
                    .description("Exchanges the upstream failed: could not connect, no answer in time, or reset")
                    .tag("reason", reason.label())
                    .register(registry));
        }
        this.tunnelsOpened = Counter.builder("portcullis.websocket.tunnels")
                .description("WebSocket tunnels opened (upstream answered 101)")
                .register(registry);
        // held strongly: Micrometer keeps only a weak reference to a gauge's state by default
        Gauge.builder("portcullis.websocket.tunnels.active", tunnelsActive, AtomicInteger::get)
                .strongReference(true)
                .description("WebSocket tunnels open now")
                .register(registry);
        Gauge.builder("portcullis.http2.streams.active", http2StreamsActive, AtomicInteger::get)
                .strongReference(true)
                .description("HTTP/2 streams open now, over all connections")
                .register(registry);
        for (GoAwayReason reason : GoAwayReason.values()) {
            http2GoAways.put(reason, Counter.builder("portcullis.http2.goaways")
                    .description("HTTP/2 connections ended with a GOAWAY, by reason")
                    .tag("reason", reason.label())
                    .register(registry));
        }
        this.handshakesOk = handshakes(registry, "ok", "none");
        for (HandshakeFailure reason : HandshakeFailure.values()) {
            handshakesFailed.put(reason, handshakes(registry, "failed", reason.label()));
        }
        this.handshakeDuration = Timer.builder("portcullis.tls.handshake")
                .description("Duration of successful TLS handshakes")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.sessionsResumed = Counter.builder("portcullis.tls.sessions.resumed")
                .description("Handshakes that resumed a session (session id or ticket)")
                .register(registry);
        this.reloadsOk = reloads(registry, "ok");
        this.reloadsFailed = reloads(registry, "failed");
        for (ErrorCode error : ErrorCode.values()) {
            requestsRejected.put(error, Counter.builder("portcullis.requests.rejected")
                    .description("Requests Portcullis answered itself with an error")
                    .tag("reason", error.code())
                    .register(registry));
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void handshakeSucceeded(long nanos, boolean resumed) {
        handshakesOk.increment();
        handshakeDuration.record(nanos, TimeUnit.NANOSECONDS);
        if (resumed) {
            sessionsResumed.increment();
        }
    }

    public void handshakeFailed(HandshakeFailure reason) {
        handshakesFailed.get(reason).increment();
    }

    public void reloaded(boolean ok) {
        (ok ? reloadsOk : reloadsFailed).increment();
    }

    public void requestRejected(ErrorCode error) {
        requestsRejected.get(error).increment();
    }

    public void connectionOpened() {
        connectionsOpened.increment();
    }

    /** A connection refused at {@code limits.max_connections}. */
    public void connectionRejectedAtLimit() {
        connectionsRejectedAtLimit.increment();
    }

    public void connectionClosed(long peakBufferedBytes) {
        connectionPeaks.record(peakBufferedBytes);
    }

    /** An exchange ended with {@code status} (499 when the client left first) after {@code nanos}. */
    public void requestCompleted(int status, long nanos) {
        requestsByClass[Math.min(5, Math.max(2, status / 100))].increment();
        requestDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void tunnelOpened() {
        tunnelsOpened.increment();
        tunnelsActive.incrementAndGet();
    }

    public void tunnelClosed() {
        tunnelsActive.decrementAndGet();
    }

    public void http2StreamOpened() {
        http2StreamsActive.incrementAndGet();
    }

    public void http2StreamClosed() {
        http2StreamsActive.decrementAndGet();
    }

    public void http2GoAway(GoAwayReason reason) {
        http2GoAways.get(reason).increment();
    }

    public void upstreamError(UpstreamError reason) {
        upstreamErrors.get(reason).increment();
    }

    /** Live connections, and the bytes they hold in buffers: read at scrape time, nothing on the hot path. */
    public void bindConnections(ConnectionRegistry connections) {
        Gauge.builder("portcullis.connections.active", connections, ConnectionRegistry::size)
                .description("Open client connections")
                .strongReference(true)
                .register(registry);
        Gauge.builder("portcullis.connection.buffered.bytes", connections, ConnectionRegistry::bufferedBytes)
                .description("Bytes all live client connections hold in buffers")
                .strongReference(true)
                .register(registry);
        // no base unit: it would append _bytes to a name that ends in _max
        Gauge.builder("portcullis.connection.buffered.bytes.max", connections, ConnectionRegistry::maxBufferedBytes)
                .description("Bytes the heaviest live client connection holds in buffers")
                .strongReference(true)
                .register(registry);
    }

    /** Pooled upstream connections lent to an exchange ({@code active}) and parked ({@code idle}). */
    public void bindUpstream(IntSupplier active, IntSupplier idle) {
        Gauge.builder("portcullis.upstream.connections", active, IntSupplier::getAsInt)
                .description("Upstream connections by state")
                .tag("state", "active")
                .strongReference(true)
                .register(registry);
        Gauge.builder("portcullis.upstream.connections", idle, IntSupplier::getAsInt)
                .description("Upstream connections by state")
                .tag("state", "idle")
                .strongReference(true)
                .register(registry);
    }

    /**
     * Micrometer's JVM, Netty allocator and event-loop meters, and the process's resident memory.
     * Call from a thread that is not one of {@code loops} (the event-loop binder asks each loop
     * for its thread).
     */
    public void bindRuntime(EventLoopGroup loops) {
        new JvmMemoryMetrics().bindTo(registry);
        GcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
            new NettyAllocatorMetrics(allocator).bindTo(registry);
        }
        new NettyEventExecutorMetrics(loops).bindTo(registry);
        if (residentBytes() >= 0) {
            Gauge.builder("process.resident.memory", ProxyMetrics::residentBytes)
                    .description("Resident set size of the process (VmRSS)")
                    .baseUnit("bytes")
                    .register(registry);
        }
    }

    /** VmRSS from {@code /proc/self/status}, or -1 off Linux: the gauge is then absent, not zero. */
    private static double residentBytes() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:     123456 kB"
                    String kib = line.substring(6).trim().split("\\s+")[0];
                    return Long.parseLong(kib) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException unavailable) {
            return -1;
        }
        return -1;
    }

    /**
     * Gauges read from the TLS generation in service, so that they follow reloads. Held strongly:
     * Micrometer otherwise keeps only a weak reference and the gauge reads NaN after a GC.
     */
    public void bindTls(Supplier<ServerTls> tls) {
        Gauge.builder("portcullis.tls.session.cache.entries", tls, t -> t.get().sessionCacheEntries())
                .description("Sessions in the server-side session-id cache")
                .strongReference(true)
                .register(registry);
        Gauge.builder("portcullis.tls.session.cache.capacity", tls, t -> t.get().sessionCacheCapacity())
                .description("Most sessions the session-id cache keeps (tls.session_cache.size)")
                .strongReference(true)
                .register(registry);
        Gauge.builder("portcullis.tls.certificate.expiry.timestamp.seconds", tls,
                        t -> t.get().serverCertificateNotAfter().getEpochSecond())
                .description("notAfter of the served certificate, as a Unix timestamp")
                .tag("cert", "server")
                .strongReference(true)
                .register(registry);
    }

    private static Counter handshakes(MeterRegistry registry, String result, String reason) {
        return Counter.builder("portcullis.tls.handshakes")
                .description("TLS handshakes by outcome; reason is none when ok")
                .tag("result", result)
                .tag("reason", reason)
                .register(registry);
    }

    private static Counter reloads(MeterRegistry registry, String result) {
        return Counter.builder("portcullis.tls.reloads")
                .description("TLS material reloads (file change or SIGHUP)")
                .tag("result", result)
                .register(registry);
    }
}

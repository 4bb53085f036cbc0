package dev.portcullis.core.metrics;

import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.tls.HandshakeFailure;
import dev.portcullis.core.tls.ServerTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every Portcullis meter, declared in one place. The names (with Prometheus's suffixes:
 * {@code _total} for counters, {@code _seconds} for timers) and their labels are a public contract
 * listed in DESIGN.md: dashboards and alerts depend on them, so they are never renamed.
 *
 * <p>Label values come from bounded sets only (enums, result words): never a path, DN or
 * fingerprint. Counters are resolved once here, so the hot path does no registry lookup.
 * Thread-safe.
 */
public final class ProxyMetrics {

    private final MeterRegistry registry;
    private final Counter handshakesOk;
    private final Map<HandshakeFailure, Counter> handshakesFailed = new EnumMap<>(HandshakeFailure.class);
    private final Timer handshakeDuration;
    private final Counter sessionsResumed;
    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final Map<ErrorCode, Counter> requestsRejected = new EnumMap<>(ErrorCode.class);

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
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

package dev.portcullis.testing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Reads meter values in tests; a meter that does not exist reads as a failure, not as zero. */
public final class Meters {

    private Meters() {
    }

    public static double counter(MeterRegistry registry, String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        if (counter == null) {
            throw new AssertionError("no counter " + name + " with tags " + String.join(",", tags));
        }
        return counter.count();
    }

    public static double gauge(MeterRegistry registry, String name, String... tags) {
        Gauge gauge = registry.find(name).tags(tags).gauge();
        if (gauge == null) {
            throw new AssertionError("no gauge " + name + " with tags " + String.join(",", tags));
        }
        return gauge.value();
    }

    /** {@code portcullis_tls_handshakes_total{result="failed",reason=...}}. */
    public static double handshakesFailed(MeterRegistry registry, String reason) {
        return counter(registry, "portcullis.tls.handshakes", "result", "failed", "reason", reason);
    }

    public static double sessionsResumed(MeterRegistry registry) {
        return counter(registry, "portcullis.tls.sessions.resumed");
    }
}

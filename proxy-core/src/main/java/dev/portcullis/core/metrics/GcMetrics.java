package dev.portcullis.core.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * Collections and the time spent in them, per collector, read from the JVM's MXBeans when
 * scraped: {@code jvm_gc_collections_total} and {@code jvm_gc_collection_seconds_total}.
 * Micrometer's {@code JvmGcMetrics} subscribes to a notification for every collection instead;
 * under load the serial collector's young collections come tens of times a second, and handling
 * their notifications cost the JVM's notification thread about 1% of the proxy's CPU.
 */
final class GcMetrics {

    private GcMetrics() {
    }

    static void bindTo(MeterRegistry registry) {
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            FunctionCounter.builder("jvm.gc.collections", collector, GarbageCollectorMXBean::getCollectionCount)
                    .description("Garbage collections")
                    .tag("gc", collector.getName())
                    .register(registry);
            FunctionCounter.builder("jvm.gc.collection", collector, c -> c.getCollectionTime() / 1000.0)
                    .description("Time spent in garbage collections")
                    .baseUnit("seconds")
                    .tag("gc", collector.getName())
                    .register(registry);
        }
    }
}

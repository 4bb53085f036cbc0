package dev.portcullis.testing;

import io.netty.util.ResourceLeakDetector;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link ResourceLeakDetector} that remembers every leak it reports, so that
 * {@link LeakCheckExtension} can fail the build. Installed for every test JVM through
 * {@code -Dio.netty.customResourceLeakDetector} (see the parent pom); Netty loads it by reflection
 * through the system class loader and needs the {@code (Class, int)} constructor.
 */
public final class FailingLeakDetector<T> extends ResourceLeakDetector<T> {

    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final Set<FailingLeakDetector<?>> ALL = ConcurrentHashMap.newKeySet();

    public FailingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        ALL.add(this);
    }

    /** Netty looks for this (obsolete) signature first and logs an error when it is missing. */
    public FailingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    /** The default reports only when the error log level is on; a leak must never go unseen. */
    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add(resourceType + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add(resourceType);
        super.reportUntracedLeak(resourceType);
    }

    /** Leaks are only reported when a detector polls its reference queue, which tracking does. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static void drain() {
        for (FailingLeakDetector detector : ALL) {
            Object probe = new Object();
            detector.trackForcibly(probe).close(probe);
        }
    }

    static List<String> takeLeaks() {
        List<String> leaks = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            leaks.add(leak);
        }
        return leaks;
    }
}

package dev.portcullis.core.logging;

/**
 * Admits at most {@code maxPerSecond} log lines a second and counts the rest, so that the next
 * admitted line can say how many were suppressed. Thread-safe; the lock is taken only on a
 * failure path, never per request.
 */
public final class LogRateLimiter {

    private static final long SECOND_NANOS = 1_000_000_000L;

    private final int maxPerSecond;
    private long windowStartNanos = System.nanoTime();
    private int inWindow;
    private long suppressed;

    public LogRateLimiter(int maxPerSecond) {
        this.maxPerSecond = maxPerSecond;
    }

    /** @return -1 when this line is to be suppressed, else how many were suppressed before it */
    public synchronized long admit() {
        long now = System.nanoTime();
        if (now - windowStartNanos >= SECOND_NANOS) {
            windowStartNanos = now;
            inWindow = 0;
        }
        if (inWindow >= maxPerSecond) {
            suppressed++;
            return -1;
        }
        inWindow++;
        long before = suppressed;
        suppressed = 0;
        return before;
    }

    /** {@code " (N similar lines suppressed)"}, or empty when none were. */
    public static String suppressedSuffix(long suppressedBefore) {
        return suppressedBefore > 0 ? " (" + suppressedBefore + " similar lines suppressed)" : "";
    }
}

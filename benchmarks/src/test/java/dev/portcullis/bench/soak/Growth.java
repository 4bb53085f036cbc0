package dev.portcullis.bench.soak;

import java.util.List;

/**
 * How much one quantity grew over the judged part of the soak: the median of its first {@code n}
 * samples after the warm-up (the baseline) against the median of its last {@code n} (the end).
 * Medians, so that a single sample caught in a collection, or between two driver runs, moves
 * neither end.
 */
record Growth(long baselineBytes, long endBytes) {

    /** @param values in the order they were sampled; at least {@code n} of them */
    static Growth of(List<Long> values, int n) {
        if (n < 1 || values.size() < n) {
            throw new IllegalArgumentException(values.size() + " samples, " + n + " needed at each end");
        }
        return new Growth(median(values.subList(0, n)), median(values.subList(values.size() - n, values.size())));
    }

    long bytes() {
        return endBytes - baselineBytes;
    }

    /** Growth over the baseline, e.g. 0.012 for 1.2 %; 0 when both ends are 0. */
    double fraction() {
        if (baselineBytes == 0) {
            return endBytes == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return (double) bytes() / baselineBytes;
    }

    /** Grew by less than {@code maxFraction} of the baseline, or by less than {@code floorBytes} in all. */
    boolean within(double maxFraction, long floorBytes) {
        return fraction() < maxFraction || bytes() < floorBytes;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}

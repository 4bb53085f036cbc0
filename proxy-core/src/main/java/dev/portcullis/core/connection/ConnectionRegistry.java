package dev.portcullis.core.connection;

import io.netty.channel.Channel;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every live client connection's {@link ConnectionStats}, at most {@code limits.max_connections}
 * of them. Connections register when they open and leave when they close; readers (the gauges,
 * {@code /connections}) iterate without a lock. Thread-safe.
 */
public final class ConnectionRegistry {

    private static final Comparator<ConnectionSnapshot> HEAVIEST_FIRST =
            Comparator.comparingLong(ConnectionSnapshot::bufferedBytes).reversed()
                    .thenComparingLong(ConnectionSnapshot::id);

    private final Set<ConnectionStats> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    /** Counted apart from {@link #live} so that the limit is exact across event loops. */
    private final AtomicInteger open = new AtomicInteger();
    private final int maxConnections;

    public ConnectionRegistry(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** @return the new connection's stats, or null when {@code max_connections} are open already */
    public ConnectionStats open(Channel channel) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return null;
        }
        ConnectionStats stats = new ConnectionStats(ids.incrementAndGet(), channel);
        live.add(stats);
        return stats;
    }

    void close(ConnectionStats stats) {
        live.remove(stats);
        open.decrementAndGet();
    }

    public int size() {
        return live.size();
    }

    /** Sum of the live connections' buffered bytes. */
    public long bufferedBytes() {
        long sum = 0;
        for (ConnectionStats stats : live) {
            sum += stats.bufferedBytes();
        }
        return sum;
    }

    /** The largest live connection's buffered bytes (0 when there is none). */
    public long maxBufferedBytes() {
        long max = 0;
        for (ConnectionStats stats : live) {
            max = Math.max(max, stats.bufferedBytes());
        }
        return max;
    }

    /** At most {@code limit} connections, those holding the most buffered bytes first. */
    public List<ConnectionSnapshot> heaviest(int limit) {
        return live.stream().map(ConnectionStats::snapshot).sorted(HEAVIEST_FIRST).limit(limit).toList();
    }
}

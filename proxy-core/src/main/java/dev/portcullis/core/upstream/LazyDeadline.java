package dev.portcullis.core.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A timeout that is re-armed often and rarely expires: {@code upstream.response_timeout},
 * {@code limits.body_timeout} (re-armed at every body read), {@code limits.send_timeout}. Arming
 * and disarming only write fields; one task stays scheduled, and when it runs before the current
 * deadline it sleeps again until then, as Netty's {@code IdleStateHandler} does. Scheduling and
 * cancelling a task per request would cost an allocation and two priority-queue operations on
 * the event loop every time. Time is the executor's ticker, so tests can freeze it.
 *
 * <p>Confined to its executor.
 */
final class LazyDeadline implements Runnable {

    private final EventExecutor executor;
    private final long timeoutNanos;
    private final Runnable onExpiry;
    private long deadlineNanos;
    private boolean armed;
    private ScheduledFuture<?> task;

    LazyDeadline(EventExecutor executor, long timeoutNanos, Runnable onExpiry) {
        this.executor = executor;
        this.timeoutNanos = timeoutNanos;
        this.onExpiry = onExpiry;
    }

    /** Expires {@code timeout} from now, unless re-armed or disarmed before. */
    void arm() {
        deadlineNanos = executor.ticker().nanoTime() + timeoutNanos;
        armed = true;
        if (task == null) {
            task = executor.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    void disarm() {
        armed = false;
    }

    boolean armed() {
        return armed;
    }

    /** The connection is closed: nothing may run any more. */
    void close() {
        armed = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        task = null;
        if (!armed) {
            return;
        }
        long left = deadlineNanos - executor.ticker().nanoTime();
        if (left > 0) {
            task = executor.schedule(this, left, TimeUnit.NANOSECONDS);
            return;
        }
        armed = false;
        onExpiry.run();
    }
}

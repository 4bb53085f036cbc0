package dev.portcullis.core.upstream;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * {@code upstream.response_timeout} for the exchanges of one client connection, one at a time.
 * Arming and disarming only write fields: scheduling and cancelling a task per request would
 * cost an allocation and two priority-queue operations on the event loop for every exchange. One
 * task stays scheduled while exchanges come and go; when it runs before the current deadline it
 * sleeps again until then (as Netty's {@code IdleStateHandler} does).
 *
 * <p>Confined to the client connection's event loop.
 */
final class ResponseDeadline implements Runnable {

    private final EventExecutor executor;
    private final long timeoutNanos;
    private Exchange waiting;
    private long deadlineNanos;
    private ScheduledFuture<?> task;

    ResponseDeadline(EventExecutor executor, long timeoutMillis) {
        this.executor = executor;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** The exchange's request has been sent in full: its response head is due within the timeout. */
    void arm(Exchange exchange) {
        waiting = exchange;
        deadlineNanos = System.nanoTime() + timeoutNanos;
        if (task == null) {
            task = executor.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The exchange got its response head, or ended. */
    void disarm(Exchange exchange) {
        if (waiting == exchange) {
            waiting = null;
        }
    }

    /** The connection is closed. */
    void close() {
        waiting = null;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        task = null;
        Exchange exchange = waiting;
        if (exchange == null) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            task = executor.schedule(this, left, TimeUnit.NANOSECONDS);
            return;
        }
        waiting = null;
        exchange.onResponseTimeout();
    }
}

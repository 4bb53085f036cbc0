package dev.portcullis.core.upstream;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class LazyDeadlineTest {

    private static final long TIMEOUT_MILLIS = 1_000;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final AtomicInteger expired = new AtomicInteger();
    private final LazyDeadline deadline = new LazyDeadline(channel.eventLoop(),
            TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS), expired::incrementAndGet);

    {
        channel.freezeTime();
    }

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @Test
    void reArmingMovesTheDeadlineWithoutASecondTask() {
        deadline.arm();
        advance(channel, 600);
        deadline.arm();
        advance(channel, 600);
        assertThat(expired).as("re-armed 600 ms in: not due until 1600 ms").hasValue(0);
        advance(channel, 400);
        assertThat(expired).hasValue(1);
        assertThat(deadline.armed()).isFalse();
    }

    @Test
    void aDisarmedDeadlineNeverExpires() {
        deadline.arm();
        deadline.disarm();
        advance(channel, 2 * TIMEOUT_MILLIS);
        assertThat(expired).hasValue(0);
    }

    private static void advance(EmbeddedChannel channel, long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }
}

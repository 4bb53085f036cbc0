package dev.portcullis.core.connection;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class LingeringCloseHandlerTest {

    @Test
    void discardsWhatTheClientStillSendsThenClosesWhenTheLingerEnds() {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        channel.freezeTime();

        LingeringCloseHandler.closeAfterFlush(channel, 1024);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[512]));

        assertThat(channel.<Object>readInbound()).as("nothing reaches the HTTP handlers").isNull();
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(LingeringCloseHandler.LINGER_MILLIS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void closesOnceTheClientSentMoreThanTheBudget() {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());

        LingeringCloseHandler.closeAfterFlush(channel, 1024);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[1024]));
        assertThat(channel.isOpen()).isTrue();
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[1]));

        assertThat(channel.isOpen()).as("at most max_body_size is discarded").isFalse();
    }
}

package dev.portcullis.core.pipeline;

import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.http.StrictHttpServerCodec;
import dev.portcullis.core.upstream.ConnectionUpgrade;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;

import java.util.List;

/**
 * How an HTTP/1.1 client connection becomes a tunnel: the codec holds what follows an upgrade
 * request, and after the 101 every HTTP/1.1 and exchange stage leaves, newest first, so that the
 * codec goes last and hands what it held to the tunnel end in their place. The bytes the
 * connection holds stop counting a decoder that is gone. One per connection.
 */
final class Http1Upgrade implements ConnectionUpgrade {

    private final ChannelPipeline pipeline;
    private final ConnectionStats stats;

    Http1Upgrade(ChannelPipeline pipeline, ConnectionStats stats) {
        this.pipeline = pipeline;
        this.stats = stats;
    }

    @Override
    public void holdInput() {
        codec().holdInput();
    }

    @Override
    public void resumeInput() {
        codec().resumeInput();
    }

    /** Looked up, not held: the codec is built after the exchange stages, whose forwarding holds this. */
    private StrictHttpServerCodec codec() {
        return (StrictHttpServerCodec) pipeline.get(PipelineNames.HTTP_CODEC);
    }

    @Override
    public void replaceHttpStages(ChannelHandler tunnelEnd) {
        pipeline.addAfter(PipelineNames.FORWARDING, PipelineNames.TUNNEL, tunnelEnd);
        List<String> stages = PipelineNames.HTTP1_AND_EXCHANGE_STAGES;
        for (int i = stages.size() - 1; i >= 0; i--) {
            if (pipeline.get(stages.get(i)) != null) {
                pipeline.remove(stages.get(i));
            }
        }
        stats.decoder(() -> 0);
    }
}

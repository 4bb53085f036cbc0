package dev.portcullis.core.http2;

import dev.portcullis.core.metrics.GoAwayReason;
import dev.portcullis.core.metrics.ProxyMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * The server's HTTP/2 connection codec: Netty's {@link Http2FrameCodec} with every guard set
 * deliberately rather than left to a default (values and their sources: {@code docs/security.md}),
 * and each GOAWAY a guard sends counted by {@link GoAwayReason}.
 * <ul>
 *   <li>SETTINGS: {@code http2.max_concurrent_streams}; a header list of at most
 *       {@code limits.max_header_size} decoded (HPACK bombs), whose compressed block may not grow
 *       past 1.25 times that across HEADERS and CONTINUATION (Netty stops buffering there: GOAWAY);
 *       no extended CONNECT (no WebSocket over h2).</li>
 *   <li>Rapid reset: more than {@value #MAX_RESETS} RST_STREAMs received in
 *       {@value #RESET_WINDOW_SECONDS} s ends the connection, and so do as many that Portcullis is
 *       made to send (MadeYouReset).</li>
 *   <li>Floods: at most {@value #MAX_QUEUED_CONTROL_FRAMES} control frames (SETTINGS and PING acks,
 *       RSTs) queued unread; at most {@value #MAX_EMPTY_DATA_FRAMES} empty DATA frames in a row; at
 *       most {@value #MAX_SMALL_CONTINUATION_FRAMES} small CONTINUATION frames.</li>
 *   <li>Malformed requests: header validation and required pseudo-headers are on; what Netty
 *       does not check is {@link Http2RequestGuard}'s.</li>
 * </ul>
 * One per connection.
 */
public final class Http2Codec extends Http2FrameCodec {

    static final int MAX_RESETS = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    /** Envoy's max_outbound_control_frames; Netty's default of 10,000 lets a client queue far more. */
    static final int MAX_QUEUED_CONTROL_FRAMES = 1_000;
    static final int MAX_EMPTY_DATA_FRAMES = 2;
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private final ProxyMetrics metrics;

    private Http2Codec(Http2ConnectionEncoder encoder, Http2ConnectionDecoder decoder, Http2Settings settings,
                       boolean decoupleCloseAndGoAway, boolean flushPreface, ProxyMetrics metrics) {
        super(encoder, decoder, settings, decoupleCloseAndGoAway, flushPreface);
        this.metrics = metrics;
    }

    /**
     * @param maxHeaderListBytes {@code limits.max_header_size}
     * @param drainMillis        {@code shutdown.drain_timeout}: how long a closing connection lets open streams finish
     */
    public static Http2Codec server(int maxConcurrentStreams, int maxHeaderListBytes, long drainMillis,
                                    ProxyMetrics metrics) {
        return (Http2Codec) new Builder(metrics)
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(maxConcurrentStreams)
                        .maxHeaderListSize(maxHeaderListBytes))
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .encoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .gracefulShutdownTimeoutMillis(drainMillis)
                .build();
    }

    /** Bytes received but not yet decoded into frames. Event loop only. */
    public int pendingBytes() {
        return actualReadableBytes();
    }

    @Override
    protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                     Http2Exception http2Ex) {
        if (http2Ex != null && ctx.channel().isActive()) {
            metrics.http2GoAway(GoAwayReason.of(http2Ex));
        }
        super.onConnectionError(ctx, outbound, cause, http2Ex);
    }

    private static final class Builder extends Http2FrameCodecBuilder {

        private final ProxyMetrics metrics;

        Builder(ProxyMetrics metrics) {
            this.metrics = metrics;
            server(true);
        }

        @Override
        protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                        Http2Settings initialSettings) {
            Http2Codec codec = new Http2Codec(encoder, decoder, initialSettings, decoupleCloseAndGoAway(),
                    flushPreface(), metrics);
            codec.gracefulShutdownTimeoutMillis(gracefulShutdownTimeoutMillis());
            return codec;
        }
    }
}

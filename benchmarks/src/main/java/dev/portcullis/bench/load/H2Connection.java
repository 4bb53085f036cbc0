package dev.portcullis.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/2 connection of an {@link H2Slot}, on Netty's {@link Http2ConnectionHandler} (the
 * frame codec, HPACK, flow control, stream states) with no child channel or frame object per
 * stream: each request is one HEADERS frame with END_STREAM from a header block built once per
 * connection, and its response is read straight from the frame listener (body bytes counted,
 * nothing kept; the flow controller gets every byte back at once, so the windows never close).
 *
 * <p>It sends a request on a new stream while the server's SETTINGS_MAX_CONCURRENT_STREAMS allows
 * one more, and queues it otherwise until a stream closes, as browsers and nghttp2 do; so
 * {@code --streams} above the server's limit means requests waiting in the client, and their
 * latency includes that wait.
 *
 * <p>GOAWAY (the server's {@code max_requests_per_connection} or {@code keepalive_requests},
 * its idle timeout, a drain): the slot opens a new connection at once and every request whose
 * response is still due here finishes here; those the GOAWAY did not cover (stream id above its
 * last) and those still queued go to the new connection, as a client retries them. A graceful
 * GOAWAY is counted but is no error. Once nothing is left in flight the driver closes its side.
 *
 * <p>Errors, one per connection as in the HTTP/1.1 modes plus one per reset stream: a
 * RST_STREAM or a stream error ({@code h2_rst_<code>}, {@code h2_stream_<code>}), a connection
 * error or a GOAWAY with an error code ({@code h2_<code>}, {@code h2_goaway_<code>}), a close
 * before the responses due ({@code closed}). A failed request is issued again after the slot's
 * retry delay.
 *
 * <p>Last in the pipeline, after the {@code SslHandler}; added once ALPN chose {@code h2}. One
 * per connection, confined to its event loop.
 */
final class H2Connection extends Http2ConnectionHandler {

    private enum State {
        /** The preface is out; the server's SETTINGS have not arrived. */
        OPENING,
        /** Taking requests. */
        READY,
        /** The server sent GOAWAY: no new stream; the ones it covers finish. */
        GOING_AWAY,
        /** Idle mode: the requests are done and the connection is held open. */
        HELD,
        /** Failed or closing: nothing more goes out. */
        DONE
    }

    private static final AsciiString GET = AsciiString.cached("GET");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString USER_AGENT = AsciiString.cached("user-agent");

    private final RunContext run;
    private final H2Slot slot;
    private final Http2Headers request;
    private final IntObjectMap<H2Request> inFlight = new IntObjectHashMap<>();
    private final ArrayDeque<H2Request> queued = new ArrayDeque<>();
    private final Frames frames = new Frames();
    private ChannelHandlerContext ctx;
    private State state = State.OPENING;
    private boolean failed;
    private boolean reading;
    private int completed;
    private int lastStreamId = Integer.MAX_VALUE;

    static H2Connection create(RunContext run, H2Slot slot) {
        return new Builder(run, slot).build();
    }

    private H2Connection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
                         RunContext run, H2Slot slot) {
        super(decoder, encoder, settings);
        this.run = run;
        this.slot = slot;
        this.request = new DefaultHttp2Headers()
                .method(GET)
                .scheme(HTTPS)
                .authority(run.target.hostHeader())
                .path(run.target.pathAndQuery())
                .add(USER_AGENT, Target.USER_AGENT);
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                streamClosed(stream.id());
            }

            @Override
            public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
                goAwayReceived(lastStreamId, errorCode, debugData);
            }
        });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);   // the channel is active: the preface and our SETTINGS go out now
    }

    Channel channel() {
        return ctx.channel();
    }

    /** The slot hands over a request: out on a new stream if the server allows one more, else queued. */
    void issue(H2Request r) {
        r.on = this;
        if (queued.isEmpty() && connection().local().canOpenStream()) {
            send(r);
        } else {
            queued.add(r);
        }
    }

    private void send(H2Request r) {
        int id = connection().local().incrementAndGetNextStreamId();
        r.streamId = id;
        inFlight.put(id, r);
        encoder().writeHeaders(ctx, id, request, 0, true, ctx.voidPromise());
        if (!reading) {
            flush(ctx);   // within a read, channelReadComplete flushes once for all of them
        }
    }

    /** Requests queued while every stream the server allows is taken, sent as streams close. */
    private void pump() {
        while (state == State.READY && !queued.isEmpty() && connection().local().canOpenStream()) {
            send(queued.poll());
        }
    }

    private void complete(H2Request r) {
        inFlight.remove(r.streamId);
        r.on = null;
        long now = System.nanoTime();
        if (now - r.startNanos - run.timeoutNanos > 0) {
            // late, but the slot's check had not run yet: still a timeout
            run.stats.error(Failures.TIMEOUT, "response completed after the timeout");
        } else if (r.status >= 200 && r.status < 300) {
            run.stats.success(now, now - r.startNanos, r.bodyBytes);
        } else {
            run.stats.error("status_" + r.status, null);
        }
        if (run.mode.holdsConnections()) {
            if (++completed == run.streams && state == State.READY) {
                state = State.HELD;
                slot.established();
            }
            return;
        }
        slot.next(r);
    }

    /** Every stream close: a request still here had no complete response. */
    private void streamClosed(int id) {
        H2Request r = inFlight.remove(id);
        if (r != null) {
            r.on = null;
            r.streamId = 0;
            if (state == State.GOING_AWAY && id > lastStreamId && !r.failed) {
                slot.reissue(r);   // the server never processed it (RFC 9113 §6.8): retried as it was
            } else {
                if (!r.failed) {
                    error("h2_stream_closed", "stream " + id + " closed before its response was complete");
                }
                slot.retryLater(r);
            }
        }
        pump();
    }

    private void goAwayReceived(int last, long errorCode, ByteBuf debugData) {
        run.stats.goAway();
        if (errorCode != Http2Error.NO_ERROR.code()) {
            error("h2_goaway_" + name(errorCode), "GOAWAY " + name(errorCode) + " (last stream " + last + "): "
                    + debugData.toString(StandardCharsets.UTF_8));
        }
        lastStreamId = Math.min(lastStreamId, last);
        if (state == State.READY) {
            state = State.GOING_AWAY;
            slot.goingAway(this);
            for (H2Request r; (r = queued.poll()) != null; ) {
                r.on = null;
                slot.reissue(r);
            }
        } else if (state == State.OPENING) {
            fail(Failures.CLOSED, "GOAWAY before the server's SETTINGS");
        }
        // HELD: the close that follows counts it (closed_idle)
    }

    // ---- the channel -------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelReadComplete(ctx);   // flushes what the responses read set off
        } finally {
            reading = false;
        }
        if (state == State.GOING_AWAY && inFlight.isEmpty()) {
            state = State.DONE;
            ctx.close();   // our GOAWAY, then the close (no graceful wait: nothing is open)
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        State was = state;
        state = State.DONE;
        List<H2Request> left = new ArrayList<>(inFlight.size() + queued.size());
        boolean due = !inFlight.isEmpty();
        left.addAll(inFlight.values());
        left.addAll(queued);
        inFlight.clear();
        queued.clear();
        if (!failed && run.stats.running()) {
            if (was == State.OPENING || was == State.READY || due) {
                failed = true;
                run.stats.error(Failures.CLOSED, "closed by the server " + (was == State.OPENING
                        ? "before its SETTINGS" : due ? "before the responses due" : "without a GOAWAY"));
            } else if (was == State.HELD) {
                failed = true;
                run.stats.error(Failures.CLOSED_IDLE, "the server closed a held connection");
            }
        }
        super.channelInactive(ctx);   // closes the streams: none is left in inFlight to retry twice
        slot.closed(this, failed, left);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            super.exceptionCaught(ctx, cause);   // onConnectionError or onStreamError
        } else {
            fail(Failures.kindOf(cause), String.valueOf(cause));
        }
    }

    @Override
    protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                     Http2Exception http2Ex) {
        if (!failed && state != State.DONE && run.stats.running()) {
            failed = true;
            Http2Exception e = http2Ex != null ? http2Ex : Http2CodecUtil.getEmbeddedHttp2Exception(cause);
            run.stats.error("h2_" + (e == null ? "error" : e.error().name().toLowerCase(Locale.ROOT)), String.valueOf(cause));
        }
        state = State.DONE;
        slot.detach(this);
        super.onConnectionError(ctx, outbound, cause, http2Ex);   // GOAWAY with the code, then the close
    }

    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
                                 Http2Exception.StreamException streamException) {
        H2Request r = inFlight.get(streamException.streamId());
        if (r != null && !r.failed) {
            r.failed = true;
            error("h2_stream_" + streamException.error().name().toLowerCase(Locale.ROOT), String.valueOf(cause));
        }
        super.onStreamError(ctx, outbound, cause, streamException);   // RST_STREAM; the close retries it
    }

    /** Counts one error for this connection (the first only: the rest are its consequences) and closes it. */
    void fail(String kind, String detail) {
        if (!failed && state != State.DONE && run.stats.running()) {
            failed = true;
            run.stats.error(kind, detail);
        }
        state = State.DONE;
        slot.detach(this);
        ctx.close();
    }

    private void error(String kind, String detail) {
        if (run.stats.running()) {
            run.stats.error(kind, detail);
        }
    }

    private static String name(long errorCode) {
        Http2Error e = Http2Error.valueOf(errorCode);
        return e == null ? "0x" + Long.toHexString(errorCode) : e.name().toLowerCase(Locale.ROOT);
    }

    /** Responses straight from the decoder. */
    private final class Frames extends Http2FrameAdapter {

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            if (state != State.OPENING) {
                return;
            }
            state = State.READY;
            if (run.stats.wantsServerMaxStreams()) {
                Long max = settings.maxConcurrentStreams();
                run.stats.serverMaxStreams(max == null ? -1 : max);   // -1: the server set no limit
            }
            slot.opened(H2Connection.this);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) {
            H2Request r = inFlight.get(streamId);
            if (r == null) {
                return;
            }
            CharSequence status = headers.status();
            if (status != null) {
                r.status = AsciiString.of(status).parseInt();   // a 1xx is replaced by the final status
            }
            if (endOfStream) {
                complete(r);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            int bytes = data.readableBytes();
            H2Request r = inFlight.get(streamId);
            if (r != null) {
                r.bodyBytes += bytes;
                if (endOfStream) {
                    complete(r);
                }
            }
            return bytes + padding;   // all of it processed: the flow controller returns it to the window
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            H2Request r = inFlight.get(streamId);
            if (r != null && !r.failed) {
                r.failed = true;
                error("h2_rst_" + name(errorCode), "RST_STREAM " + name(errorCode) + " on stream " + streamId);
            }
        }
    }

    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<H2Connection, Builder> {

        private final RunContext run;
        private final H2Slot slot;

        Builder(RunContext run, H2Slot slot) {
            this.run = run;
            this.slot = slot;
            server(false);
            initialSettings(Http2Settings.defaultSettings().pushEnabled(false));
            // the driver's own close is immediate: at the end of a run, or after a failure
            gracefulShutdownTimeoutMillis(0);
        }

        @Override
        protected H2Connection build() {
            return super.build();
        }

        @Override
        protected H2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                     Http2Settings initialSettings) {
            H2Connection connection = new H2Connection(decoder, encoder, initialSettings, run, slot);
            frameListener(connection.frames);
            return connection;
        }
    }
}

package dev.portcullis.core.http;

import dev.portcullis.core.exchange.HttpExchange;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The client connection's HTTP/1.1 codec: Netty's {@code HttpServerCodec} (which is final) with
 * two rules its decoder lacks.
 * <ul>
 *   <li><b>No obs-fold.</b> A field line starting with SP or HTAB, in the head or in a chunked
 *       body's trailers, fails the request (RFC 9112 §5.2 allows a 400) instead of being joined
 *       to the previous value, and every byte after it is discarded: a fold cannot hide a
 *       header, or a second request, from the proxy that a backend would then see.</li>
 *   <li><b>{@code limits.request_header_timeout}.</b> From the first byte of a request to the end
 *       of its head; when it passes, a stand-in request fails with
 *       {@link RequestHeaderTimeoutException} and the rest is discarded (slowloris). Only an
 *       incomplete head is timed: not an idle keep-alive connection ({@code limits.idle_timeout})
 *       nor a body. A deadline that passes while the proxy itself has stopped reading the
 *       connection (a pipelined request waiting, a full upstream, the buffer budget) waits until
 *       reading resumes, plus one re-check, since the rest of the head may be unread in the
 *       socket.</li>
 * </ul>
 * Both failures, like the decoder's own, travel as a request with a failed {@code DecoderResult}
 * to {@link FramingGuardHandler}, which answers and closes.
 *
 * <p>What the framing contract relies on is pinned here rather than left to Netty's defaults and
 * system properties: strict line parsing (no bare LF), RFC 9112 Transfer-Encoding rules, no
 * duplicate Content-Length, validated header names. Content-Length next to Transfer-Encoding is
 * left on the request (not repaired) so that {@link FramingGuardHandler} refuses it.
 *
 * <p>The encoder asks forwarding which exchange a response answers, so that the response to HEAD
 * has no body (RFC 9110 §9.3.2) whatever its framing headers say.
 *
 * <p>First after TLS; {@link #pendingBytes()} counts what it holds. Per connection, confined to
 * its event loop.
 */
public final class StrictHttpServerCodec
        extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder> {

    /** How soon a deadline that passed while reading was paused is looked at again, at most. */
    static final Duration PAUSED_RECHECK = Duration.ofSeconds(1);

    private final StrictRequestDecoder decoder;
    private final Supplier<HttpExchange> answering;

    /**
     * @param config               limits of the head; a copy gets the strictness rules
     * @param requestHeaderTimeout {@code limits.request_header_timeout}
     * @param answering            the exchange whose response is being written, or null
     */
    public StrictHttpServerCodec(HttpDecoderConfig config, Duration requestHeaderTimeout,
                                 Supplier<HttpExchange> answering) {
        requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
        if (requestHeaderTimeout.isNegative() || requestHeaderTimeout.isZero()) {
            throw new IllegalArgumentException("requestHeaderTimeout: " + requestHeaderTimeout);
        }
        this.answering = requireNonNull(answering, "answering");
        decoder = new StrictRequestDecoder(strict(requireNonNull(config, "config").clone()), requestHeaderTimeout);
        init(decoder, new ServerResponseEncoder());
    }

    private static HttpDecoderConfig strict(HttpDecoderConfig config) {
        return config.setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true);
    }

    /** Bytes received but not yet decoded (the decoder's cumulation). Event loop only. */
    public int pendingBytes() {
        return decoder.pendingBytes();
    }

    /**
     * Decodes nothing after the request just passed on: behind a WebSocket upgrade request may come
     * frames, which are no HTTP. The bytes stay in the decoder (counted by {@link #pendingBytes})
     * until {@link #resumeInput} or until the codec is removed, which hands them on raw.
     */
    public void holdInput() {
        decoder.held = true;
    }

    /** The upgrade was refused: what was held is decoded as HTTP after all, soon, never inside a decode. */
    public void resumeInput() {
        decoder.held = false;
        decoder.ctx.executor().execute(decoder::decodeHeld);
    }

    /** Netty's stand-in for a request that could not be read; the access log recognises it. */
    private static FullHttpRequest failedRequest(Exception cause) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request",
                Unpooled.EMPTY_BUFFER);
        request.setDecoderResult(DecoderResult.failure(cause));
        return request;
    }

    /**
     * {@link HttpRequestDecoder} plus the fold check and the head deadline. The fold scanner is
     * fed what each {@code super.decode} call consumed. That call either reads head bytes (and
     * returns once it emitted the request) or body bytes (and returns once it emitted the last
     * content), never both, so the scanner learns where a chunked body starts and where the next
     * head starts before it sees their bytes.
     */
    private final class StrictRequestDecoder extends HttpRequestDecoder {

        private final Duration headerTimeout;
        private final long headerTimeoutNanos;
        private final ObsFoldScanner folds = new ObsFoldScanner();
        private ChannelHandlerContext ctx;
        /** Between a request's head and its last content. */
        private boolean inBody;
        /**
         * A head has begun and not ended. Its deadline is set at the end of the read that brought
         * its first byte, so a head that arrives whole costs no clock read and no timer.
         */
        private boolean headStarted;
        private ScheduledFuture<?> deadline;
        /** The deadline passed while the proxy was not reading: one more look before the verdict. */
        private boolean pausedAtDeadline;
        /** A request failed: every further byte is discarded. */
        private boolean failed;
        /** {@link #holdInput}: nothing more is decoded. */
        private boolean held;

        StrictRequestDecoder(HttpDecoderConfig config, Duration headerTimeout) {
            super(config);
            this.headerTimeout = headerTimeout;
            this.headerTimeoutNanos = headerTimeout.toNanos();
        }

        int pendingBytes() {
            return actualReadableBytes();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
            this.ctx = ctx;
            super.handlerAdded(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            super.channelRead(ctx, msg);
            armDeadline();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            cancelDeadline();
            super.channelInactive(ctx);
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
            cancelDeadline();
            super.handlerRemoved0(ctx);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (held) {
                return;
            }
            if (failed) {
                in.skipBytes(in.readableBytes());
                return;
            }
            boolean readingHead = !inBody;
            headStarted |= readingHead && in.isReadable();
            int from = in.readerIndex();
            int first = out.size();
            super.decode(ctx, in, out);
            inspect(in, from, out, first, readingHead);
        }

        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (failed || held) {
                in.skipBytes(in.readableBytes());
                return;
            }
            super.decodeLast(ctx, in, out);
        }

        /** Decodes what arrived while input was held, as if it had just been read. */
        private void decodeHeld() {
            if (held || ctx.isRemoved() || !ctx.channel().isActive() || !internalBuffer().isReadable()) {
                return;
            }
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
                channelReadComplete(ctx);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }

        /** Netty would drop Content-Length and go on; the framing guard refuses the pair instead. */
        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        }

        /** Looks at what one {@code super.decode} call consumed ({@code [from, readerIndex)}) and emitted. */
        private void inspect(ByteBuf in, int from, List<Object> out, int first, boolean readingHead) {
            HttpRequest request = null;
            boolean last = false;
            for (int i = first; i < out.size(); i++) {
                Object msg = out.get(i);
                if (msg instanceof HttpRequest r) {
                    request = r;
                }
                if (msg instanceof DecoderResultProvider p && p.decoderResult().isFailure()) {
                    // the decoder's own verdict (it discards the rest itself); 400/414/431 downstream
                    stop();
                    return;
                }
                last |= msg instanceof LastHttpContent;
            }
            if (folds.scan(in, from, in.readerIndex())) {
                if (readingHead) {
                    fail(in, out, first, request, new ObsFoldException());
                } else {
                    failBody(in, out, first, new ObsFoldException());
                }
                return;
            }
            if (request != null) {
                headDone();
                inBody = true;
                if (!last && HttpUtil.isTransferEncodingChunked(request)) {
                    folds.expectChunkedBody();
                }
            }
            if (last) {
                inBody = false;
                folds.reset();
            }
        }

        /**
         * Ends decoding with {@code cause}: the request emitted by this call (if any) carries it and
         * whatever followed it in {@code out} is dropped, otherwise a stand-in request does; the
         * unread bytes are discarded.
         */
        private void fail(ByteBuf in, List<Object> out, int first, HttpRequest request, Exception cause) {
            if (request == null) {
                request = failedRequest(cause);
                out.add(request);
            } else {
                request.setDecoderResult(DecoderResult.failure(cause));
                for (int i = out.size() - 1; i >= first && out.get(i) != request; i--) {
                    ReferenceCountUtil.release(out.remove(i));
                }
            }
            in.skipBytes(in.readableBytes());
            stop();
        }

        /**
         * Ends decoding with {@code cause} in the middle of a body whose head was already passed on
         * (a fold in a chunked body's trailers): the body ends with a failed last content, as
         * after the decoder's own chunk errors, and the unread bytes are discarded.
         */
        private void failBody(ByteBuf in, List<Object> out, int first, Exception cause) {
            for (int i = out.size() - 1; i >= first && out.get(i) instanceof LastHttpContent; i--) {
                ReferenceCountUtil.release(out.remove(i));
            }
            LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            failed.setDecoderResult(DecoderResult.failure(cause));
            out.add(failed);
            in.skipBytes(in.readableBytes());
            stop();
        }

        private void stop() {
            failed = true;
            headDone();
        }

        private void headDone() {
            headStarted = false;
            pausedAtDeadline = false;
            cancelDeadline();
        }

        /** After a read: a head begun in it and not finished gets its deadline, once. */
        private void armDeadline() {
            if (failed || !headStarted || deadline != null || ctx.isRemoved() || !ctx.channel().isActive()) {
                return;
            }
            schedule(headerTimeoutNanos);
        }

        private void schedule(long delayNanos) {
            deadline = ctx.executor().schedule(this::onDeadline, delayNanos, TimeUnit.NANOSECONDS);
        }

        private void onDeadline() {
            deadline = null;
            if (failed || !headStarted || !ctx.channel().isActive()) {
                return;
            }
            boolean reading = ctx.channel().config().isAutoRead();
            if (!reading || pausedAtDeadline) {
                pausedAtDeadline = !reading;
                schedule(Math.min(headerTimeoutNanos, PAUSED_RECHECK.toNanos()));
                return;
            }
            stop();
            ByteBuf held = internalBuffer();
            held.skipBytes(held.readableBytes());
            ctx.fireChannelRead(failedRequest(new RequestHeaderTimeoutException(headerTimeout)));
            ctx.fireChannelReadComplete();
        }

        private void cancelDeadline() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }

    /** {@link HttpResponseEncoder} that knows which request each response answers. */
    private final class ServerResponseEncoder extends HttpResponseEncoder {

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse response) {
            if (response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                HttpExchange exchange = answering.get();
                if (exchange != null && exchange.isHead()) {
                    return true;
                }
            }
            return super.isContentAlwaysEmpty(response);
        }
    }
}

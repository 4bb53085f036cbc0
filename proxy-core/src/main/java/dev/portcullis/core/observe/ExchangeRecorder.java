package dev.portcullis.core.observe;

import dev.portcullis.core.connection.ConnectionStats;
import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.tls.ClientIdentity;
import dev.portcullis.core.tls.ConnectionTls;
import dev.portcullis.core.tls.HandshakeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;

/**
 * Records each exchange on a client connection: the request as the decoder read it (before any
 * rule rewrote it), body bytes both ways, the final status, and what forwarding reports through
 * {@link ExchangeTrace}. When the response's last part is written, the exchange is counted in
 * {@code portcullis_requests_total} and {@code portcullis_request_duration_seconds} and written
 * to the {@link AccessLog} (when there is one).
 *
 * <p>Sits right after the HTTP codec, so it sees every request, rejected ones included, and
 * every response, Portcullis's own included. Pipelined requests wait in a queue, answered in
 * order. An exchange cut short by the connection closing is logged then, with the status sent
 * so far, or 499 (nginx's "client closed request") when no response had begun.
 *
 * <p>Body bytes: {@code bytes_in} and {@code bytes_out} count message bodies, not headers or
 * TLS overhead. Per connection, event-loop confined.
 */
public final class ExchangeRecorder extends ChannelDuplexHandler implements ExchangeTrace {

    /** Logged for an exchange whose connection closed before any response began. */
    static final int CLIENT_CLOSED = 499;

    /** Netty's stand-in for a request whose request line could not be read. */
    private static final String UNREADABLE_TARGET = "/bad-request";

    private final ProxyMetrics metrics;
    private final AccessLog log;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>(2);
    private Connection connection;
    /** The connection's stats (null in a pipeline without a meter). */
    private ConnectionStats stats;
    /** The newest request, whose body may still be arriving. */
    private Entry reading;
    /** A response told the client the connection ends: requests behind it were never answered. */
    private boolean closing;

    /** @param log the access log, or null when {@code access_log: off} */
    public ExchangeRecorder(ProxyMetrics metrics, AccessLog log) {
        this.metrics = metrics;
        this.log = log;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        stats = ConnectionStats.of(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            reading = new Entry(System.nanoTime(), request);
            entries.add(reading);
            if (stats != null) {
                stats.requestStarted();
            }
        }
        if (msg instanceof HttpContent content && reading != null) {
            reading.bytesIn += content.content().readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Entry entry = entries.peek();
        try {
            if (entry != null) {
                record(ctx, entry, msg);
            }
        } finally {
            ctx.write(msg, promise);
        }
    }

    private void record(ChannelHandlerContext ctx, Entry entry, Object msg) {
        if (msg instanceof HttpResponse response) {
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return; // 100 Continue: the exchange goes on
            }
            entry.status = response.status().code();
            closing |= response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        }
        if (msg instanceof HttpContent content && entry.status != 0) {
            entry.bytesOut += content.content().readableBytes();
            if (content instanceof LastHttpContent) {
                entries.poll();
                complete(ctx, entry);
            }
        }
    }

    @Override
    public void upstreamTime(long nanos) {
        Entry entry = entries.peek();
        if (entry != null) {
            entry.upstreamNanos = nanos;
        }
    }

    @Override
    public void error(ErrorCode error) {
        Entry entry = entries.peek();
        if (entry != null) {
            entry.error = error;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Entry unfinished = entries.peek();
        if (unfinished != null && (unfinished.status != 0 || !closing)) {
            if (unfinished.status == 0) {
                unfinished.status = CLIENT_CLOSED;
            }
            complete(ctx, unfinished);
        }
        entries.clear();
        ctx.fireChannelInactive();
    }

    private void complete(ChannelHandlerContext ctx, Entry entry) {
        long end = System.nanoTime();
        metrics.requestCompleted(entry.status, end - entry.startNanos);
        if (log != null) {
            log.write(connection(ctx.channel()), entry, end);
        }
    }

    /** Read at the first line written: by then the handshake is done. */
    private Connection connection(Channel channel) {
        if (connection == null) {
            connection = new Connection(channel, stats);
        }
        return connection;
    }

    /** What every line of one connection repeats. */
    static final class Connection {
        final String remote;
        final String subject;
        final String fingerprint;
        final String protocol;
        final boolean resumed;

        Connection(Channel channel, ConnectionStats stats) {
            remote = stats != null ? stats.remote() : ConnectionStats.render(channel.remoteAddress());
            ClientIdentity identity = channel.attr(HandshakeHandler.IDENTITY).get();
            boolean verified = identity != null && identity.verified();
            subject = verified ? identity.subject() : null;
            fingerprint = verified ? identity.fingerprint() : null;
            ConnectionTls tls = channel.attr(HandshakeHandler.TLS).get();
            protocol = tls == null ? null : tls.protocol();
            resumed = tls != null && tls.resumed();
        }
    }

    /** One exchange, filled in as it happens. */
    static final class Entry {
        final long startNanos;
        final String method;
        final String uri;
        long bytesIn;
        long bytesOut;
        int status;
        long upstreamNanos = -1;
        ErrorCode error;

        Entry(long startNanos, HttpRequest request) {
            this.startNanos = startNanos;
            boolean unreadable = request.decoderResult().isFailure() && request instanceof FullHttpRequest
                    && request.protocolVersion() == HttpVersion.HTTP_1_0 && UNREADABLE_TARGET.equals(request.uri());
            this.method = unreadable ? null : request.method().name();
            this.uri = unreadable ? null : request.uri();
        }
    }
}

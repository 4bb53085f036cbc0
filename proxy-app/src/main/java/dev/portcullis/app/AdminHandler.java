package dev.portcullis.app;

import dev.portcullis.core.ProxyServer;
import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.core.http.Json;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * Answers the admin endpoint's requests (DESIGN.md "Admin endpoint"): {@code GET} or {@code HEAD}
 * of {@code /metrics}, {@code /healthz}, {@code /readyz} and {@code /connections}; anything else is
 * a JSON 404. Every response carries Content-Length and {@code Cache-Control: no-store} (a probe or
 * a scrape must never be answered from a cache); a HEAD response has the headers GET would have.
 * Errors are small JSON bodies with fixed messages, never an echo of the request.
 *
 * <p>Last in the admin pipeline, after {@code HttpServerCodec}, the idle timeout and the
 * aggregator (see {@link AdminServer}), so it sees whole requests. Stateless and {@code @Sharable};
 * it runs on the admin server's own event loop, so a scrape never delays the proxy's traffic.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    /** The Prometheus text exposition format, version 0.0.4. */
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final int DEFAULT_CONNECTIONS_LIMIT = 100;
    /** A larger {@code ?limit} is served as this many: the body stays a few MiB at most. */
    static final int MAX_CONNECTIONS_LIMIT = 10_000;

    private static final Logger LOG = LogManager.getLogger(AdminHandler.class);
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final String NOT_FOUND_MESSAGE =
            "no such admin resource; try GET /metrics, /healthz, /readyz or /connections";

    private final PrometheusMeterRegistry metrics;
    private final Supplier<ProxyServer> proxy;

    /**
     * @param proxy the running proxy, or null while there is none (not started yet, or failed):
     *              {@code /readyz} then answers 503 and {@code /connections} lists nothing
     */
    AdminHandler(PrometheusMeterRegistry metrics, Supplier<ProxyServer> proxy) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.proxy = requireNonNull(proxy, "proxy");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            send(ctx, malformed(ctx.alloc(), request.decoderResult().cause()), HttpVersion.HTTP_1_1, false, false);
            return;
        }
        HttpMethod method = request.method();
        boolean head = HttpMethod.HEAD.equals(method);
        FullHttpResponse response = head || HttpMethod.GET.equals(method)
                ? route(ctx.alloc(), new QueryStringDecoder(request.uri()))
                : error(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "not_found", NOT_FOUND_MESSAGE);
        send(ctx, response, request.protocolVersion(), HttpUtil.isKeepAlive(request), head);
    }

    /** Closes a connection that was idle both ways for the admin server's idle timeout. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset by the peer is routine; anything else is worth one line.
        if (!(cause instanceof IOException)) {
            LOG.warn("admin endpoint: closing a connection after {}", cause.toString());
        }
        ctx.close();
    }

    private FullHttpResponse route(ByteBufAllocator alloc, QueryStringDecoder uri) {
        return switch (uri.path()) {
            case "/metrics" -> metrics(alloc);
            case "/healthz" -> json(alloc, HttpResponseStatus.OK, "{\"status\":\"ok\"}\n");
            case "/readyz" -> ready()
                    ? json(alloc, HttpResponseStatus.OK, "{\"status\":\"ready\"}\n")
                    : json(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"status\":\"not_ready\"}\n");
            case "/connections" -> connections(alloc, uri.parameters().get("limit"));
            default -> error(alloc, HttpResponseStatus.NOT_FOUND, "not_found", NOT_FOUND_MESSAGE);
        };
    }

    /** Scrapes straight into the response buffer: no String copy of what may be 100 KiB of text. */
    private FullHttpResponse metrics(ByteBufAllocator alloc) {
        ByteBuf body = alloc.buffer();
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            metrics.scrape(out, METRICS_CONTENT_TYPE);
        } catch (IOException | RuntimeException e) {
            body.release();
            LOG.warn("admin endpoint: /metrics scrape failed: {}", e.toString());
            return error(alloc, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error",
                    "the metrics could not be collected");
        }
        return response(HttpResponseStatus.OK, METRICS_CONTENT_TYPE, body);
    }

    private boolean ready() {
        ProxyServer server = proxy.get();
        return server != null && server.ready();
    }

    /** {@code ?limit=N}: a positive integer, 100 when absent, at most {@value #MAX_CONNECTIONS_LIMIT}. */
    private FullHttpResponse connections(ByteBufAllocator alloc, List<String> limitParameter) {
        int limit = DEFAULT_CONNECTIONS_LIMIT;
        if (limitParameter != null) {
            limit = limitParameter.size() == 1 ? parseLimit(limitParameter.get(0)) : -1;
            if (limit <= 0) {
                return error(alloc, HttpResponseStatus.BAD_REQUEST, "bad_request",
                        "limit must be one positive integer");
            }
        }
        ProxyServer server = proxy.get();
        String body = server == null
                ? ConnectionsJson.render(0, List.of())
                : render(server.connections(), limit);
        return json(alloc, HttpResponseStatus.OK, body);
    }

    private static String render(ConnectionRegistry registry, int limit) {
        return ConnectionsJson.render(registry.size(), registry.heaviest(limit));
    }

    /** The limit, capped at {@link #MAX_CONNECTIONS_LIMIT}; 0 or -1 when it is not a positive integer. */
    static int parseLimit(String text) {
        if (!DIGITS.matcher(text).matches()) {
            return -1;
        }
        String digits = text.replaceFirst("^0+", "");
        if (digits.length() > 9) {
            return MAX_CONNECTIONS_LIMIT;
        }
        return digits.isEmpty() ? 0 : Math.min(Integer.parseInt(digits), MAX_CONNECTIONS_LIMIT);
    }

    private static FullHttpResponse malformed(ByteBufAllocator alloc, Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return error(alloc, HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "the request URI is too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return error(alloc, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                    "the request headers are too large");
        }
        return error(alloc, HttpResponseStatus.BAD_REQUEST, "bad_request", "the request is malformed");
    }

    /** {@code {"error":code,"message":message}}, the body shape of every Portcullis error. */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String code, String message) {
        StringBuilder body = new StringBuilder(64 + message.length());
        Json.appendString(body.append("{\"error\":"), code);
        Json.appendString(body.append(",\"message\":"), message);
        return json(alloc, status, body.append("}\n").toString());
    }

    private static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, String body) {
        return response(status, HttpHeaderValues.APPLICATION_JSON, ByteBufUtil.writeUtf8(alloc, body));
    }

    private static FullHttpResponse response(HttpResponseStatus status, CharSequence contentType, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }

    /**
     * Writes {@code response} in the request's HTTP version. HEAD: the same headers, Content-Length
     * included, and no body (RFC 9110 §9.3.2). Closes after it unless the client keeps the
     * connection alive.
     */
    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, HttpVersion version,
                             boolean keepAlive, boolean head) {
        FullHttpResponse out = head ? response.replace(Unpooled.EMPTY_BUFFER) : response;
        if (head) {
            response.release();
        }
        out.setProtocolVersion(version);
        if (!keepAlive) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!version.isKeepAliveDefault()) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(out);
    }
}

package dev.portcullis.core.pipeline;

import dev.portcullis.core.connection.LingeringCloseHandler;

import java.util.List;

/**
 * Names of the client connection's handlers, in pipeline order.
 *
 * <p>Connection stages, on the socket from accept to close:
 * <ol>
 *   <li>{@link #METER}: counts the connection's bytes, enforces {@code max_connection_buffer}</li>
 *   <li>{@link #TLS}: terminates TLS, verifies the client chain</li>
 *   <li>{@link #LINGERING_CLOSE}: only while closing after an early answer: discards what the client still sends</li>
 *   <li>{@link #HANDSHAKE}: builds the connection context once and installs the protocol stages (removed after the handshake)</li>
 * </ol>
 * HTTP/1.1 stages, installed once the client is verified:
 * <ol>
 *   <li>{@link #HTTP_CODEC}: strict HTTP/1.1 decoding within the header and line limits (obs-fold refused, request header timeout)</li>
 *   <li>{@link #IDLE}: notices a connection idle for {@code limits.idle_timeout} (forwarding closes it)</li>
 * </ol>
 * HTTP/2 stages instead, when ALPN chose {@code h2}:
 * <ol>
 *   <li>{@link #HTTP2_CODEC}: frames, with every flood and size guard set ({@code Http2Codec})</li>
 *   <li>{@link #IDLE}: as above; the lifecycle answers with a GOAWAY when no stream is open</li>
 *   <li>{@link #HTTP2_STREAMS}: one child channel per stream</li>
 *   <li>{@link #HTTP2_LIFECYCLE}: counts streams; GOAWAY on idle, drain and the stream limit</li>
 * </ol>
 * and in each stream's pipeline {@link #HTTP2_REQUEST_GUARD} (what RFC 9113 asks of a request head
 * that Netty does not check), {@link #HTTP2_STREAM_CODEC} (frames to HTTP/1.1 objects),
 * {@link #HTTP2_REQUEST_ADAPTER} (one Host, no {@code x-http2-*}, whole requests split), then:
 * <p>
 * Exchange stages, the same for every protocol ({@link ExchangeStages}):
 * <ol>
 *   <li>{@link #EXCHANGE_START}: turns each request head into the exchange object carried on</li>
 *   <li>{@link #FRAMING_GUARD}: strict framing and size limits</li>
 *   <li>{@link #ALLOW_LIST}: 403 for clients {@code identity.allow} does not admit</li>
 *   <li>{@link #QUERY_TOKENS}: 400 or strip for credentials in the query (absent when none are configured)</li>
 *   <li>{@link #IDENTITY_HEADERS}: strips spoofable headers and trailers, sets identity and forwarding headers</li>
 *   <li>{@link #FORWARDING}: answers each exchange in order, streaming it to a pooled upstream connection</li>
 * </ol>
 * After an upstream 101 to a WebSocket upgrade, every HTTP/1.1 and exchange stage gives way to one
 * handler ({@link Http1Upgrade}):
 * <ol>
 *   <li>{@link #TUNNEL}: relays bytes between the client and its upstream connection, unparsed</li>
 * </ol>
 */
public final class PipelineNames {

    public static final String METER = "meter";
    public static final String TLS = "tls";
    public static final String LINGERING_CLOSE = LingeringCloseHandler.NAME;
    public static final String HANDSHAKE = "handshake";
    public static final String HTTP_CODEC = "http-codec";
    public static final String IDLE = "idle";
    public static final String EXCHANGE_START = "exchange-start";
    public static final String FRAMING_GUARD = "framing-guard";
    public static final String ALLOW_LIST = "allow-list";
    public static final String QUERY_TOKENS = "query-tokens";
    public static final String IDENTITY_HEADERS = "identity-headers";
    public static final String FORWARDING = "forwarding";
    public static final String TUNNEL = "tunnel";
    public static final String HTTP2_CODEC = "http2-codec";
    public static final String HTTP2_STREAMS = "http2-streams";
    public static final String HTTP2_LIFECYCLE = "http2-lifecycle";
    public static final String HTTP2_STREAM_CODEC = "http2-stream-codec";
    public static final String HTTP2_REQUEST_GUARD = "http2-request-guard";
    public static final String HTTP2_REQUEST_ADAPTER = "http2-request-adapter";

    /** The handlers a tunnel replaces, in pipeline order (query tokens may be absent). */
    static final List<String> HTTP1_AND_EXCHANGE_STAGES = List.of(HTTP_CODEC, IDLE, EXCHANGE_START, FRAMING_GUARD,
            ALLOW_LIST, QUERY_TOKENS, IDENTITY_HEADERS, FORWARDING);

    private PipelineNames() {
    }
}

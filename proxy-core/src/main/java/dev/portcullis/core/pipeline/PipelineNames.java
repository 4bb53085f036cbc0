package dev.portcullis.core.pipeline;

/**
 * Names of the client connection's handlers, in pipeline order:
 * <ol>
 *   <li>{@link #METER}: registers the connection, counts its bytes, enforces {@code max_connection_buffer}</li>
 *   <li>{@link #TLS}: terminates TLS, verifies the client chain</li>
 *   <li>{@link #HANDSHAKE}: computes the client identity once (removed after the handshake)</li>
 *   <li>{@link #HTTP_CODEC}: strict HTTP/1.1 decoding within the header and line limits (obs-fold refused, request header timeout)</li>
 *   <li>{@link #RECORDER}: records each exchange for the request metrics and the access log</li>
 *   <li>{@link #KEEP_ALIVE}: Connection: close / keep-alive bookkeeping</li>
 *   <li>{@link #IDLE}: notices a connection idle for {@code limits.idle_timeout} (forwarding closes it)</li>
 *   <li>{@link #FRAMING_GUARD}: strict framing and size limits</li>
 *   <li>{@link #ALLOW_LIST}: 403 for clients {@code identity.allow} does not admit</li>
 *   <li>{@link #QUERY_TOKENS}: 400 or strip for credentials in the query (absent when none are configured)</li>
 *   <li>{@link #EXPECT_CONTINUE}: answers {@code Expect: 100-continue} itself</li>
 *   <li>{@link #IDENTITY_HEADERS}: strips spoofable headers, sets identity and forwarding headers</li>
 *   <li>{@link #FORWARDING}: streams the exchange to the pooled upstream connection</li>
 * </ol>
 */
public final class PipelineNames {

    public static final String METER = "meter";
    public static final String TLS = "tls";
    public static final String HANDSHAKE = "handshake";
    public static final String HTTP_CODEC = "http-codec";
    public static final String RECORDER = "recorder";
    public static final String KEEP_ALIVE = "keep-alive";
    public static final String IDLE = "idle";
    public static final String FRAMING_GUARD = "framing-guard";
    public static final String ALLOW_LIST = "allow-list";
    public static final String QUERY_TOKENS = "query-tokens";
    public static final String EXPECT_CONTINUE = "expect-continue";
    public static final String IDENTITY_HEADERS = "identity-headers";
    public static final String FORWARDING = "forwarding";

    private PipelineNames() {
    }
}

package dev.portcullis.bench.load;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http2.Http2Exception;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Names the kind of a failure for the error counts: {@code connect}, {@code tls}, {@code timeout},
 * {@code reset}, {@code closed}, {@code protocol}, {@code websocket_upgrade}, {@code alpn},
 * {@code h2_<error code>}, or {@code other_<Exception>}. Non-2xx statuses
 * ({@code status_<code>}) and driver-side timeouts are named where they are detected.
 *
 * <p>The kinds are few and fixed so that a summary line stays short and two runs can be compared.
 */
final class Failures {

    static final String CONNECT = "connect";
    static final String TLS = "tls";
    static final String TIMEOUT = "timeout";
    static final String RESET = "reset";
    static final String CLOSED = "closed";
    /** A held connection (idle mode) that the server closed before the end of the run. */
    static final String CLOSED_IDLE = "closed_idle";
    static final String PROTOCOL = "protocol";
    /** The WebSocket upgrade was refused: no {@code 101}, or one without the right headers. */
    static final String WEBSOCKET_UPGRADE = "websocket_upgrade";
    /** h2 modes: the server did not choose {@code h2} by ALPN. */
    static final String ALPN = "alpn";

    private Failures() {
    }

    /** The kind of {@code cause}, looking through Netty's wrapping (DecoderException around SSLException). */
    static String kindOf(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectTimeoutException) {
                return CONNECT;
            }
            if (t instanceof SSLException) {
                return TLS;
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException) {
                return CONNECT;
            }
            if (t instanceof WebSocketHandshakeException) {
                return t.getMessage() != null && t.getMessage().contains("timed out") ? TIMEOUT : WEBSOCKET_UPGRADE;
            }
            if (t instanceof Http2Exception h2) {
                return "h2_" + h2.error().name().toLowerCase(Locale.ROOT);
            }
            if (t instanceof ClosedChannelException) {
                return CLOSED;
            }
            if (t instanceof IOException && isReset(t.getMessage())) {
                return RESET;
            }
        }
        if (cause instanceof DecoderException) {
            return PROTOCOL;
        }
        return "other_" + cause.getClass().getSimpleName();
    }

    /** The JDK and Netty's native transports both say "Connection reset by peer". */
    private static boolean isReset(String message) {
        return message != null && message.toLowerCase(Locale.ROOT).contains("reset");
    }
}

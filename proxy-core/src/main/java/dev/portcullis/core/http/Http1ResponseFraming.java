package dev.portcullis.core.http;

import dev.portcullis.core.exchange.HttpExchange;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * How a response head goes out to an HTTP/1.x client, for the version the client spoke (RFC 9112
 * §6.1, §6.3, §9.3):
 * <ul>
 *   <li>HTTP/1.0 never gets Transfer-Encoding: a chunked body is de-chunked (the encoder writes a
 *       head without it raw) and ends with the connection;</li>
 *   <li>HTTP/1.1 gets a body of unknown length chunked rather than close-delimited, so the
 *       connection can stay open;</li>
 *   <li>the connection persists only when the client asked for it (HTTP/1.0:
 *       {@code Connection: keep-alive}, answered in kind) and the length is known; otherwise the
 *       head says {@code Connection: close}.</li>
 * </ul>
 * Hop-by-hop headers were removed before; the {@code Connection} set here is Portcullis's own.
 * Stateless.
 */
public final class Http1ResponseFraming {

    private Http1ResponseFraming() {
    }

    /**
     * Sets the framing and {@code Connection} headers of {@code head}.
     *
     * @param last the connection ends after this response anyway
     * @return whether the connection closes after this response
     */
    public static boolean apply(HttpResponse head, HttpExchange exchange, boolean last) {
        HttpHeaders headers = head.headers();
        boolean http10 = exchange.version().minorVersion() == 0;
        boolean lengthKnown = !mayHaveBody(head, exchange) || headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        if (HttpUtil.isTransferEncodingChunked(head)) {
            if (http10) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            } else {
                lengthKnown = true;
            }
        } else if (!lengthKnown && !http10) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            lengthKnown = true;
        }
        boolean close = last || !lengthKnown || !exchange.keepAliveRequested();
        if (close) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return close;
    }

    /** RFC 9110 §9.3.2, §15.3.5, §15.4.5: no body for HEAD, 204 and 304. */
    private static boolean mayHaveBody(HttpResponse head, HttpExchange exchange) {
        int code = head.status().code();
        return !exchange.isHead() && code != 204 && code != 304;
    }
}

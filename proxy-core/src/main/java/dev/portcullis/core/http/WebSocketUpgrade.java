package dev.portcullis.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The WebSocket opening handshake as a proxy sees it (RFC 6455 §4, DESIGN.md "WebSocket"): which
 * requests may become a tunnel, and which answers make them one. Only {@code websocket} is ever
 * upgraded to; every other {@code Upgrade} token ({@code h2c} above all: h2c smuggling) is stripped
 * with the other hop-by-hop headers and never reaches the upstream.
 *
 * <p>The request rules strip {@code Connection} and {@code Upgrade} from every request as
 * hop-by-hop; for an upgrade they are put back in their canonical form, so that no other
 * connection option or protocol token rides along. {@code Sec-WebSocket-*} headers are end to
 * end and pass unchanged. Stateless.
 */
public final class WebSocketUpgrade {

    private WebSocketUpgrade() {
    }

    /**
     * A {@code GET} over HTTP/1.1 with {@code upgrade} among its Connection options and
     * {@code websocket} among its Upgrade tokens, and no body: bytes after its head may already
     * be WebSocket frames, never a body (RFC 6455 §4.1).
     */
    public static boolean requested(HttpRequest request) {
        HttpHeaders headers = request.headers();
        return request.decoderResult().isSuccess()
                && HttpMethod.GET.equals(request.method())
                && HttpVersion.HTTP_1_1.equals(request.protocolVersion())
                && HeaderNames.listsToken(headers, HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                && HeaderNames.listsToken(headers, HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
                && HttpUtil.getContentLength(request, 0L) == 0;
    }

    /** Puts back what the hop-by-hop rule removed from an upgrade request, and nothing else. */
    public static void setRequestHeaders(HttpHeaders headers) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }

    /**
     * The upstream switched to WebSocket: {@code 101}, {@code Upgrade: websocket} and a
     * {@code Sec-WebSocket-Accept} (without it Netty's decoder would take the bytes after the head
     * for a Hixie-76 body). The client checks the accept value; the proxy only relays it.
     */
    public static boolean accepted(HttpResponse response) {
        HttpHeaders headers = response.headers();
        return response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()
                && HeaderNames.listsToken(headers, HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                && headers.contains(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT);
    }

    /**
     * Frames a relayed 101 after the response rules removed its hop-by-hop headers: the switch is
     * announced again, and no length header claims a body the tunnel will never have.
     */
    public static void setResponseHeaders(HttpHeaders headers) {
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }
}

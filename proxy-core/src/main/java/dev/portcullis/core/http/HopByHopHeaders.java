package dev.portcullis.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;

/**
 * Removes the hop-by-hop headers of RFC 9110 §7.6.1 from a message about to cross the proxy:
 * Connection and every name it lists, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade.
 * Transfer-Encoding stays: the codec re-frames the streamed body from it.
 */
public final class HopByHopHeaders {

    private HopByHopHeaders() {
    }

    public static void remove(HttpHeaders headers) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        if (!connection.isEmpty()) {
            List<String> listed = new ArrayList<>();
            for (String value : connection) {
                for (String token : value.split(",")) {
                    String name = token.trim();
                    // Never let a client unframe its own message by listing framing headers.
                    if (!name.isEmpty() && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                            && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
                        listed.add(name);
                    }
                }
            }
            for (String name : listed) {
                headers.remove(name);
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        headers.remove(HttpHeaderNames.KEEP_ALIVE)
                .remove(HttpHeaderNames.PROXY_CONNECTION)
                .remove(HttpHeaderNames.TE)
                .remove(HttpHeaderNames.TRAILER)
                .remove(HttpHeaderNames.UPGRADE);
    }
}

package dev.portcullis.core.http;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;

/**
 * Removes the hop-by-hop headers of RFC 9110 §7.6.1 from a response before it is relayed to the
 * client: Connection and every name it lists, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade.
 * Transfer-Encoding stays: the codec re-frames the streamed body from it. Requests get the same
 * treatment, and more, from {@link RequestHeaderRules}.
 */
public final class HopByHopHeaders {

    private static final HeaderNames.NameSet HOP_BY_HOP = new HeaderNames.NameSet(HeaderNames.HOP_BY_HOP, List.of());

    private HopByHopHeaders() {
    }

    public static void remove(HttpHeaders headers) {
        HeaderNames.removeNamedOrListed(headers, HOP_BY_HOP);
    }
}

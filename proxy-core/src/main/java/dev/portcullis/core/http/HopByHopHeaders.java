package dev.portcullis.core.http;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

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
        List<String> connectionOptions = HeaderNames.connectionOptions(headers, HOP_BY_HOP);
        List<CharSequence> remove = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (HOP_BY_HOP.contains(name) || HeaderNames.isListed(connectionOptions, name)) {
                if (remove == null) {
                    remove = new ArrayList<>(4);
                }
                remove.add(name);
            }
        }
        if (remove != null) {
            for (CharSequence name : remove) {
                headers.remove(name);
            }
        }
    }
}

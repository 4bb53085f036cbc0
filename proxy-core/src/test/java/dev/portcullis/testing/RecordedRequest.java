package dev.portcullis.testing;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request as {@link RecordingUpstream} received it: header names exactly as sent (case,
 * order, duplicates), the body counted and hashed, and kept only when small.
 *
 * @param connectionId   1-based number of the upstream connection it came on
 * @param sequence       1-based number of the request on that connection (2+ means keep-alive reuse)
 * @param headers        header fields in wire order, names as received
 * @param bodyBytes      body length actually received (after chunked decoding)
 * @param body           the body when it fit in the upstream's keep limit, else null
 * @param bodySha256     lowercase hex SHA-256 of the received body
 * @param trailers       trailer fields of a chunked body
 * @param complete       false when the connection closed before the body ended
 * @param decoderFailure the upstream's HTTP decoder rejected the request (the proxy sent bad bytes), else null
 */
public record RecordedRequest(int connectionId, int sequence, InetSocketAddress remote, String method, String uri,
                              String protocolVersion, List<Map.Entry<String, String>> headers, long bodyBytes,
                              byte[] body, String bodySha256, List<Map.Entry<String, String>> trailers,
                              boolean complete, String decoderFailure) {

    public RecordedRequest {
        headers = List.copyOf(headers);
        trailers = List.copyOf(trailers);
    }

    /** The first value of {@code name} (case-insensitive). */
    public Optional<String> header(String name) {
        return Headers.first(headers, name);
    }

    /** Every value of {@code name} (case-insensitive), in order: a duplicate shows up twice. */
    public List<String> headers(String name) {
        return Headers.all(headers, name);
    }

    /** Header names exactly as received, in order. */
    public List<String> headerNames() {
        return headers.stream().map(Map.Entry::getKey).toList();
    }

    /** The kept body as UTF-8; fails when the body was too large to keep. */
    public String bodyText() {
        if (body == null) {
            throw new IllegalStateException(bodyBytes + " body bytes were counted, not kept");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return method + " " + uri + " " + protocolVersion + " #" + connectionId + "." + sequence + " " + headers
                + " body=" + bodyBytes + (complete ? "" : " INCOMPLETE")
                + (decoderFailure == null ? "" : " DECODER FAILURE " + decoderFailure);
    }
}

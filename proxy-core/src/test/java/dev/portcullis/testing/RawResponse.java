package dev.portcullis.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP/1.1 response exactly as it came off the wire: header names with their case, in order,
 * duplicates kept.
 *
 * @param protocol  e.g. {@code HTTP/1.1}
 * @param headers   header fields in wire order
 * @param body      the decoded body (chunked framing removed); empty for HEAD, 1xx, 204, 304
 * @param framing   how the body was delimited
 * @param trailers  trailer fields of a chunked body, in order
 */
public record RawResponse(String protocol, int status, String reason, List<Map.Entry<String, String>> headers,
                          byte[] body, Framing framing, List<Map.Entry<String, String>> trailers) {

    /** How a response body was delimited (RFC 9112 §6.3). */
    public enum Framing { NO_BODY, CONTENT_LENGTH, CHUNKED, UNTIL_CLOSE }

    public RawResponse {
        headers = List.copyOf(headers);
        trailers = List.copyOf(trailers);
    }

    /** The first value of {@code name} (case-insensitive), if any. */
    public Optional<String> header(String name) {
        return Headers.first(headers, name);
    }

    /** Every value of {@code name} (case-insensitive), in order. */
    public List<String> headers(String name) {
        return Headers.all(headers, name);
    }

    /** Header names as sent, in order (duplicates repeated). */
    public List<String> headerNames() {
        return headers.stream().map(Map.Entry::getKey).toList();
    }

    public boolean hasHeader(String name) {
        return header(name).isPresent();
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** True when the response says {@code Connection: close} (the peer will close after it). */
    public boolean connectionClose() {
        return headers("Connection").stream().anyMatch(v -> v.toLowerCase(java.util.Locale.ROOT).contains("close"));
    }

    @Override
    public String toString() {
        String text = body.length <= 512 ? bodyText() : body.length + " bytes";
        return protocol + " " + status + " " + reason + " " + headers + " body=" + text;
    }
}

package dev.portcullis.app;

import dev.portcullis.core.connection.ConnectionSnapshot;
import dev.portcullis.core.http.Json;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The body of {@code GET /connections} (DESIGN.md "Admin endpoint"), one object per connection,
 * keys in this order:
 * <pre>{@code
 * {"total":1,"connections":[{"id":7,"remote":"127.0.0.1:53412","opened":"2026-11-22T10:15:30.123Z",
 *  "protocol":"TLSv1.3","cipher":"TLS_AES_128_GCM_SHA256","resumed":false,
 *  "subject":"CN=alice,OU=eng,O=Example","fingerprint":"ab12...","requests":3,"bytes_in":2048,
 *  "bytes_out":4096,"buffered_bytes":0,"peak_buffered_bytes":512,"http":"HTTP/1.1","streams":0}]}
 * }</pre>
 * {@code total} counts every live connection, even those past the limit. A field that is not known
 * (before the handshake, or a client without a certificate) is {@code null}. Nothing else about a
 * connection is shown: no certificate, no header value.
 */
final class ConnectionsJson {

    /** RFC 3339, UTC, milliseconds: the access log's {@code ts} format. */
    private static final DateTimeFormatter OPENED =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** A guess at one connection's size, so the builder rarely grows. */
    private static final int BYTES_PER_CONNECTION = 400;

    private ConnectionsJson() {
    }

    static String render(int total, List<ConnectionSnapshot> connections) {
        StringBuilder json = new StringBuilder(64 + connections.size() * BYTES_PER_CONNECTION)
                .append("{\"total\":").append(total).append(",\"connections\":[");
        for (int i = 0; i < connections.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            append(json, connections.get(i));
        }
        return json.append("]}\n").toString();
    }

    private static void append(StringBuilder json, ConnectionSnapshot c) {
        json.append("{\"id\":").append(c.id());
        Json.appendString(json.append(",\"remote\":"), c.remote());
        Json.appendString(json.append(",\"opened\":"), c.opened() == null ? null : OPENED.format(c.opened()));
        Json.appendString(json.append(",\"protocol\":"), c.protocol());
        Json.appendString(json.append(",\"cipher\":"), c.cipher());
        json.append(",\"resumed\":").append(c.resumed());
        Json.appendString(json.append(",\"subject\":"), c.subject());
        Json.appendString(json.append(",\"fingerprint\":"), c.fingerprint());
        json.append(",\"requests\":").append(c.requests())
                .append(",\"bytes_in\":").append(c.bytesIn())
                .append(",\"bytes_out\":").append(c.bytesOut())
                .append(",\"buffered_bytes\":").append(c.bufferedBytes())
                .append(",\"peak_buffered_bytes\":").append(c.peakBufferedBytes());
        Json.appendString(json.append(",\"http\":"), c.http());
        json.append(",\"streams\":").append(c.streams()).append('}');
    }
}

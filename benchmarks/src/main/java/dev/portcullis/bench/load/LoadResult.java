package dev.portcullis.bench.load;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * The outcome of one run: counts and latency percentiles of the requests that completed inside
 * the measurement window, and every error by kind. {@link #summaryLine} is the one human line,
 * {@link #toJson} the machine-readable form that comparison scripts read.
 *
 * @param durationSeconds the measurement window actually observed (idle: how long connections were held)
 * @param requests        successful (2xx) responses completed inside the window; WebSocket modes: echoes
 *                        (message round trips) completed inside it
 * @param errors          all errors, i.e. the sum of {@code errorsByKind}
 * @param errorsByKind    kind ({@code connect}, {@code tls}, {@code timeout}, {@code reset}, {@code closed},
 *                        {@code closed_idle}, {@code protocol}, {@code status_<code>}, ...) to count
 * @param errorExamples   the first message seen per kind, for diagnosis
 * @param rps             requests (round trips) per second of the window (0 in the idle modes, where it
 *                        means nothing)
 * @param handshakes      handshakes completed inside the window (handshake and resume modes; h2 modes:
 *                        connections opened in it)
 * @param resumed         of those, the ones BoringSSL reports as resumed
 * @param tlsProtocol     protocol of the first handshake, e.g. {@code TLSv1.3}
 * @param responseBytes   response body bytes of the counted requests; WebSocket modes: message payload
 *                        bytes tunnelled, both directions (each echo counts its message twice)
 * @param established     idle modes: connections (tunnels) established and held; otherwise 0
 * @param messageSize     WebSocket modes: payload bytes of each message; otherwise 0
 * @param streams         h2 modes: concurrent streams per connection ({@code --streams}); otherwise 0
 * @param goAways         h2 modes: GOAWAY frames received from the start of the run to the end of the window
 *                        (each one means a new connection)
 * @param serverMaxStreams h2 modes: the server's SETTINGS_MAX_CONCURRENT_STREAMS (-1: it set none; 0: no
 *                        connection got that far)
 */
public record LoadResult(Mode mode, int connections, double durationSeconds, long requests, long errors,
                         Map<String, Long> errorsByKind, Map<String, String> errorExamples, double rps,
                         double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs,
                         long handshakes, long resumed, String tlsProtocol, long responseBytes, int established,
                         int messageSize, int streams, long goAways, long serverMaxStreams) {

    private static final double MIB = 1024.0 * 1024.0;

    public LoadResult {
        errorsByKind = Collections.unmodifiableMap(new TreeMap<>(errorsByKind));   // sorted for stable output
        errorExamples = Collections.unmodifiableMap(new TreeMap<>(errorExamples));
    }

    /** Resumed handshakes over all handshakes; present in the handshake and resume modes once one completed. */
    public OptionalDouble resumedFraction() {
        return mode.connectionPerRequest() && handshakes > 0
                ? OptionalDouble.of((double) resumed / handshakes) : OptionalDouble.empty();
    }

    /**
     * WebSocket modes: MiB of message payload tunnelled per second of the window, both directions
     * (0 in ws-idle); empty in the HTTP modes.
     */
    public OptionalDouble mibPerSecond() {
        if (!mode.webSocket()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(mode.holdsConnections() || durationSeconds <= 0 ? 0
                : responseBytes / MIB / durationSeconds);
    }

    /**
     * e.g. {@code keepalive c=50 8.0s: 123456 req, 15432.0 req/s, errors 0, p50 2.9ms p90 4.1ms
     * p99 7.8ms p99.9 12.0ms max 30.1ms}, with the resumed share in the handshake and resume modes
     * and the held connections in the idle modes; in the WebSocket modes "msg" for "req", with the
     * message size and MiB/s, e.g. {@code ws-roundtrip c=50 1KiB 10.0s: 81234 msg, 8123.4 msg/s,
     * 15.9 MiB/s, errors 0, p50 ...}; in the h2 modes the streams per connection, the connections
     * opened in the window, the GOAWAYs and the server's stream limit, e.g. {@code h2 c=1
     * streams=50 10.0s: ..., 0 connections opened in the window, 0 GOAWAY, server max streams 100,
     * TLSv1.3 h2}.
     */
    public String summaryLine() {
        StringBuilder line = new StringBuilder();
        String unit = mode.webSocket() ? "msg" : "req";
        line.append(mode.label()).append(" c=").append(connections);
        if (mode.http2()) {
            line.append(" streams=").append(streams);
        }
        if (mode.webSocket()) {
            line.append(' ').append(size(messageSize));
        }
        line.append(String.format(Locale.ROOT, " %.1fs: ", durationSeconds));
        if (mode.holdsConnections()) {
            line.append(established).append(" held, ");
        }
        line.append(requests).append(' ').append(unit).append(", ")
                .append(String.format(Locale.ROOT, "%.1f %s/s", rps, unit));
        mibPerSecond().ifPresent(mib -> line.append(String.format(Locale.ROOT, ", %.1f MiB/s", mib)));
        line.append(", errors ").append(errors);
        if (!errorsByKind.isEmpty()) {
            StringJoiner kinds = new StringJoiner(", ", " (", ")");
            errorsByKind.forEach((kind, count) -> kinds.add(kind + " " + count));
            line.append(kinds);
        }
        line.append(", p50 ").append(ms(p50Ms)).append(" p90 ").append(ms(p90Ms))
                .append(" p99 ").append(ms(p99Ms)).append(" p99.9 ").append(ms(p999Ms))
                .append(" max ").append(ms(maxMs));
        resumedFraction().ifPresent(f -> line.append(String.format(Locale.ROOT, ", resumed %.1f%% of %d handshakes",
                100 * f, handshakes)));
        if (mode.http2()) {
            line.append(", ").append(handshakes).append(" connections opened in the window, ").append(goAways)
                    .append(" GOAWAY, server max streams ")
                    .append(serverMaxStreams < 0 ? "unlimited" : Long.toString(serverMaxStreams));
        }
        if (!tlsProtocol.isEmpty()) {
            line.append(", ").append(tlsProtocol).append(mode.http2() ? " h2" : "");
        }
        return line.toString();
    }

    /** One JSON object: the keys of the brief, then the extras ({@code errors_by_kind}, ...). */
    public String toJson() {
        StringBuilder json = new StringBuilder("{");
        field(json, "mode", quote(mode.label()));
        field(json, "connections", Integer.toString(connections));
        field(json, "duration_s", num(durationSeconds));
        field(json, "requests", Long.toString(requests));
        field(json, "errors", Long.toString(errors));
        field(json, "rps", num(rps));
        field(json, "p50_ms", num(p50Ms));
        field(json, "p90_ms", num(p90Ms));
        field(json, "p99_ms", num(p99Ms));
        field(json, "p999_ms", num(p999Ms));
        field(json, "max_ms", num(maxMs));
        resumedFraction().ifPresent(f -> field(json, "resumed_fraction", num(f)));
        if (mode.connectionPerRequest()) {
            field(json, "handshakes", Long.toString(handshakes));
        }
        if (mode.holdsConnections()) {
            field(json, "established", Integer.toString(established));
        }
        if (mode.http2()) {
            field(json, "streams", Integer.toString(streams));
            field(json, "handshakes", Long.toString(handshakes));
            field(json, "goaways", Long.toString(goAways));
            field(json, "server_max_concurrent_streams", Long.toString(serverMaxStreams));
        }
        if (mode.webSocket()) {
            field(json, "message_size", Integer.toString(messageSize));
            field(json, "mib_per_s", num(mibPerSecond().orElse(0)));
        }
        field(json, "tls_protocol", quote(tlsProtocol));
        field(json, "response_bytes", Long.toString(responseBytes));
        StringJoiner kinds = new StringJoiner(",", "{", "}");
        errorsByKind.forEach((kind, count) -> kinds.add(quote(kind) + ":" + count));
        field(json, "errors_by_kind", kinds.toString());
        return json.append('}').toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        if (json.length() > 1) {
            json.append(',');
        }
        json.append('"').append(name).append("\":").append(value);
    }

    private static String num(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static String size(int bytes) {
        if (bytes % (1 << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        return bytes % 1024 == 0 ? (bytes >> 10) + "KiB" : bytes + "B";
    }

    private static String ms(double value) {
        return String.format(Locale.ROOT, value < 1 ? "%.2fms" : "%.1fms", value);
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}

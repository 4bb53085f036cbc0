package dev.portcullis.bench.load;

import dev.portcullis.config.ByteSize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * One run of the driver, as given on the command line ({@link #parse}); the smoke test builds it
 * the same way, so the test exercises the parser too.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>--url</td><td>required</td><td>https://host[:port][/path][?query] (or wss://, the same); host and port go in {@code Host}</td></tr>
 *   <tr><td>--cert, --key</td><td>required</td><td>client certificate chain (PEM, leaf first) and key (PKCS#8, PKCS#1 or SEC1)</td></tr>
 *   <tr><td>--cacert</td><td>required</td><td>PEM anchors the server certificate must chain to</td></tr>
 *   <tr><td>--mode</td><td>keepalive</td><td>keepalive, handshake, resume, idle, ws-throughput, ws-roundtrip, ws-idle, h2 or h2-idle ({@link Mode})</td></tr>
 *   <tr><td>--connections</td><td>50</td><td>concurrent connections (closed loops)</td></tr>
 *   <tr><td>--streams</td><td>1</td><td>h2 modes: concurrent streams per connection (closed loops on it), at most 10000;
 *       beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS the driver queues them, as browsers do</td></tr>
 *   <tr><td>--duration</td><td>10s</td><td>measurement window (idle: how long connections are held)</td></tr>
 *   <tr><td>--warmup</td><td>2s</td><td>load before the window, not counted (ignored in idle mode)</td></tr>
 *   <tr><td>--threads</td><td>1</td><td>event loop threads: the driver shares the machine with the server</td></tr>
 *   <tr><td>--protocol</td><td>both</td><td>TLSv1.3 or TLSv1.2; by default both are offered</td></tr>
 *   <tr><td>--timeout</td><td>5s</td><td>per exchange (connect + handshake + request, or one keep-alive request; WebSocket: connect + handshakes + upgrade, or one message's echo; h2: connect + handshake + the server's SETTINGS, or one stream's response)</td></tr>
 *   <tr><td>--message-size</td><td>64KiB (ws-throughput), 1KiB (ws-roundtrip, ws-idle)</td><td>WebSocket modes: payload of each binary message, e.g. 1024, 512B, 64KiB, 1MiB (at most 16MiB)</td></tr>
 *   <tr><td>--json</td><td>none</td><td>also write the result as a JSON object to this file</td></tr>
 * </table>
 * Durations are digits with ms, s, m or h ({@code 500ms}, {@code 10s}); {@code 0} is allowed for
 * {@code --warmup} only.
 */
public record LoadOptions(String url, Path cert, Path key, Path caCert, Mode mode, int connections,
                          Duration duration, Duration warmup, int threads, List<String> protocols,
                          Duration timeout, Path json, int messageSize, int streams) {

    static final String USAGE = """
            usage: LoadDriver --url https://HOST:PORT/PATH --cert FILE --key FILE --cacert FILE
                              [--mode keepalive|handshake|resume|idle|ws-throughput|ws-roundtrip|ws-idle|h2|h2-idle]
                              [--connections N (50)] [--streams M (1; h2 modes, per connection)]
                              [--message-size SIZE (64KiB, 1KiB)]
                              [--duration 10s] [--warmup 2s] [--threads N (1)]
                              [--protocol TLSv1.3|TLSv1.2 (both offered)] [--timeout 5s] [--json FILE]""";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");
    private static final List<String> ALL_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final int MAX_CONNECTIONS = 100_000;
    private static final int MAX_THREADS = 256;
    private static final int MAX_STREAMS = 10_000;
    /** The echo upstream's frame limit (EchoUpstream.MAX_FRAME_PAYLOAD). */
    static final int MAX_MESSAGE_SIZE = 16 << 20;

    public LoadOptions {
        requireNonNull(url, "url");
        requireNonNull(cert, "cert");
        requireNonNull(key, "key");
        requireNonNull(caCert, "caCert");
        requireNonNull(mode, "mode");
        requireNonNull(duration, "duration");
        requireNonNull(warmup, "warmup");
        protocols = List.copyOf(protocols);
        requireNonNull(timeout, "timeout");
        if (messageSize < 1 || messageSize > MAX_MESSAGE_SIZE) {
            throw new IllegalArgumentException("messageSize: " + messageSize);
        }
        if (streams < 1 || streams > MAX_STREAMS) {
            throw new IllegalArgumentException("streams: " + streams);
        }
    }

    /** Parses {@code --name value} and {@code --name=value} pairs. */
    public static LoadOptions parse(String... args) throws UsageException {
        String url = null;
        Path cert = null;
        Path key = null;
        Path caCert = null;
        Path json = null;
        Mode mode = Mode.KEEPALIVE;
        int connections = 50;
        int threads = 1;
        Duration duration = Duration.ofSeconds(10);
        Duration warmup = Duration.ofSeconds(2);
        Duration timeout = Duration.ofSeconds(5);
        List<String> protocols = ALL_PROTOCOLS;
        int messageSize = 0;
        int streams = 1;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            String value;
            int eq = name.indexOf('=');
            if (name.startsWith("--") && eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (name.startsWith("--") && i + 1 < args.length) {
                value = args[++i];
            } else if (name.startsWith("--")) {
                throw new UsageException(name + ": missing value");
            } else {
                throw new UsageException("unexpected argument: " + name);
            }
            if (!seen.add(name)) {
                throw new UsageException(name + ": given twice");
            }
            switch (name) {
                case "--url" -> {
                    url = value;
                    try {
                        Target.parse(url);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--cert" -> cert = readableFile(name, value);
                case "--key" -> key = readableFile(name, value);
                case "--cacert" -> caCert = readableFile(name, value);
                case "--json" -> json = Path.of(value);
                case "--mode" -> {
                    try {
                        mode = Mode.parse(value);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--connections" -> connections = positiveInt(name, value, MAX_CONNECTIONS);
                case "--threads" -> threads = positiveInt(name, value, MAX_THREADS);
                case "--duration" -> duration = duration(name, value, false);
                case "--warmup" -> warmup = duration(name, value, true);
                case "--timeout" -> timeout = duration(name, value, false);
                case "--protocol" -> protocols = protocol(value);
                case "--message-size" -> messageSize = messageSize(value);
                case "--streams" -> streams = positiveInt(name, value, MAX_STREAMS);
                default -> throw new UsageException("unknown option: " + name);
            }
        }
        if (url == null || cert == null || key == null || caCert == null) {
            throw new UsageException("--url, --cert, --key and --cacert are required");
        }
        if (seen.contains("--streams") && !mode.http2()) {
            throw new UsageException("--streams: only the h2 modes (h2, h2-idle) multiplex streams");
        }
        return new LoadOptions(url, cert, key, caCert, mode, connections, duration, warmup, threads, protocols,
                timeout, json, messageSize == 0 ? mode.defaultMessageSize() : messageSize, streams);
    }

    private static Path readableFile(String name, String value) throws UsageException {
        Path path = Path.of(value);
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw new UsageException(name + ": cannot read file " + value);
        }
        return path;
    }

    private static int positiveInt(String name, String value, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(name + ": \"" + value + "\" (expected a whole number from 1 to " + max + ")");
    }

    private static Duration duration(String name, String value, boolean zeroAllowed) throws UsageException {
        Matcher m = DURATION.matcher(value);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2);
            if (n == 0 && zeroAllowed) {
                return Duration.ZERO;
            }
            if (n > 0 && unit != null) {
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
        }
        throw new UsageException(name + ": \"" + value + "\" (expected a duration such as 500ms, 10s or 2m"
                + (zeroAllowed ? ", or 0)" : ")"));
    }

    private static int messageSize(String value) throws UsageException {
        try {
            long bytes = value.matches("\\d{1,9}") ? Long.parseLong(value) : ByteSize.parse(value).bytes();
            if (bytes >= 1 && bytes <= MAX_MESSAGE_SIZE) {
                return (int) bytes;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new UsageException("--message-size: \"" + value
                + "\" (expected a size from 1B to 16MiB, such as 1024, 1KiB or 64KiB)");
    }

    private static List<String> protocol(String value) throws UsageException {
        for (String protocol : ALL_PROTOCOLS) {
            if (protocol.equalsIgnoreCase(value)) {
                return List.of(protocol);
            }
        }
        throw new UsageException("--protocol: \"" + value + "\" (expected TLSv1.3 or TLSv1.2)");
    }
}

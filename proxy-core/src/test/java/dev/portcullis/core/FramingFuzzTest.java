package dev.portcullis.core;

import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of generated malformed and borderline requests, through real TLS and the real proxy,
 * to a {@link dev.portcullis.testing.RecordingUpstream}: every answer is a well-formed response
 * with an expected status (200 for well-formed requests; 400, 408, 413, 414 or 431 for the rest)
 * or a clean close; nothing the proxy refused, and nothing pipelined behind it, reaches the
 * upstream; what does reach it is well-formed; nothing is logged at WARN or ERROR; and a client on
 * another connection is served throughout. Buffer leaks fail the build through the leak detector.
 *
 * <p>Each connection carries zero to three well-formed requests and then one generated case
 * (well-formed, malformed head, malformed body, or borderline), sometimes followed by a smuggled
 * request; the bytes are cut into random writes. Deterministic: connection {@code i} is generated
 * from the seed and {@code i} alone. Rerun a failure with {@code -Dportcullis.fuzz.seed=<seed>}
 * ({@code -Dportcullis.fuzz.only=<i,j>} for single connections; {@code
 * -Dportcullis.fuzz.connections=<n>} for more or fewer).
 */
class FramingFuzzTest {

    private static final long SEED = Long.getLong("portcullis.fuzz.seed", 0x5EED_2026L);
    private static final int CONNECTIONS = Integer.getInteger("portcullis.fuzz.connections", 1_500);
    private static final String ONLY = System.getProperty("portcullis.fuzz.only", "");
    private static final int WORKERS = 4;
    private static final Set<Integer> REFUSALS = Set.of(400, 408, 413, 414, 431);

    private static final int MAX_HEADER_BYTES = 4096;
    private static final int MAX_URI_BYTES = 1024;
    private static final int MAX_BODY_BYTES = 16 * 1024;

    /** How {@link LogCapture} appends a throwable: {@code " | java.io.IOException: ..."}. */
    private static final Pattern THROWABLE =
            Pattern.compile(" \\| (?:[a-z_][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)\\b");
    private static final Pattern PROGRAMMING_ERROR = Pattern.compile("DecoderException|IllegalStateException"
            + "|IllegalArgumentException|NullPointerException|IndexOutOfBoundsException|ClassCastException"
            + "|AssertionError|IllegalReferenceCountException");

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .yaml("limits:\n  max_header_size: 4KiB\n  max_uri_size: 1KiB\n  max_body_size: 16KiB\n"
                    + "  request_header_timeout: 1s")
            .build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    /** How the proxy must treat a generated request. */
    enum Verdict {
        /** Well-formed: 200, and forwarded once, framed as sent. */
        GOOD,
        /** Malformed head: refused or closed, and never forwarded. */
        BAD,
        /** Well-formed chunked head, malformed body: refused or closed; the upstream never sees it complete. */
        BAD_BODY,
        /** Borderline: 200 (and then forwarded well-formed) or refused; only ever last on a connection. */
        EITHER
    }

    /**
     * One generated request.
     *
     * @param uri            its request target, whose first segment names the verdict ({@code /good/...})
     * @param bodyBytes      body length as framed, for GOOD and EITHER
     * @param head           a HEAD request: its response has no body
     * @param endsConnection the proxy closes after answering it (Connection: close, HTTP/1.0)
     */
    record Case(String kind, Verdict verdict, String uri, byte[] bytes, long bodyBytes, boolean head,
                boolean endsConnection) {

        @Override
        public String toString() {
            return kind + "/" + verdict + " " + escape(bytes, 300);
        }
    }

    /** What one connection sent and what came back wrong. */
    record Outcome(int connection, List<Case> cases, List<String> problems, Map<String, Long> forwarded,
                   List<String> answers) {
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void generatedRequestsAreRefusedCleanlyAndOnlyWellFormedOnesReachTheUpstream() throws Exception {
        SSLContext tls = TlsTestClient.sslContext(proxy.pki().validClient());
        long start = System.nanoTime();
        Canary canary = new Canary(tls);
        canary.start();

        List<Outcome> outcomes = new ArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int i : connectionsToRun()) {
                futures.add(workers.submit(() -> runConnection(i, tls)));
            }
            for (Future<Outcome> future : futures) {
                outcomes.add(future.get(120, TimeUnit.SECONDS));
            }
        } finally {
            workers.shutdownNow();
            assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).as("fuzz workers stopped").isTrue();
            canary.stop();
        }
        Thread.sleep(300); // the upstream records a request cut off by a close when it sees the close

        String rerun = "seed " + SEED + " (rerun with -Dportcullis.fuzz.seed=" + SEED + ")";
        List<String> problems = outcomes.stream()
                .filter(o -> !o.problems().isEmpty())
                .map(o -> "connection " + o.connection() + ": " + o.problems() + "\n    sent: " + o.cases())
                .toList();
        assertThat(problems).as("%s: connections answered wrongly", rerun).isEmpty();

        Map<String, Long> forwarded = new HashMap<>();
        outcomes.forEach(o -> forwarded.putAll(o.forwarded()));
        assertThat(upstreamProblems(proxy.upstream().drainRequests(), forwarded))
                .as("%s: what reached the upstream", rerun).isEmpty();

        assertThat(canary.failures).as("%s: the client on another connection", rerun).isEmpty();
        assertThat(canary.served.get()).as("the other client was served").isPositive();
        assertThat(logs.lines().stream().filter(FramingFuzzTest::isTrouble).map(line -> line.substring(0,
                Math.min(line.length(), 500))))
                .as("%s: no error, no warning, no exception from the proxy", rerun).isEmpty();

        int cases = outcomes.stream().mapToInt(o -> o.cases().size()).sum();
        Map<Verdict, Long> byVerdict = outcomes.stream().flatMap(o -> o.cases().stream())
                .collect(Collectors.groupingBy(Case::verdict, Collectors.counting()));
        Map<String, Long> answers = outcomes.stream().flatMap(o -> o.answers().stream())
                .collect(Collectors.groupingBy(a -> a, TreeMap::new, Collectors.counting()));
        System.out.printf("FramingFuzzTest: seed %d, %d connections, %d requests %s, answers %s, %d canary requests, "
                        + "%d log lines, %d ms%n",
                SEED, outcomes.size(), cases, byVerdict, answers, canary.served.get(), logs.lines().size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** Any warning or error; any line carrying a throwable; a programming error named at any level. */
    private static boolean isTrouble(String line) {
        return line.startsWith("ERROR") || line.startsWith("WARN") || line.startsWith("FATAL")
                || THROWABLE.matcher(line).find() || PROGRAMMING_ERROR.matcher(line).find();
    }

    private static int[] connectionsToRun() {
        if (ONLY.isBlank()) {
            return IntStream.range(0, CONNECTIONS).toArray();
        }
        return Arrays.stream(ONLY.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    // ---- one connection ---------------------------------------------------------------------

    private static Outcome runConnection(int index, SSLContext tls) {
        Random random = new Random(SEED * 1_000_003L + index);
        Generator generator = new Generator(random, index);
        List<Case> cases = generator.connectionPlan();
        byte[] smuggled = generator.smuggledSuffix(cases.get(cases.size() - 1));
        List<String> problems = new ArrayList<>();
        Map<String, Long> forwarded = new HashMap<>();
        List<String> answers = new ArrayList<>();
        TlsTestClient.Options options = TlsTestClient.Options.defaults().sslContext(tls).timeout(Duration.ofSeconds(5));
        try (TlsTestClient client = TlsTestClient.connect(proxy.address(), proxy.pki().validClient(), options)) {
            send(client, concat(cases, smuggled), random);
            for (Case c : cases) {
                Answer answer = readAnswer(client, c.head());
                answers.add(answer.closed() ? "close" : String.valueOf(answer.status()));
                if (answer.problem() != null) {
                    problems.add(c.kind() + ": " + answer.problem());
                    break;
                }
                if (answer.status() == 200 && (c.verdict() == Verdict.GOOD || c.verdict() == Verdict.EITHER)) {
                    forwarded.put(c.uri(), c.bodyBytes());
                    if (c.endsConnection() && !client.isClosedByPeer(Duration.ofSeconds(5))) {
                        problems.add(c.kind() + ": connection still open after a response that ends it");
                    }
                    continue;
                }
                if (c.verdict() == Verdict.GOOD) {
                    problems.add(c.kind() + ": well-formed request got " + answer);
                } else if (answer.closed()) {
                    // a clean close is an acceptable refusal
                } else if (!REFUSALS.contains(answer.status())) {
                    problems.add(c.kind() + ": refused with unexpected " + answer);
                } else if (!answer.connectionClose() || !client.isClosedByPeer(Duration.ofSeconds(5))) {
                    problems.add(c.kind() + ": connection not closed after refusal " + answer);
                }
                break;
            }
        } catch (IOException | RuntimeException e) {
            problems.add("client failed: " + e);
        }
        return new Outcome(index, cases, problems, forwarded, answers);
    }

    /** Writes the bytes cut into random pieces, sometimes a byte at a time for a while. */
    private static void send(TlsTestClient client, byte[] bytes, Random random) throws IOException {
        int at = 0;
        if (random.nextInt(10) == 0) {
            for (int end = Math.min(bytes.length, 1 + random.nextInt(80)); at < end; at++) {
                client.sendRaw(new byte[] {bytes[at]});
            }
        }
        while (at < bytes.length) {
            int piece = random.nextInt(4) == 0 ? 1 + random.nextInt(8)
                    : 1 + random.nextInt(Math.max(1, bytes.length / 2));
            int end = Math.min(bytes.length, at + piece);
            client.sendRaw(Arrays.copyOfRange(bytes, at, end));
            at = end;
        }
    }

    /** One response, or the connection's end. */
    record Answer(int status, boolean closed, boolean connectionClose, String problem) {

        @Override
        public String toString() {
            if (closed || problem != null) {
                return closed ? "close" : problem;
            }
            return status + (connectionClose ? " (Connection: close)" : "");
        }
    }

    /** Reads the final response to one request (skipping 100 Continue), or notes the close. */
    private static Answer readAnswer(TlsTestClient client, boolean head) {
        try {
            while (true) {
                RawResponse response = head ? client.readHeadResponse() : client.readResponse();
                if (response.status() / 100 == 1) {
                    continue;
                }
                if (response.status() != 200 && !response.bodyText().contains("\"error\":")
                        && !head) {
                    return new Answer(response.status(), false, false, "not a Portcullis error body: " + response);
                }
                return new Answer(response.status(), false, response.connectionClose(), null);
            }
        } catch (SocketTimeoutException e) {
            return new Answer(0, false, false, "no answer within 5 s");
        } catch (java.net.ProtocolException | NumberFormatException e) {
            return new Answer(0, false, false, "malformed response: " + e.getMessage());
        } catch (IOException closed) {
            return new Answer(0, true, false, null);
        }
    }

    private static byte[] concat(List<Case> cases, byte[] suffix) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cases.forEach(c -> out.writeBytes(c.bytes()));
        out.writeBytes(suffix);
        return out.toByteArray();
    }

    // ---- what the upstream saw ------------------------------------------------------------

    private static List<String> upstreamProblems(List<RecordedRequest> recorded, Map<String, Long> forwarded) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (RecordedRequest r : recorded) {
            String uri = r.uri();
            String what = uri + ": ";
            if (r.decoderFailure() != null) {
                problems.add(what + "the upstream could not decode what the proxy sent: " + r.decoderFailure());
            }
            if (r.headers("Host").size() != 1) {
                problems.add(what + "Host headers " + r.headers("Host"));
            }
            if (r.headers().stream().anyMatch(h -> (h.getKey() + h.getValue()).contains("FOLDMARK"))
                    || r.trailers().stream().anyMatch(h -> (h.getKey() + h.getValue()).contains("FOLDMARK"))) {
                problems.add(what + "an obs-fold was joined and forwarded: " + r.headers() + " " + r.trailers());
            }
            if (!r.headers("Transfer-Encoding").isEmpty() && !r.headers("Content-Length").isEmpty()) {
                problems.add(what + "both Transfer-Encoding and Content-Length: " + r.headers());
            }
            if (r.headers().stream().anyMatch(h -> !isToken(h.getKey()) || !isFieldValue(h.getValue()))) {
                problems.add(what + "a malformed field: " + r.headers());
            }
            if (uri.startsWith("/badbody/")) {
                if (r.complete()) {
                    problems.add(what + "a request with a malformed body reached the upstream whole");
                }
                continue;
            }
            if (uri.startsWith("/canary/")) {
                continue;
            }
            Long expectedBody = forwarded.get(uri);
            if (expectedBody == null) {
                problems.add(what + "reached the upstream without a 200 to the client: " + r);
                continue;
            }
            if (!seen.add(uri)) {
                problems.add(what + "forwarded twice");
            }
            if (!r.complete() || r.bodyBytes() != expectedBody) {
                problems.add(what + "framed differently: " + r.bodyBytes() + " of " + expectedBody + " body bytes, "
                        + (r.complete() ? "complete" : "incomplete"));
            }
        }
        Set<String> missing = new HashSet<>(forwarded.keySet());
        missing.removeAll(seen);
        if (!missing.isEmpty()) {
            problems.add("answered 200 but never reached the upstream: " + missing);
        }
        return problems;
    }

    private static boolean isToken(String name) {
        return !name.isEmpty() && name.chars().allMatch(c -> c < 0x7f && Generator.TCHAR.indexOf(c) >= 0);
    }

    private static boolean isFieldValue(String value) {
        return value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7f && c <= 0xff));
    }

    static String escape(byte[] bytes, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, max); i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default -> out.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
            }
        }
        return bytes.length > max ? out + "...(" + bytes.length + " bytes)" : out.toString();
    }

    // ---- the client on another connection --------------------------------------------------

    /** Makes requests one after another on one keep-alive connection until stopped; each must get 200. */
    private static final class Canary implements Runnable {
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicInteger served = new AtomicInteger();
        private final SSLContext tls;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread = new Thread(this, "fuzz-canary");

        Canary(SSLContext tls) {
            this.tls = tls;
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        /** Stops after at least one request (a short rerun of a few connections may end first). */
        void stop() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (served.get() == 0 && failures.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(15));
        }

        @Override
        public void run() {
            TlsTestClient.Options options = TlsTestClient.Options.defaults().sslContext(tls);
            try (TlsTestClient client = TlsTestClient.connect(proxy.address(), proxy.pki().validClient(), options)) {
                while (running.get()) {
                    RawResponse response = client.get("/canary/" + served.get());
                    if (response.status() != 200 || response.connectionClose()) {
                        failures.add("canary got " + response);
                        return;
                    }
                    served.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                failures.add("canary failed: " + e);
            }
        }
    }

    // ---- the generator ------------------------------------------------------------------------

    /** Builds the requests of one connection from its own {@link Random}. */
    static final class Generator {

        static final String TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        private static final String[] GOOD_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
        private static final String NOT_IN_NAMES = " \t()\",/;<=>?@[\\]{}\u0000\u0001\u007f\u0080\u00ff";
        private static final String NOT_IN_VALUES = "\u0000\u0001\u0008\u000b\u000c\u000e\u001f\u007f";

        private final Random random;
        private final int connection;
        private int sequence;

        Generator(Random random, int connection) {
            this.random = random;
            this.connection = connection;
        }

        /** Zero to three well-formed requests, then one case of any kind. */
        List<Case> connectionPlan() {
            List<Case> cases = new ArrayList<>();
            for (int n = random.nextInt(4); n > 0; n--) {
                cases.add(good(false));
            }
            int pick = random.nextInt(100);
            cases.add(pick < 30 ? good(true) : pick < 72 ? bad() : pick < 86 ? badBody() : either());
            return cases;
        }

        /** Sometimes a request pipelined behind a refused one: it must never reach the upstream. */
        byte[] smuggledSuffix(Case last) {
            boolean refused = last.verdict() == Verdict.BAD || last.verdict() == Verdict.BAD_BODY;
            if (!refused || last.kind().equals("truncated-head") || random.nextBoolean()) {
                return new byte[0];
            }
            return ascii("GET /smuggled/" + connection + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        }

        // ---- well-formed ----

        Case good(boolean mayEndConnection) {
            int pick = random.nextInt(mayEndConnection ? 100 : 88);
            String uri = uri("good");
            return switch (pick / 11) {
                case 0 -> plain("get", "GET", uri, headers(random.nextInt(25)), Verdict.GOOD);
                case 1 -> withBody("content-length", Verdict.GOOD, uri, headers(random.nextInt(8)), body(2_000), false);
                case 2 -> withBody("chunked", Verdict.GOOD, uri, headers(random.nextInt(8)), body(3_000), true);
                case 3 -> new Case("head", Verdict.GOOD, uri,
                        ascii(head("HEAD", uri, "HTTP/1.1", withHost(headers(random.nextInt(10))))), 0, true, false);
                case 4 -> plain("tiny-headers", "GET", uri, tinyHeaders(100 + random.nextInt(200)), Verdict.GOOD);
                case 5 -> {
                    List<String> lines = headers(3);
                    lines.add(cased("Expect") + ": 100-continue");
                    yield withBody("expect-continue", Verdict.GOOD, uri, lines, body(500), random.nextBoolean());
                }
                case 6 -> plain("long-uri", "GET", uri + "?q=" + "a".repeat(random.nextInt(MAX_URI_BYTES - 100)),
                        headers(2), Verdict.GOOD);
                case 7 -> plain("method", GOOD_METHODS[random.nextInt(GOOD_METHODS.length)], uri,
                        headers(random.nextInt(6)), Verdict.GOOD);
                default -> {
                    if (random.nextBoolean()) {
                        List<String> lines = headers(3);
                        lines.add(cased("Connection") + ": close");
                        Case c = plain("connection-close", "GET", uri, lines, Verdict.GOOD);
                        yield new Case(c.kind(), c.verdict(), c.uri(), c.bytes(), 0, false, true);
                    }
                    yield new Case("http-1.0", Verdict.GOOD, uri,
                            ascii(head("GET", uri, "HTTP/1.0", withHost(headers(3)))), 0, false, true);
                }
            };
        }

        // ---- malformed heads ----

        Case bad() {
            String uri = uri("bad");
            List<String> lines = headers(1 + random.nextInt(5));
            return switch (random.nextInt(17)) {
                case 0 -> fold(uri, lines);
                case 1 -> {
                    int at = random.nextInt(lines.size());
                    String line = lines.get(at);
                    int colon = line.indexOf(':');
                    int pos = random.nextInt(colon + 1);
                    lines.set(at, line.substring(0, pos) + pick(NOT_IN_NAMES) + line.substring(pos));
                    yield plain("bad-name-byte", "GET", uri, lines, Verdict.BAD);
                }
                case 2 -> {
                    lines.add("X-Fz-Value: a" + pick(NOT_IN_VALUES) + "b");
                    Collections.shuffle(lines, random);
                    yield plain("bad-value-byte", "GET", uri, lines, Verdict.BAD);
                }
                case 3 -> bareLineEnd(uri, lines);
                case 4 -> plain("request-line", oneOf("GE(T", "G\"ET", "GET\u0001", "[GET]", ""), uri, lines,
                        Verdict.BAD);
                case 5 -> new Case("version", Verdict.BAD, uri, ascii(head("GET", uri,
                        oneOf("HTTP/1.2", "HTTP/2.0", "HTTP/1.1x", "HTTP/1", "HTTP/1.1 x", "FTP/1.1", ""),
                        withHost(lines))), 0, false, false);
                case 6 -> host(uri, lines);
                case 7 -> conflictingLength(uri, lines);
                case 8 -> badTransferEncoding(uri, lines);
                case 9 -> plain("uri-too-long", "GET", uri + "?q=" + "u".repeat(MAX_URI_BYTES + random.nextInt(3_000)),
                        lines, Verdict.BAD);
                case 10 -> {
                    lines.add("X-Fz-Long: " + "h".repeat(MAX_HEADER_BYTES + random.nextInt(4_000)));
                    yield plain("header-too-long", "GET", uri, lines, Verdict.BAD);
                }
                case 11 -> plain("too-many-headers", "GET", uri, tinyHeaders(1_100 + random.nextInt(1_500)),
                        Verdict.BAD);
                case 12 -> plain("not-origin-form", "GET", oneOf("http://localhost" + uri, "*", "localhost:443"),
                        lines, Verdict.BAD);
                case 13 -> {
                    lines.add("Content-Length: " + (MAX_BODY_BYTES + 1 + random.nextInt(100_000)));
                    yield plain("declared-body-too-large", "POST", uri, lines, Verdict.BAD);
                }
                case 14 -> {
                    String complete = head("GET", uri, "HTTP/1.1", withHost(lines));
                    byte[] cut = ascii(complete.substring(0, 1 + random.nextInt(complete.length() - 3)));
                    yield random.nextInt(8) == 0 ? new Case("truncated-head", Verdict.BAD, uri, cut, 0, false, false)
                            : fold(uri, lines);
                }
                case 15 -> plain("byte-in-target", "GET", uri + oneOf("\u0001", "\u007f", "\u0000", "\u001b", " x",
                        "\u00e9", "\u0085"), lines, Verdict.BAD);
                default -> plain("connect", "CONNECT", "localhost:443", lines, Verdict.BAD);
            };
        }

        /** A continuation line (SP or HTAB first) in many disguises, marked so the upstream check can spot it. */
        private Case fold(String uri, List<String> lines) {
            String ws = random.nextBoolean() ? " " : "\t";
            String continuation = ws + oneOf("FOLDMARK", "FOLDMARK two", "Transfer-Encoding: chunked FOLDMARK",
                    "Content-Length: 40 FOLDMARK", "FOLDMARK\r\n\r\nGET /smuggled/fold HTTP/1.1\r\nHost: x");
            List<String> all = withHost(lines);
            all.add(random.nextInt(all.size() + 1), continuation);
            return new Case("obs-fold", Verdict.BAD, uri, ascii(head(oneOf("GET", "POST"), uri, "HTTP/1.1", all)), 0,
                    false, false);
        }

        private Case bareLineEnd(String uri, List<String> lines) {
            String text = head("GET", uri, "HTTP/1.1", withHost(lines));
            List<Integer> ends = new ArrayList<>();
            for (int i = text.indexOf("\r\n"); i >= 0; i = text.indexOf("\r\n", i + 1)) {
                ends.add(i);
            }
            int at = ends.get(random.nextInt(ends.size()));
            String replacement = random.nextBoolean() ? "\n" : "\r";
            boolean last = at == text.length() - 2;
            if (replacement.equals("\r") && last) {
                replacement = "\n"; // a bare CR as the very last byte would just leave the head incomplete
            }
            return new Case(replacement.equals("\n") ? "bare-lf" : "bare-cr", Verdict.BAD, uri,
                    ascii(text.substring(0, at) + replacement + text.substring(at + 2)), 0, false, false);
        }

        private Case host(String uri, List<String> lines) {
            List<String> without = new ArrayList<>(lines);
            switch (random.nextInt(3)) {
                case 0 -> { }
                case 1 -> {
                    without.add(cased("Host") + ": localhost");
                    without.add(cased("Host") + ": " + oneOf("localhost", "other.example"));
                }
                default -> without.add(cased("Host") + ":" + oneOf("", " ", "\t"));
            }
            return new Case("host", Verdict.BAD, uri, ascii(head("GET", uri, "HTTP/1.1", without)), 0, false, false);
        }

        private Case conflictingLength(String uri, List<String> lines) {
            String[][] shapes = {
                    {"Content-Length: 5", "Transfer-Encoding: chunked"},
                    {"Transfer-Encoding: chunked", "Content-Length: 5"},
                    {"Content-Length: 5", "Content-Length: 6"},
                    {"Content-Length: 5", "Content-Length: 5"},
                    {"Content-Length: 5, 5"},
                    {"Content-Length: +5"},
                    {"Content-Length: -5"},
                    {"Content-Length: 0x5"},
                    {"Content-Length: 5 5"},
                    {"Content-Length: 99999999999999999999"},
                    {"Content-Length: 5e0"},
            };
            for (String line : shapes[random.nextInt(shapes.length)]) {
                lines.add(cased(line.substring(0, line.indexOf(':'))) + line.substring(line.indexOf(':')));
            }
            return new Case("content-length", Verdict.BAD, uri,
                    ascii(head("POST", uri, "HTTP/1.1", withHost(lines)) + "0\r\n\r\nhello"), 0, false, false);
        }

        private Case badTransferEncoding(String uri, List<String> lines) {
            String version = "HTTP/1.1";
            switch (random.nextInt(7)) {
                case 0 -> lines.add("Transfer-Encoding: identity");
                case 1 -> lines.add("Transfer-Encoding: gzip, chunked");
                case 2 -> lines.add("Transfer-Encoding: chunked, identity");
                case 3 -> lines.add("Transfer-Encoding: xchunked");
                case 4 -> {
                    lines.add("Transfer-Encoding: chunked");
                    lines.add("Transfer-Encoding: chunked");
                }
                case 5 -> {
                    lines.add("Transfer-Encoding: chunked");
                    version = "HTTP/1.0";
                }
                default -> lines.add("Transfer-Encoding: identity, chunked");
            }
            return new Case("transfer-encoding", Verdict.BAD, uri,
                    ascii(head("POST", uri, version, withHost(lines)) + "5\r\nhello\r\n0\r\n\r\n"), 0, false, false);
        }

        // ---- well-formed head, malformed chunked body ----

        Case badBody() {
            String uri = uri("badbody");
            String head = head("POST", uri, "HTTP/1.1", withHost(withLine(headers(random.nextInt(4)),
                    cased("Transfer-Encoding") + ": chunked")));
            String good = "4\r\nabcd\r\n";
            String body = switch (random.nextInt(9)) {
                case 0 -> oneOf("zz", "-1", "", " 5", "ffffffffffffffffff", "5;\u0001") + "\r\nhello\r\n0\r\n\r\n";
                case 1 -> "5\nhello\r\n0\r\n\r\n";
                case 2 -> "3\r\nabcXY\r\n0\r\n\r\n";
                case 3 -> "3\r\nabc\n0\r\n\r\n";
                case 4 -> good.repeat(MAX_BODY_BYTES / 4 + 1) + "0\r\n\r\n";
                case 5 -> "0\r\nX-Fz-T: 1\r\n" + (random.nextBoolean() ? " " : "\t") + "FOLDMARK\r\n\r\n";
                case 6 -> "0\r\nX-Fz-T: a\u0000b\r\n\r\n";
                case 7 -> "3\r\nabc\r\n0\r\n" + "X-Fz-Trailer: " + "t".repeat(MAX_HEADER_BYTES + 100) + "\r\n\r\n";
                default -> "4\r\nab\r\n0\r\n\r\n";
            };
            return new Case("bad-chunked-body", Verdict.BAD_BODY, uri, ascii(head + good + body), 0, false, false);
        }

        // ---- borderline ----

        Case either() {
            String uri = uri("either");
            List<String> lines = headers(random.nextInt(5));
            return switch (random.nextInt(9)) {
                case 0 -> {
                    lines.add("X-Fz-Obs-Text: caf\u00e9 \u00ff\u0080");
                    yield plain("obs-text", "GET", uri, lines, Verdict.EITHER);
                }
                case 1 -> new Case("spaces", Verdict.EITHER, uri,
                        ascii("GET  " + uri + "  HTTP/1.1\r\n" + String.join("\r\n", withHost(lines)) + "\r\n\r\n"),
                        0, false, false);
                case 2 -> plain("lowercase-method", oneOf("get", "Get", "FUZZ"), uri, lines, Verdict.EITHER);
                case 3 -> {
                    lines.add("Transfer-Encoding: " + oneOf("Chunked", "CHUNKED", " chunked ", "chunked\t"));
                    yield new Case("te-spelling", Verdict.EITHER, uri,
                            ascii(head("POST", uri, "HTTP/1.1", withHost(lines)) + "5\r\nhello\r\n0\r\n\r\n"), 5, false,
                            false);
                }
                case 4 -> {
                    lines.add("Content-Length: " + oneOf("005", " 5", "5 ", "5\t"));
                    yield new Case("length-spelling", Verdict.EITHER, uri,
                            ascii(head("POST", uri, "HTTP/1.1", withHost(lines)) + "hello"), 5, false, false);
                }
                case 5 -> plain("percent-target", "GET", uri + oneOf("%00", "%0d%0a", "/../..", "?a=%ZZ", "#frag"),
                        lines, Verdict.EITHER);
                case 6 -> {
                    lines.add("X-Fz_Under_Score: 1");
                    lines.add(cased("X-Fz-Empty") + ":");
                    yield plain("odd-fields", "GET", uri, lines, Verdict.EITHER);
                }
                case 7 -> new Case("leading-empty-lines", Verdict.EITHER, uri,
                        ascii("\r\n\r\n" + head("GET", uri, "HTTP/1.1", withHost(lines))), 0, false, false);
                default -> {
                    lines.add("X-Fz-Long: " + "v".repeat(MAX_HEADER_BYTES - 200 - random.nextInt(400)));
                    yield plain("near-header-limit", "GET", uri, lines, Verdict.EITHER);
                }
            };
        }

        // ---- pieces ----

        private Case plain(String kind, String method, String uri, List<String> lines, Verdict verdict) {
            return new Case(kind, verdict, uri, ascii(head(method, uri, "HTTP/1.1", withHost(lines))), 0, false, false);
        }

        private Case withBody(String kind, Verdict verdict, String uri, List<String> lines, byte[] body,
                              boolean chunked) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<String> all = withLine(lines, chunked ? cased("Transfer-Encoding") + ": chunked"
                    : cased("Content-Length") + ": " + body.length);
            out.writeBytes(ascii(head(oneOf("POST", "PUT", "PATCH"), uri, "HTTP/1.1", withHost(all))));
            if (!chunked) {
                out.writeBytes(body);
            } else {
                for (int at = 0; at < body.length; ) {
                    int size = Math.min(body.length - at, 1 + random.nextInt(700));
                    String ext = random.nextInt(4) == 0 ? ";fz=" + random.nextInt(100) : "";
                    out.writeBytes(ascii(Integer.toHexString(size) + ext + "\r\n"));
                    out.write(body, at, size);
                    out.writeBytes(ascii("\r\n"));
                    at += size;
                }
                out.writeBytes(ascii("0\r\n" + (random.nextBoolean() ? "X-Fz-Trailer: t\r\n" : "") + "\r\n"));
            }
            return new Case(kind, verdict, uri, out.toByteArray(), body.length, false, false);
        }

        private static String head(String method, String uri, String version, List<String> lines) {
            StringBuilder head = new StringBuilder(method).append(' ').append(uri);
            if (!version.isEmpty()) {
                head.append(' ').append(version);
            }
            head.append("\r\n");
            lines.forEach(line -> head.append(line).append("\r\n"));
            return head.append("\r\n").toString();
        }

        private String uri(String verdict) {
            String uri = "/" + verdict + "/" + connection + "-" + sequence++;
            if (random.nextBoolean()) {
                return uri;
            }
            return uri + "/" + pathSegment() + (random.nextBoolean() ? "?q=" + pathSegment() : "");
        }

        private String pathSegment() {
            String chars = "abcXYZ019-._~!$&'()*+,;=:@%20";
            StringBuilder s = new StringBuilder();
            for (int n = 1 + random.nextInt(12); n > 0; n--) {
                s.append(chars.charAt(random.nextInt(chars.length())));
            }
            return s.toString().replace("%", "%25").replace("%2520", "%20");
        }

        /** Well-formed fields with random names, values and casing (no Host: added last, at random). */
        private List<String> headers(int count) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String leading = oneOf("", " ", "\t", "  ");
                String trailing = oneOf("", "", " ", "\t");
                lines.add(cased("X-Fz-") + token() + ":" + leading + value() + trailing);
            }
            return lines;
        }

        private List<String> tinyHeaders(int count) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                lines.add("h" + i + ":v");
            }
            return lines;
        }

        private List<String> withHost(List<String> lines) {
            List<String> all = new ArrayList<>(lines);
            String host = oneOf("localhost", "localhost:8443", "a.example");
            all.add(random.nextInt(all.size() + 1), cased("Host") + ": " + host);
            return all;
        }

        private static List<String> withLine(List<String> lines, String line) {
            List<String> all = new ArrayList<>(lines);
            all.add(line);
            return all;
        }

        private String token() {
            StringBuilder s = new StringBuilder();
            for (int n = 1 + random.nextInt(12); n > 0; n--) {
                s.append(TCHAR.charAt(random.nextInt(TCHAR.length())));
            }
            return s.toString();
        }

        private String value() {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                int kind = random.nextInt(10);
                s.append(kind == 0 && i > 0 && i < length - 1 ? (random.nextBoolean() ? ' ' : '\t')
                        : (char) (0x21 + random.nextInt(0x5e)));
            }
            return s.toString();
        }

        private byte[] body(int max) {
            byte[] body = new byte[random.nextInt(max)];
            for (int i = 0; i < body.length; i++) {
                body[i] = random.nextInt(4) == 0 ? (byte) "\r\n \t".charAt(random.nextInt(4))
                        : (byte) random.nextInt(256);
            }
            return body;
        }

        private String cased(String name) {
            return switch (random.nextInt(4)) {
                case 0 -> name.toLowerCase(Locale.ROOT);
                case 1 -> name.toUpperCase(Locale.ROOT);
                case 2 -> {
                    StringBuilder s = new StringBuilder(name);
                    for (int i = 0; i < s.length(); i++) {
                        if (random.nextBoolean()) {
                            s.setCharAt(i, Character.toUpperCase(s.charAt(i)));
                        } else {
                            s.setCharAt(i, Character.toLowerCase(s.charAt(i)));
                        }
                    }
                    yield s.toString();
                }
                default -> name;
            };
        }

        private String pick(String chars) {
            return String.valueOf(chars.charAt(random.nextInt(chars.length())));
        }

        private String oneOf(String... options) {
            return options[random.nextInt(options.length)];
        }

        private static byte[] ascii(String text) {
            return text.getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}

package dev.portcullis.core;

import dev.portcullis.core.connection.ConnectionRegistry;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.RecordingUpstream;
import dev.portcullis.testing.TestBodies;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.BodyFraming;
import dev.portcullis.testing.TlsTestClient.Options;
import dev.portcullis.testing.UpstreamBehaviour;
import dev.portcullis.testing.UpstreamBehaviour.Ending;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upstream faults and hostile peers, end to end through the real proxy over real TLS: garbage
 * instead of a response, a response cut off mid-body, an upstream that goes away and comes back,
 * clients that vanish mid-transfer, and a flood of half-open TLS connections.
 *
 * <p>Each fault must end within a bounded time (no test waits unbounded: a hang fails), with an
 * answer where one is still possible (502 before the response head was sent; a closed connection
 * after), and leave nothing behind: no client connection in the registry, no buffered byte, no
 * direct memory, no upstream connection of a broken exchange back in the pool. The proxy keeps
 * serving afterwards without a restart.
 */
class UpstreamFaultsTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** Upper bound on how long any fault may take to play out: longer counts as a hang. */
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final long DOWNLOAD = 64 * TestBodies.MiB;
    private static final long UPLOAD = 64 * TestBodies.MiB;
    private static final long DIRECT_MEMORY_SLACK = TestBodies.MiB;

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .set("upstream.connect_timeout", CONNECT_TIMEOUT.toMillis() + "ms")
            .upstreamResponseTimeout(BOUND.toMillis() + "ms")
            .maxBodySize("128MiB")
            .build();

    // ---- 1. garbage instead of a response -------------------------------------------------

    /** What a broken or hostile upstream sends instead of an HTTP/1.1 response. */
    enum Garbage {
        NOT_HTTP("HELLO\r\n\r\n", Ending.STAY_OPEN),
        BINARY_BLOB(binaryBlob(), Ending.STAY_OPEN),
        BINARY_BLOB_THEN_CLOSE(binaryBlob(), Ending.CLOSE),
        STATUS_CODE_NOT_A_NUMBER("HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\nok", Ending.STAY_OPEN),
        NOT_AN_HTTP_VERSION("ICY 200 OK\r\nContent-Length: 2\r\n\r\nok", Ending.STAY_OPEN),
        CONFLICTING_CONTENT_LENGTHS("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 12\r\n\r\nok",
                Ending.STAY_OPEN),
        HEAD_CUT_OFF("HTTP/1.1 200 OK\r\nContent-Type: text/pl", Ending.CLOSE);

        final byte[] bytes;
        final Ending ending;

        Garbage(String text, Ending ending) {
            this(text.getBytes(StandardCharsets.ISO_8859_1), ending);
        }

        Garbage(byte[] bytes, Ending ending) {
            this.bytes = bytes;
            this.ending = ending;
        }

        /** 2 KiB of noise, ended by an empty line so that no parser can take it for an unfinished head. */
        private static byte[] binaryBlob() {
            byte[] noise = new byte[2048];
            new Random(42).nextBytes(noise);
            byte[] blob = Arrays.copyOf(noise, noise.length + 4);
            System.arraycopy("\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0, blob, noise.length, 4);
            return blob;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Garbage.class)
    void garbageInsteadOfAResponseGets502AndTheClientIsServedAfterwards(Garbage garbage) throws Exception {
        RecordingUpstream upstream = proxy.upstream();
        double resetsBefore = upstreamErrors("reset");
        upstream.behaviour(UpstreamBehaviour.raw(garbage.bytes, garbage.ending));
        try (TlsTestClient client = proxy.client()) {
            long start = System.nanoTime();
            RawResponse response = client.get("/garbage");
            Duration took = since(start);

            assertThat(response.status()).as("garbage is not a response: %s", response).isEqualTo(502);
            assertThat(response.header("Content-Type")).contains("application/json");
            assertThat(response.bodyText()).contains("\"error\":\"upstream_unavailable\"");
            assertThat(took).as("answered when the garbage arrived, not when upstream.response_timeout ran out")
                    .isLessThan(Duration.ofSeconds(2));

            upstream.behaviour(UpstreamBehaviour.ok());
            if (response.connectionClose()) {
                assertThat(client.isClosedByPeer(BOUND)).isTrue();
                assertThat(proxy.get("/after").status()).as("a new connection is served").isEqualTo(200);
            } else {
                assertThat(client.get("/after").bodyText()).as("the same connection is served").isEqualTo("ok");
            }
        }
        RecordedRequest garbled = upstream.takeRequest();
        await("the proxy closes the upstream connection that sent garbage, rather than pooling it",
                () -> !upstream.connectionOpen(garbled.remote()));
        assertThat(upstreamErrors("reset") - resetsBefore).as("a malformed response counts as reset").isEqualTo(1);
    }

    /**
     * RFC 9112 §4: {@code status-code = 3DIGIT}; RFC 9110 §15: values outside 100..599 are
     * invalid. Relayed as is, {@code 2000} reads as {@code 200} to a client that takes three
     * digits, and {@code 099} is re-encoded by Netty as a two-digit {@code 99}: either way the
     * client gets a status line the upstream never meant. Parsing it is the proxy's job.
     */
    @ParameterizedTest(name = "status {0}")
    @ValueSource(strings = {"2000", "099", "99", "0"})
    void statusCodeThatIsNotThreeDigitsFrom100To599Gets502(String code) throws Exception {
        double resetsBefore = upstreamErrors("reset");
        proxy.upstream().behaviour(UpstreamBehaviour.raw("HTTP/1.1 " + code + " Odd\r\nContent-Length: 2\r\n\r\nok",
                Ending.STAY_OPEN));
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /odd-status HTTP/1.1\r\nHost: localhost\r\n\r\n");
            String statusLine = new String(readUntilClosedOrQuiet(client), StandardCharsets.ISO_8859_1).lines()
                    .findFirst().orElse("");

            assertThat(statusLine).as("status line relayed for an upstream status of %s", code)
                    .startsWith("HTTP/1.1 502 ");
        }
        assertThat(upstreamErrors("reset") - resetsBefore).isEqualTo(1);
    }

    @Test
    void aSecondResponseNobodyAskedForIsNeverDeliveredToTheNextRequest() throws Exception {
        RecordingUpstream upstream = proxy.upstream();
        upstream.behaviour(UpstreamBehaviour.raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                + "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret", Ending.STAY_OPEN));
        try (TlsTestClient first = proxy.client()) {
            assertThat(first.get("/first").bodyText()).isEqualTo("ok");
        }
        RecordedRequest smuggling = upstream.takeRequest();

        upstream.behaviour(UpstreamBehaviour.respond(UpstreamBehaviour.Response.of(200, "text/plain", "fresh")));
        try (TlsTestClient second = proxy.client()) {
            assertThat(second.get("/second").bodyText())
                    .as("the queued extra response must not answer another client's request")
                    .isEqualTo("fresh");
        }
        await("the upstream connection that spoke out of turn is closed",
                () -> !upstream.connectionOpen(smuggling.remote()));
    }

    // ---- 2. cut off mid-response ----------------------------------------------------------

    @ParameterizedTest(name = "{0} body, then {1}")
    @CsvSource({"CONTENT_LENGTH, CLOSE", "CONTENT_LENGTH, RESET", "CHUNKED, CLOSE", "CHUNKED, RESET"})
    void upstreamThatDiesMidBodyCutsTheClientOffWithATruncatedBody(BodyFraming framing, Ending ending)
            throws Exception {
        long declared = TestBodies.MiB;
        int sent = 256 * 1024;
        double resetsBefore = upstreamErrors("reset");
        proxy.upstream().behaviour(UpstreamBehaviour.raw(truncatedResponse(framing, declared, sent), ending));

        byte[] received;
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /download HTTP/1.1\r\nHost: localhost\r\n\r\n");
            received = readUntilClosed(client, BOUND);
        }

        CutResponse cut = CutResponse.parse(received);
        assertThat(cut.status()).as("the head was relayed before the upstream died: %s", cut.head()).isEqualTo(200);
        assertThat(cut.complete())
                .as("the client must be able to tell the body is truncated: no final chunk, not all of Content-Length")
                .isFalse();
        assertThat(cut.body().length).as("body bytes relayed").isLessThan((int) declared);
        assertThat(cut.body()).as("what was relayed is the start of what the upstream sent, nothing else")
                .isEqualTo(TestBodies.bytes(cut.body().length));
        if (ending == Ending.CLOSE) {
            assertThat(cut.body().length).as("everything the upstream sent before its FIN is relayed").isEqualTo(sent);
        }
        assertThat(upstreamErrors("reset") - resetsBefore).as("portcullis.upstream.errors{reason=reset}").isEqualTo(1);

        proxy.upstream().behaviour(UpstreamBehaviour.ok());
        assertThat(proxy.get("/next").bodyText()).as("the next connection is served normally").isEqualTo("ok");
        awaitNoClientConnections();
    }

    /** A head promising {@code declared} body bytes, then only the first {@code sent} of them. */
    private static byte[] truncatedResponse(BodyFraming framing, long declared, int sent) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] body = TestBodies.bytes(sent);
        if (framing == BodyFraming.CONTENT_LENGTH) {
            out.writeBytes(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + declared
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(body);
            return out.toByteArray();
        }
        out.writeBytes("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        int chunk = 16 * 1024;
        int offset = 0;
        for (; offset + chunk < sent; offset += chunk) {
            out.writeBytes((Integer.toHexString(chunk) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, offset, chunk);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        // the last chunk announces a full 16 KiB and breaks off inside it
        out.writeBytes((Integer.toHexString(chunk) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, offset, sent - offset);
        return out.toByteArray();
    }

    // ---- 3. the upstream goes away and comes back -----------------------------------------

    /** One request of the client loop: its status (-1: an I/O error) and when it ran. */
    private record Outcome(long startNanos, long endNanos, int status, String error) {

        Duration took() {
            return Duration.ofNanos(endNanos - startNanos);
        }
    }

    @Test
    void upstreamThatGoesAwayGets502sWithinTheConnectTimeoutAndIsUsedAgainOnceBack() throws Exception {
        RecordingUpstream upstream = proxy.upstream();
        ProxyServer server = proxy.server();
        double connectErrorsBefore = upstreamErrors("connect");
        List<Outcome> outcomes = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Void> loop = background("client-loop", () -> {
            clientLoop(outcomes, running);
            return null;
        });
        boolean stopped = false;
        long stoppedAt;
        long restartedAt;
        try {
            awaitOutcomes(outcomes, 0, 200, 5, "200s while the upstream is up");
            upstream.stop();
            stopped = true;
            stoppedAt = System.nanoTime();
            awaitOutcomes(outcomes, stoppedAt, 502, 10, "502s while the upstream is down");
            upstream.restart();
            stopped = false;
            restartedAt = System.nanoTime();
            awaitOutcomes(outcomes, restartedAt, 200, 10, "200s again once the upstream is back");
        } finally {
            running.set(false);
            loop.get(BOUND.toSeconds() * 2, TimeUnit.SECONDS);
            if (stopped) {
                upstream.restart(); // leave a listening upstream to the next test
            }
        }

        assertThat(outcomes).as("only 200 or 502, never an error, a hang or a dropped connection")
                .allMatch(o -> o.status() == 200 || o.status() == 502);
        assertThat(outcomes).as("each answered within upstream.connect_timeout")
                .allMatch(o -> o.took().compareTo(CONNECT_TIMEOUT) < 0);
        List<Outcome> whileDown = outcomes.stream()
                .filter(o -> o.startNanos() > stoppedAt && o.endNanos() < restartedAt).toList();
        assertThat(whileDown).as("requests made while the upstream was down").isNotEmpty()
                .allMatch(o -> o.status() == 502);
        assertThat(outcomes.stream().filter(o -> o.startNanos() > restartedAt))
                .as("the pool recovers without a restart of the proxy: every request after the upstream is back")
                .allMatch(o -> o.status() == 200);
        assertThat(proxy.server()).as("the same proxy throughout").isSameAs(server);
        assertThat(upstreamErrors("connect") - connectErrorsBefore)
                .as("portcullis.upstream.errors{reason=connect} counts the refused connects")
                .isGreaterThanOrEqualTo(whileDown.size());
    }

    /** GETs one after another on a keep-alive connection (a new one after an I/O error), until told to stop. */
    private static void clientLoop(List<Outcome> outcomes, AtomicBoolean running) throws InterruptedException {
        Options options = Options.defaults().timeout(BOUND)
                .sslContext(TlsTestClient.sslContext(proxy.pki().validClient()));
        TlsTestClient client = null;
        try {
            while (running.get()) {
                long start = System.nanoTime();
                try {
                    if (client == null) {
                        client = proxy.client(proxy.pki().validClient(), options);
                    }
                    RawResponse response = client.get("/loop");
                    outcomes.add(new Outcome(start, System.nanoTime(), response.status(), null));
                    if (response.connectionClose()) {
                        client.close();
                        client = null;
                    }
                } catch (IOException e) {
                    outcomes.add(new Outcome(start, System.nanoTime(), -1, e.toString()));
                    if (client != null) {
                        client.close();
                    }
                    client = null;
                }
                Thread.sleep(10);
            }
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    private static void awaitOutcomes(List<Outcome> outcomes, long after, int status, int count, String what)
            throws InterruptedException {
        Predicate<Outcome> matching = o -> o.startNanos() > after && o.status() == status;
        await(what + " (" + count + " wanted; outcomes so far: " + outcomes.size() + ")",
                () -> outcomes.stream().filter(matching).count() >= count);
    }

    // ---- 4. the client vanishes mid-transfer ----------------------------------------------

    @Test
    void clientThatVanishesMidDownloadFreesItsUpstreamConnectionBuffersAndMemory() throws Exception {
        // warm-up, once per event loop of the proxy and of the upstream: the allocator's chunks for this traffic
        abortMidDownload();
        abortMidDownload();
        long directBefore = settledDirectMemory();

        abortMidDownload();

        awaitDirectMemoryNear(directBefore);
    }

    private static void abortMidDownload() throws Exception {
        RecordingUpstream upstream = proxy.upstream();
        upstream.behaviour(UpstreamBehaviour.streamBody(DOWNLOAD, false));
        RecordedRequest request;
        int openDuringDownload;
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /download HTTP/1.1\r\nHost: localhost\r\n\r\n");
            request = upstream.takeRequest(BOUND);
            readAtLeast(client, TestBodies.MiB);
            assertThat(upstream.connectionOpen(request.remote())).as("streaming").isTrue();
            openDuringDownload = upstream.activeConnections();

            client.abort();
        }
        await("the upstream connection of the aborted download is closed, not returned to the pool",
                () -> !upstream.connectionOpen(request.remote()));
        assertThat(upstream.activeConnections()).as("upstream connections open").isLessThan(openDuringDownload);
        awaitNoClientConnections();
        await("no upstream connection lent to an exchange", () -> upstreamConnections("active") == 0);
    }

    @Test
    void clientThatVanishesMidUploadToASlowUpstreamFreesWhatWasBufferedForIt() throws Exception {
        // Every buffer released is proven by the paranoid leak detector every test runs under,
        // which fails the class on any unreleased one. A direct-memory figure is no proof here:
        // aborted uploads leave Netty's adaptive allocator (shared by the proxy, the test upstream
        // and the clients in this JVM) holding a varying few MiB of cached chunks, so the global
        // counter depends on what ran before.
        abortMidUpload();
        abortMidUpload();
    }

    private static void abortMidUpload() throws Exception {
        RecordingUpstream upstream = proxy.upstream();
        upstream.behaviour(UpstreamBehaviour.readBodySlowly(Duration.ofMillis(10), UpstreamBehaviour.ok()));
        int openDuringUpload;
        long receivedBefore = upstream.bodyBytesReceived();
        try (TlsTestClient client = proxy.client()) {
            CompletableFuture<TlsTestClient.Upload> upload = client.sendStreamingRequestInBackground(
                    "POST", "/upload", UPLOAD, BodyFraming.CONTENT_LENGTH);
            await("the upload reaches the slow upstream while the proxy holds part of it",
                    () -> upstream.bodyBytesReceived() > receivedBefore
                            && proxy.server().connections().bufferedBytes() >= 32 * 1024);
            openDuringUpload = upstream.activeConnections();

            client.abort();
            assertThat(upload).as("the uploading thread sees the reset instead of blocking")
                    .failsWithin(BOUND);
        }
        RecordedRequest cutOff = upstream.takeRequest(BOUND);
        assertThat(cutOff.complete()).as("the upstream saw the upload cut off: %s", cutOff).isFalse();
        assertThat(cutOff.bodyBytes()).isPositive().isLessThan(UPLOAD);
        await("no upstream connection lent to an exchange", () -> upstreamConnections("active") == 0);
        assertThat(upstream.connectionOpen(cutOff.remote())).as("the cut-off upload's upstream connection").isFalse();
        assertThat(upstream.activeConnections()).as("upstream connections open").isLessThan(openDuringUpload);
        awaitNoClientConnections();
    }

    // ---- 5. half-open TLS connections -----------------------------------------------------

    @Test
    void floodOfHalfOpenTlsConnectionsIsClosedAfterTheHandshakeTimeoutWhileAGoodClientIsServed() throws Exception {
        Duration handshakeTimeout = Duration.ofMillis(500);
        int flood = 100;
        proxy.restart(b -> b.set("tls.handshake_timeout", handshakeTimeout.toMillis() + "ms"));
        Options goodOptions = Options.defaults().sslContext(TlsTestClient.sslContext(proxy.pki().validClient()));
        try (TlsTestClient warm = proxy.client(proxy.pki().validClient(), goodOptions)) {
            assertThat(warm.get("/warm").status()).as("client TLS warmed up before the clock matters").isEqualTo(200);
        }
        awaitNoClientConnections();
        double timeoutsBefore = Meters.handshakesFailed(proxy.registry(), "timeout");
        double openedBefore = Meters.counter(proxy.registry(), "portcullis.connections.opened");

        List<Socket> halfOpen = new ArrayList<>();
        List<Long> connectedAt = new ArrayList<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        CompletableFuture<List<Duration>> goodClient = null;
        try {
            for (int i = 0; i < flood; i++) {
                Socket socket = new Socket();
                halfOpen.add(socket);
                socket.connect(proxy.address(), (int) BOUND.toMillis());
                connectedAt.add(System.nanoTime());
                if (i % 2 == 1) {
                    socket.getOutputStream().write(PARTIAL_CLIENT_HELLO);
                    socket.getOutputStream().flush();
                }
            }
            goodClient = background("good-client", () -> serveGoodClient(goodOptions, flooding));

            for (int i = 0; i < flood; i++) {
                long deadline = connectedAt.get(i) + handshakeTimeout.plusSeconds(1).toNanos();
                assertThat(closedByPeerBefore(halfOpen.get(i), deadline))
                        .as("half-open connection %d (%s) closed within handshake_timeout + 1 s", i,
                                i % 2 == 1 ? "partial ClientHello" : "silent")
                        .isTrue();
            }
        } finally {
            flooding.set(false);
            for (Socket socket : halfOpen) {
                socket.close();
            }
        }

        List<Duration> served = goodClient.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(served).as("the good client's exchanges during the flood").hasSizeGreaterThanOrEqualTo(3)
                .allMatch(took -> took.compareTo(handshakeTimeout) < 0);
        assertThat(Meters.counter(proxy.registry(), "portcullis.connections.opened") - openedBefore)
                .as("the proxy accepted every half-open connection").isGreaterThanOrEqualTo(flood);
        await("portcullis.tls.handshakes{result=failed,reason=timeout} counts every half-open connection",
                () -> Meters.handshakesFailed(proxy.registry(), "timeout") - timeoutsBefore >= flood);
        assertThat(Meters.handshakesFailed(proxy.registry(), "timeout") - timeoutsBefore).isEqualTo(flood);
        awaitNoClientConnections();
    }

    /**
     * A TLS record header announcing 512 bytes of handshake, then only the start of a ClientHello
     * (type, length, version, part of the random): the server can only wait for the rest.
     */
    private static final byte[] PARTIAL_CLIENT_HELLO = partialClientHello();

    private static byte[] partialClientHello() {
        byte[] hello = new byte[5 + 4 + 2 + 16];
        byte[] start = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
        System.arraycopy(start, 0, hello, 0, start.length);
        for (int i = start.length; i < hello.length; i++) {
            hello[i] = (byte) (i * 31);
        }
        return hello;
    }

    /** New connections, one GET each, until the flood is over; how long each took. */
    private static List<Duration> serveGoodClient(Options options, AtomicBoolean flooding) throws Exception {
        List<Duration> served = new ArrayList<>();
        while (flooding.get()) {
            long start = System.nanoTime();
            try (TlsTestClient client = proxy.client(proxy.pki().validClient(), options)) {
                RawResponse response = client.get("/during-flood");
                assertThat(response.status()).as("good client during the flood: %s", response).isEqualTo(200);
            }
            served.add(since(start));
            Thread.sleep(20);
        }
        return served;
    }

    /** Reads (and drops anything, e.g. an alert) until EOF or a reset; false if still open at {@code deadline}. */
    private static boolean closedByPeerBefore(Socket socket, long deadlineNanos) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        while (true) {
            // past the deadline (checking the sockets before took that long): only a close already there counts
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
            socket.setSoTimeout((int) left);
            try {
                if (in.read(buffer) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private static double upstreamErrors(String reason) {
        return Meters.counter(proxy.registry(), "portcullis.upstream.errors", "reason", reason);
    }

    private static double upstreamConnections(String state) {
        return Meters.gauge(proxy.registry(), "portcullis.upstream.connections", "state", state);
    }

    private static void awaitNoClientConnections() throws InterruptedException {
        ConnectionRegistry connections = proxy.server().connections();
        await("the connection registry is empty", () -> connections.size() == 0);
        assertThat(connections.bufferedBytes()).as("buffered bytes left behind").isZero();
        assertThat(Meters.gauge(proxy.registry(), "portcullis.connection.buffered.bytes")).isZero();
    }

    /**
     * Netty's direct memory: its own counter when it allocates without a cleaner, else what the
     * default allocator holds. Both include pooled chunks, hence the warm-up before a baseline.
     */
    private static long directMemory() {
        long counted = PlatformDependent.usedDirectMemory();
        return counted >= 0 ? counted
                : ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    private static long settledDirectMemory() throws InterruptedException {
        Thread.sleep(100);
        return directMemory();
    }

    /** At most {@link #DIRECT_MEMORY_SLACK} above {@code before} (less is fine: memory freed elsewhere in the JVM). */
    private static void awaitDirectMemoryNear(long before) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (directMemory() > before + DIRECT_MEMORY_SLACK && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(directMemory()).as("Netty direct memory after the abort (before: %d): every buffer released", before)
                .isLessThanOrEqualTo(before + DIRECT_MEMORY_SLACK);
    }

    /** Reads and drops at least {@code bytes} of the response (head included). */
    private static void readAtLeast(TlsTestClient client, long bytes) throws IOException {
        InputStream in = client.socket().getInputStream();
        byte[] buffer = new byte[64 * 1024];
        for (long read = 0; read < bytes; ) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new AssertionError("the download ended after " + read + " bytes");
            }
            read += n;
        }
    }

    /**
     * Every byte until the peer closes the connection (EOF, close_notify or a reset); fails when
     * it neither closes nor sends anything for the rest of {@code bound}: a hang.
     */
    private static byte[] readUntilClosed(TlsTestClient client, Duration bound) throws IOException {
        Socket socket = client.socket();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new AssertionError("the connection was still open after " + bound + " with "
                        + received.size() + " bytes received");
            }
            socket.setSoTimeout((int) left);
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException hang) {
                throw new AssertionError("the connection was still open after " + bound + " with "
                        + received.size() + " bytes received", hang);
            } catch (IOException closed) {
                return received.toByteArray(); // reset, or closed without close_notify: closed all the same
            }
            if (n < 0) {
                return received.toByteArray();
            }
            received.write(buffer, 0, n);
        }
    }

    /** Whatever arrives within 500 ms of quiet (or until the close): one small response, however malformed. */
    private static byte[] readUntilClosedOrQuiet(TlsTestClient client) throws IOException {
        Socket socket = client.socket();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        socket.setSoTimeout(500);
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException quiet) {
            // all there is, for now
        } catch (IOException closed) {
            // closed all the same
        }
        return received.toByteArray();
    }

    /** A response as the client received it up to the close: the head, and the body decoded as far as it goes. */
    private record CutResponse(int status, String head, byte[] body, boolean complete) {

        static CutResponse parse(byte[] bytes) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                throw new AssertionError("no complete response head in " + bytes.length + " bytes: "
                        + text.substring(0, Math.min(200, text.length())));
            }
            String head = text.substring(0, end);
            int status = Integer.parseInt(head.substring(head.indexOf(' ') + 1, head.indexOf(' ') + 4));
            byte[] rest = Arrays.copyOfRange(bytes, end + 4, bytes.length);
            String lowerHead = head.toLowerCase(Locale.ROOT);
            if (lowerHead.contains("transfer-encoding: chunked")) {
                return dechunk(status, head, rest);
            }
            int at = lowerHead.indexOf("content-length:");
            if (at < 0) {
                throw new AssertionError("neither chunked nor Content-Length: " + head);
            }
            int lineEnd = lowerHead.indexOf("\r\n", at);
            long length = Long.parseLong(head.substring(at + 15, lineEnd < 0 ? head.length() : lineEnd).strip());
            return new CutResponse(status, head, rest, rest.length == length);
        }

        /** Decodes chunks as far as they are whole; complete only when the last (empty) chunk came. */
        private static CutResponse dechunk(int status, String head, byte[] rest) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            String text = new String(rest, StandardCharsets.ISO_8859_1);
            int position = 0;
            while (true) {
                int lineEnd = text.indexOf("\r\n", position);
                if (lineEnd < 0) {
                    return new CutResponse(status, head, body.toByteArray(), false);
                }
                String sizeLine = text.substring(position, lineEnd);
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                if (size == 0) {
                    return new CutResponse(status, head, body.toByteArray(), true);
                }
                int dataStart = lineEnd + 2;
                int available = Math.min(size, rest.length - dataStart);
                body.write(rest, dataStart, available);
                if (available < size) {
                    return new CutResponse(status, head, body.toByteArray(), false);
                }
                position = dataStart + size + 2;
                if (position > rest.length) {
                    return new CutResponse(status, head, body.toByteArray(), false);
                }
            }
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + BOUND + ": " + what);
            }
            Thread.sleep(10);
        }
    }

    /** {@code task} on a daemon thread of its own, so that a stuck task cannot hold up the JVM. */
    private static <T> CompletableFuture<T> background(String name, Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "faults-" + name);
        thread.setDaemon(true);
        thread.start();
        return result;
    }
}

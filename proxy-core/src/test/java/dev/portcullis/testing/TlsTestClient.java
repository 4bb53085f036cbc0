package dev.portcullis.testing;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static java.util.Objects.requireNonNull;

/**
 * A blocking, raw HTTP/1.1 client over a real TLS socket (JDK {@link SSLSocket}), for tests that
 * need exact control of the bytes: pipelining, malformed requests, CL+TE, slow or huge bodies.
 * One instance is one connection; not thread-safe, except that one thread may write (e.g.
 * {@link #sendStreamingRequestInBackground}) while another reads.
 *
 * <p>The client presents exactly the chain in its {@link ClientCredentials}, whatever CA names
 * the server asks for, and trusts the credentials' server roots (none: trusts any server).
 * Every blocking read and the connect time out (10 s by default), so a bug never hangs the build.
 *
 * <p>TLS 1.3 note: the client finishes its handshake before the server has checked the client
 * certificate, so a rejected certificate shows as an {@link SSLException} ("Received fatal
 * alert: ...") on the first read, not in {@link #connect}. {@link #handshakeOnly} waits for the
 * server's verdict.
 *
 * <pre>{@code
 * try (TlsTestClient client = TlsTestClient.connect(proxy.address(), pki.validClient())) {
 *     RawResponse response = client.get("/hello", "X-Trace", "1");
 *     assertThat(response.status()).isEqualTo(200);
 *     client.sendRaw("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
 *     RawResponse a = client.readResponse(), b = client.readResponse();
 * }
 * }</pre>
 */
public final class TlsTestClient implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_HEAD_BYTES = 1 << 20;
    private static final int STREAM_CHUNK = 64 * 1024;

    private final Socket socket;
    private final Socket plain;
    private final InputStream in;
    private final OutputStream out;
    private final Options options;

    private TlsTestClient(Socket socket, Socket plain, Options options) throws IOException {
        this.socket = socket;
        this.plain = plain;
        this.options = options;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    // ---- options --------------------------------------------------------------------------

    /**
     * Connection options.
     *
     * @param timeout        connect timeout and read timeout of every blocking read
     * @param protocols      enabled TLS versions, e.g. {@code List.of("TLSv1.2")}; empty: JDK default
     * @param cipherSuites   enabled cipher suites; empty: JDK default
     * @param host           host name for SNI and hostname verification; null: the address's host string
     * @param verifyHostname check the server certificate's SANs against {@code host}
     * @param sslContext     reuse this context (e.g. to test session resumption); null: a new one per connection
     * @param verdictTimeout how long {@link #handshakeOnly} waits for a TLS 1.3 server to reject the client
     */
    public record Options(Duration timeout, List<String> protocols, List<String> cipherSuites, String host,
                          boolean verifyHostname, SSLContext sslContext, Duration verdictTimeout) {

        public Options {
            requireNonNull(timeout, "timeout");
            protocols = List.copyOf(protocols);
            cipherSuites = List.copyOf(cipherSuites);
            requireNonNull(verdictTimeout, "verdictTimeout");
        }

        public static Options defaults() {
            return new Options(DEFAULT_TIMEOUT, List.of(), List.of(), null, true, null, Duration.ofSeconds(1));
        }

        public Options timeout(Duration value) {
            return new Options(value, protocols, cipherSuites, host, verifyHostname, sslContext, verdictTimeout);
        }

        public Options protocols(String... value) {
            return new Options(timeout, List.of(value), cipherSuites, host, verifyHostname, sslContext, verdictTimeout);
        }

        public Options cipherSuites(String... value) {
            return new Options(timeout, protocols, List.of(value), host, verifyHostname, sslContext, verdictTimeout);
        }

        public Options host(String value) {
            return new Options(timeout, protocols, cipherSuites, value, verifyHostname, sslContext, verdictTimeout);
        }

        public Options verifyHostname(boolean value) {
            return new Options(timeout, protocols, cipherSuites, host, value, sslContext, verdictTimeout);
        }

        public Options sslContext(SSLContext value) {
            return new Options(timeout, protocols, cipherSuites, host, verifyHostname, value, verdictTimeout);
        }

        public Options verdictTimeout(Duration value) {
            return new Options(timeout, protocols, cipherSuites, host, verifyHostname, sslContext, value);
        }
    }

    // ---- connecting -----------------------------------------------------------------------

    /**
     * Connects and completes the TLS handshake. {@code credentials} null: no client certificate and
     * any server certificate is trusted.
     *
     * @throws SSLException when the handshake fails (TLS 1.2; see the class note for TLS 1.3)
     */
    public static TlsTestClient connect(InetSocketAddress address, ClientCredentials credentials) throws IOException {
        return connect(address, credentials, Options.defaults());
    }

    public static TlsTestClient connect(InetSocketAddress address, ClientCredentials credentials, Options options)
            throws IOException {
        Socket tcp = openTcp(address, options);
        SSLSocket socket = openTls(tcp, address, credentials, options);
        try {
            socket.startHandshake();
            return new TlsTestClient(socket, tcp, options);
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /** The same raw HTTP/1.1 client over plain TCP: for the upstream and the admin port. */
    public static TlsTestClient connectPlain(InetSocketAddress address) throws IOException {
        return connectPlain(address, Options.defaults());
    }

    public static TlsTestClient connectPlain(InetSocketAddress address, Options options) throws IOException {
        Socket tcp = openTcp(address, options);
        return new TlsTestClient(tcp, tcp, options);
    }

    /** Outcome of {@link #handshakeOnly}. */
    public record HandshakeResult(boolean succeeded, String protocol, String cipherSuite, Exception failure) {

        /** The alert the client received, e.g. {@code "bad_certificate"}; null if none was named. */
        public String alert() {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                String message = t.getMessage();
                String marker = "Received fatal alert: ";
                if (message != null && message.contains(marker)) {
                    return message.substring(message.indexOf(marker) + marker.length()).trim();
                }
            }
            return null;
        }

        /** {@code ClassName: message} of the failure, or null when the handshake succeeded. */
        public String failureMessage() {
            return failure == null ? null : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        }
    }

    /**
     * Handshakes, waits for the server's verdict and closes. With TLS 1.3 the server rejects a
     * client certificate only after the client's handshake is done, so this waits up to
     * {@link Options#verdictTimeout} for an alert or a close; silence means the server accepted.
     *
     * @throws IOException only when the TCP connection cannot be made
     */
    public static HandshakeResult handshakeOnly(InetSocketAddress address, ClientCredentials credentials)
            throws IOException {
        return handshakeOnly(address, credentials, Options.defaults());
    }

    public static HandshakeResult handshakeOnly(InetSocketAddress address, ClientCredentials credentials,
                                                Options options) throws IOException {
        SSLSocket socket = openTls(openTcp(address, options), address, credentials, options);
        try {
            try {
                socket.startHandshake();
            } catch (IOException e) {
                return new HandshakeResult(false, null, null, e);
            }
            SSLSession session = socket.getSession();
            if ("TLSv1.3".equals(session.getProtocol())) {
                socket.setSoTimeout(millis(options.verdictTimeout()));
                try {
                    if (socket.getInputStream().read() < 0) {
                        return new HandshakeResult(false, session.getProtocol(), session.getCipherSuite(),
                                new EOFException("closed by the server right after the handshake"));
                    }
                } catch (SocketTimeoutException silence) {
                    // no alert within the verdict timeout: accepted
                } catch (IOException e) {
                    return new HandshakeResult(false, session.getProtocol(), session.getCipherSuite(), e);
                }
            }
            return new HandshakeResult(true, session.getProtocol(), session.getCipherSuite(), null);
        } finally {
            closeQuietly(socket);
        }
    }

    /**
     * A client SSLContext presenting {@code credentials} (null: nothing, trusting any server). Share
     * one across connections through {@link Options#sslContext} to test resumption.
     */
    public static SSLContext sslContext(ClientCredentials credentials) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManager keyManager = new PresentingKeyManager(credentials);
            context.init(new KeyManager[] {keyManager}, trustManagers(credentials), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build client SSLContext", e);
        }
    }

    private static SSLSocket openTls(Socket tcp, InetSocketAddress address, ClientCredentials credentials,
                                     Options options) throws IOException {
        SSLContext context = options.sslContext() != null ? options.sslContext() : sslContext(credentials);
        String host = options.host() != null ? options.host() : address.getHostString();
        try {
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(tcp, host, address.getPort(), true);
            SSLParameters parameters = socket.getSSLParameters();
            if (!options.protocols().isEmpty()) {
                parameters.setProtocols(options.protocols().toArray(String[]::new));
            }
            if (!options.cipherSuites().isEmpty()) {
                parameters.setCipherSuites(options.cipherSuites().toArray(String[]::new));
            }
            boolean trusting = credentials != null && !credentials.serverTrust().isEmpty();
            if (options.verifyHostname() && trusting) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(millis(options.timeout()));
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(tcp);
            throw e;
        }
    }

    private static Socket openTcp(InetSocketAddress address, Options options) throws IOException {
        Socket socket = new PeerTolerantSocket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, millis(options.timeout()));
            socket.setSoTimeout(millis(options.timeout()));
            return socket;
        } catch (IOException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    private static TrustManager[] trustManagers(ClientCredentials credentials) throws GeneralSecurityException, IOException {
        if (credentials == null || credentials.serverTrust().isEmpty()) {
            return new TrustManager[] {new TrustingAnyServer()};
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (X509Certificate root : credentials.serverTrust()) {
            store.setCertificateEntry("root-" + i++, root);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    // ---- accessors ------------------------------------------------------------------------

    public Socket socket() {
        return socket;
    }

    /** The TLS session (protocol, cipher, peer certificates, resumption); null for a plain connection. */
    public SSLSession session() {
        return socket instanceof SSLSocket tls ? tls.getSession() : null;
    }

    // ---- writing --------------------------------------------------------------------------

    /**
     * Sends {@code text} as ISO-8859-1 bytes, exactly as given (write {@code \r\n} yourself). A
     * write the peer refused because it already closed is not an error here: read next to see what
     * it said (a response, an alert, EOF); {@link #refusedWrite()} tells whether it happened.
     */
    public TlsTestClient sendRaw(String text) throws IOException {
        return sendRaw(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public TlsTestClient sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /**
     * Sends {@code GET path HTTP/1.1} with {@code Host: localhost} (unless given) and the header
     * name/value pairs, then reads the response.
     */
    public RawResponse get(String path, String... headerPairs) throws IOException {
        return request("GET", path, null, headerPairs);
    }

    /**
     * Sends one request and reads its response. A non-null {@code body} gets a Content-Length
     * unless the pairs carry Content-Length or Transfer-Encoding (then the body is sent as given).
     */
    public RawResponse request(String method, String path, byte[] body, String... headerPairs) throws IOException {
        List<String> pairs = new ArrayList<>(Arrays.asList(headerPairs));
        if (body != null && !hasHeader(pairs, "Content-Length") && !hasHeader(pairs, "Transfer-Encoding")) {
            pairs.add("Content-Length");
            pairs.add(Integer.toString(body.length));
        }
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(requestHead(method, path, pairs).getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            request.writeBytes(body);
        }
        sendRaw(request.toByteArray());
        return "HEAD".equalsIgnoreCase(method) ? readHeadResponse() : readResponse();
    }

    /** How a streamed request body is framed. */
    public enum BodyFraming { CONTENT_LENGTH, CHUNKED }

    /** What a streamed upload sent: body length and lowercase hex SHA-256 of the body. */
    public record Upload(long bytes, String sha256) {
    }

    /**
     * Streams a request with {@code size} bytes of the {@link TestBodies} pattern, in 64 KiB
     * steps, never holding the body. Does not read the response. Blocks while the peer does not
     * read (backpressure); if the peer may answer before reading everything (413), or echoes the
     * body (the response must be read while sending), use {@link #sendStreamingRequestInBackground}.
     */
    public Upload sendStreamingRequest(String method, String path, long size, BodyFraming framing,
                                       String... headerPairs) throws IOException {
        List<String> pairs = new ArrayList<>(Arrays.asList(headerPairs));
        pairs.add(framing == BodyFraming.CHUNKED ? "Transfer-Encoding" : "Content-Length");
        pairs.add(framing == BodyFraming.CHUNKED ? "chunked" : Long.toString(size));
        out.write(requestHead(method, path, pairs).getBytes(StandardCharsets.ISO_8859_1));
        MessageDigest digest = TestBodies.newSha256();
        byte[] chunk = new byte[STREAM_CHUNK];
        for (long sent = 0; sent < size; ) {
            if (refusedWrite() != null) {
                throw new IOException("the peer stopped the upload after " + sent + " body bytes", refusedWrite());
            }
            int n = (int) Math.min(chunk.length, size - sent);
            TestBodies.fill(chunk, 0, n, sent);
            digest.update(chunk, 0, n);
            if (framing == BodyFraming.CHUNKED) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(chunk, 0, n);
                out.write(CRLF);
            } else {
                out.write(chunk, 0, n);
            }
            sent += n;
        }
        if (framing == BodyFraming.CHUNKED) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.flush();
        if (refusedWrite() != null) {
            throw new IOException("the peer closed before the upload ended", refusedWrite());
        }
        return new Upload(size, TestBodies.hex(digest));
    }

    /**
     * {@link #sendStreamingRequest} on a daemon thread, so this thread can read the response at
     * the same time. The future fails with the IOException if the peer stops the upload.
     */
    public CompletableFuture<Upload> sendStreamingRequestInBackground(String method, String path, long size,
                                                                      BodyFraming framing, String... headerPairs) {
        CompletableFuture<Upload> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(sendStreamingRequest(method, path, size, framing, headerPairs));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "tls-test-client-upload");
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private static String requestHead(String method, String path, List<String> pairs) {
        if (pairs.size() % 2 != 0) {
            throw new IllegalArgumentException("header pairs must be name, value, name, value...: " + pairs);
        }
        StringBuilder head = new StringBuilder().append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (!hasHeader(pairs, "Host")) {
            head.append("Host: localhost\r\n");
        }
        for (int i = 0; i < pairs.size(); i += 2) {
            head.append(pairs.get(i)).append(": ").append(pairs.get(i + 1)).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    private static boolean hasHeader(List<String> pairs, String name) {
        for (int i = 0; i < pairs.size(); i += 2) {
            if (pairs.get(i).equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    // ---- reading --------------------------------------------------------------------------

    /** Reads one response to a non-HEAD request (an interim 1xx is returned as a response of its own). */
    public RawResponse readResponse() throws IOException {
        return readResponse(false);
    }

    /** Reads one response to a HEAD request: headers only, whatever Content-Length says. */
    public RawResponse readHeadResponse() throws IOException {
        return readResponse(true);
    }

    private RawResponse readResponse(boolean head) throws IOException {
        Head h = readHead();
        RawResponse.Framing framing = framing(h, head);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<Map.Entry<String, String>> trailers = readBody(h, framing, body::write);
        return new RawResponse(h.protocol, h.status, h.reason, h.headers, body.toByteArray(), framing, trailers);
    }

    /** A response whose body was counted and hashed, not kept. */
    public record StreamedResponse(int status, List<Map.Entry<String, String>> headers, RawResponse.Framing framing,
                                   long bodyBytes, String bodySha256) {

        public java.util.Optional<String> header(String name) {
            return Headers.first(headers, name);
        }
    }

    /** Reads one response, counting and hashing its body without keeping it (for 50 MiB bodies). */
    public StreamedResponse readResponseStreaming() throws IOException {
        Head h = readHead();
        RawResponse.Framing framing = framing(h, false);
        MessageDigest digest = TestBodies.newSha256();
        long[] count = {0};
        readBody(h, framing, (b, off, len) -> {
            digest.update(b, off, len);
            count[0] += len;
        });
        return new StreamedResponse(h.status, h.headers, framing, count[0], TestBodies.hex(digest));
    }

    /** What follows the responses read so far, raw (a tunnel's bytes after its 101). */
    public InputStream input() {
        return in;
    }

    /** Reads exactly {@code length} raw bytes. */
    public byte[] readExactly(int length) throws IOException {
        return in.readNBytes(length);
    }

    /** Reads every byte until the peer closes (e.g. to prove exactly one error response then close). */
    public byte[] readUntilClose() throws IOException {
        return in.readAllBytes();
    }

    /**
     * Whether the peer closed the connection (EOF, reset, or a TLS alert) within {@code timeout}.
     * False when it stayed silent or sent data (the data stays readable).
     */
    public boolean isClosedByPeer(Duration timeout) throws IOException {
        socket.setSoTimeout(millis(timeout));
        try {
            in.mark(1);
            if (in.read() < 0) {
                return true;
            }
            in.reset();
            return false;
        } catch (SocketTimeoutException silence) {
            return false;
        } catch (SSLException | SocketException | EOFException closed) {
            return true;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(millis(options.timeout()));
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    /**
     * Resets the TCP connection (RST) without a TLS close_notify. Unblocks a thread writing to a
     * peer that stopped reading, which {@link #close} would wait for.
     */
    public void abort() {
        try {
            plain.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing is what matters
        }
        closeQuietly(plain);
    }

    private record Head(String protocol, int status, String reason, List<Map.Entry<String, String>> headers) {
    }

    private Head readHead() throws IOException {
        int[] budget = {MAX_HEAD_BYTES};
        String statusLine = readLine(budget, true);
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        int firstSpace = statusLine.indexOf(' ');
        if (firstSpace < 0 || !statusLine.startsWith("HTTP/") || statusLine.length() < firstSpace + 4) {
            throw new ProtocolException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(firstSpace + 1, firstSpace + 4));
        String reason = statusLine.length() > firstSpace + 5 ? statusLine.substring(firstSpace + 5) : "";
        return new Head(statusLine.substring(0, firstSpace), status, reason, readFields(budget));
    }

    private List<Map.Entry<String, String>> readFields(int[] budget) throws IOException {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (String line; !(line = readLine(budget, false)).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ProtocolException("bad header line: " + line);
            }
            fields.add(new SimpleImmutableEntry<>(line.substring(0, colon), line.substring(colon + 1).strip()));
        }
        return fields;
    }

    /** One CRLF-terminated line (a bare LF is a protocol error); null on EOF before any byte if allowed. */
    private String readLine(int[] budget, boolean eofAllowed) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (eofAllowed && line.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside a line: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (--budget[0] < 0) {
                throw new ProtocolException("response head larger than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                    throw new ProtocolException("bare LF in response: " + line.toString(StandardCharsets.ISO_8859_1));
                }
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    private static RawResponse.Framing framing(Head h, boolean headRequest) throws ProtocolException {
        if (headRequest || h.status / 100 == 1 || h.status == 204 || h.status == 304) {
            return RawResponse.Framing.NO_BODY;
        }
        List<String> codings = Headers.all(h.headers, "Transfer-Encoding");
        if (!codings.isEmpty()) {
            String last = String.join(",", codings).toLowerCase(Locale.ROOT);
            return last.strip().endsWith("chunked") ? RawResponse.Framing.CHUNKED : RawResponse.Framing.UNTIL_CLOSE;
        }
        List<String> lengths = Headers.all(h.headers, "Content-Length");
        if (!lengths.isEmpty()) {
            if (lengths.stream().distinct().count() > 1) {
                throw new ProtocolException("conflicting Content-Length: " + lengths);
            }
            return RawResponse.Framing.CONTENT_LENGTH;
        }
        return RawResponse.Framing.UNTIL_CLOSE;
    }

    @FunctionalInterface
    private interface BodySink {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    private List<Map.Entry<String, String>> readBody(Head h, RawResponse.Framing framing, BodySink sink)
            throws IOException {
        byte[] buffer = new byte[STREAM_CHUNK];
        switch (framing) {
            case NO_BODY:
                return List.of();
            case CONTENT_LENGTH:
                copy(Long.parseLong(Headers.first(h.headers, "Content-Length").orElseThrow().strip()), buffer, sink);
                return List.of();
            case UNTIL_CLOSE:
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    sink.accept(buffer, 0, n);
                }
                return List.of();
            case CHUNKED:
            default:
                int[] budget = {MAX_HEAD_BYTES};
                while (true) {
                    String sizeLine = readLine(budget, false);
                    int semicolon = sizeLine.indexOf(';');
                    String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip();
                    long size = Long.parseLong(hex, 16);
                    if (size == 0) {
                        return readFields(budget);
                    }
                    copy(size, buffer, sink);
                    if (!readLine(budget, false).isEmpty()) {
                        throw new ProtocolException("chunk data not followed by CRLF");
                    }
                    budget[0] = MAX_HEAD_BYTES;
                }
        }
    }

    private void copy(long length, byte[] buffer, BodySink sink) throws IOException {
        for (long left = length; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("connection closed with " + left + " of " + length + " body bytes missing");
            }
            sink.accept(buffer, 0, n);
            left -= n;
        }
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    /**
     * A TCP socket whose writes do not fail when the peer has already closed or reset: the write is
     * dropped and remembered instead. A server that rejects a client certificate sends an alert and
     * closes while the client is still writing its handshake flight (or its first request); the
     * write would fail with "Broken pipe" and hide the alert. Dropping it lets the next read see
     * what the server said: the alert, a response, or EOF.
     */
    private static final class PeerTolerantSocket extends Socket {
        private volatile IOException writeFailure;
        private OutputStream tolerant;

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (tolerant == null) {
                OutputStream raw = super.getOutputStream();
                tolerant = new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (writeFailure == null) {
                            try {
                                raw.write(b, off, len);
                            } catch (IOException e) {
                                refused(e);
                            }
                        }
                    }

                    @Override
                    public void flush() throws IOException {
                        if (writeFailure == null) {
                            try {
                                raw.flush();
                            } catch (IOException e) {
                                refused(e);
                            }
                        }
                    }

                    @Override
                    public void close() throws IOException {
                        raw.close();
                    }
                };
            }
            return tolerant;
        }

        private void refused(IOException e) throws IOException {
            if (isClosed()) {
                throw e;
            }
            writeFailure = e;
        }
    }

    /**
     * The write the peer refused (it had closed or reset), if any. {@link #sendRaw} does not throw
     * for it, so that the next read shows what the peer said; streamed uploads do throw it.
     */
    public IOException refusedWrite() {
        return plain instanceof PeerTolerantSocket tolerant ? tolerant.writeFailure : null;
    }

    // ---- key and trust managers -----------------------------------------------------------

    /** Presents exactly the credentials' chain, whatever issuers the server lists. */
    private static final class PresentingKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "client";
        private final ClientCredentials credentials;

        PresentingKeyManager(ClientCredentials credentials) {
            this.credentials = credentials;
        }

        private String alias(String[] keyTypes) {
            if (credentials == null || !credentials.presentsCertificate()) {
                return null;
            }
            String algorithm = credentials.privateKey().getAlgorithm();
            return keyTypes == null || Arrays.asList(keyTypes).contains(algorithm) ? ALIAS : null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return alias(keyType);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return alias(keyType);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return alias(new String[] {keyType}) == null ? null : new String[] {ALIAS};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) && credentials != null ? credentials.chain().toArray(X509Certificate[]::new) : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) && credentials != null ? credentials.privateKey() : null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /** For connections made without credentials: tests that are not about the server certificate. */
    private static final class TrustingAnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

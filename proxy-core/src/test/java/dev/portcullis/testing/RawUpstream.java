package dev.portcullis.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An upstream on a plain {@link ServerSocket} whose every byte a test scripts: it reads a request
 * head, then hands the connection to the test's {@link Script}, which decides what is written and
 * when, down to which bytes share one write (one TCP segment on loopback). For what a real server
 * library would smooth over: a 101 and the first frame in one segment, a 101 nobody asked for,
 * half-closes, slow readers. One thread per connection; closed with the upstream.
 */
public final class RawUpstream implements AutoCloseable {

    /** RFC 6455 §1.3. */
    private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** What the test does with one connection once its first request head is read. */
    @FunctionalInterface
    public interface Script {
        void serve(Connection connection) throws Exception;
    }

    private final ServerSocket server;
    private final Script script;
    private final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    private RawUpstream(Script script) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = new Thread(this::acceptLoop, "raw-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static RawUpstream start(Script script) throws IOException {
        return new RawUpstream(script);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Fails the test with what a script threw, if anything. */
    public void assertNoFailure() {
        Throwable failure = failures.poll();
        if (failure != null) {
            throw new AssertionError("the upstream script failed", failure);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread serving = new Thread(() -> serve(socket), "raw-upstream-connection");
                serving.setDaemon(true);
                serving.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(30));
            script.serve(Connection.read(socket));
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    /** One upstream connection: the request head read, whatever came in the same reads behind it, the socket. */
    public static final class Connection {

        private final Socket socket;
        private final String head;
        private final byte[] behindHead;

        private Connection(Socket socket, String head, byte[] behindHead) {
            this.socket = socket;
            this.head = head;
            this.behindHead = behindHead;
        }

        static Connection read(Socket socket) throws IOException {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IOException("closed before a request head: " + read);
                }
                read.write(buffer, 0, n);
                byte[] bytes = read.toByteArray();
                int end = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                if (end >= 0) {
                    String head = new String(bytes, 0, end + 4, StandardCharsets.ISO_8859_1);
                    byte[] rest = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
                    return new Connection(socket, head, rest);
                }
            }
        }

        public Socket socket() {
            return socket;
        }

        /** The request line and headers, CRLF-separated, as received. */
        public String head() {
            return head;
        }

        /** Bytes that arrived in the same reads as the head, after it. */
        public byte[] behindHead() {
            return behindHead;
        }

        /** A header's value, first occurrence, names case-insensitive; null when absent. */
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        /** The 101 that accepts this request's WebSocket handshake, then {@code trailing}, in one write. */
        public void accept(byte[] trailing) throws IOException {
            String key = header("Sec-WebSocket-Key");
            String response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + acceptValue(key == null ? "" : key) + "\r\n\r\n";
            write(concat(response.getBytes(StandardCharsets.US_ASCII), trailing));
        }

        public void write(byte[] bytes) throws IOException {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        /** Reads exactly {@code length} bytes after the head (those that came with it first). */
        public byte[] readExactly(int length) throws IOException {
            byte[] out = new byte[length];
            int have = Math.min(length, behindHead.length);
            System.arraycopy(behindHead, 0, out, 0, have);
            InputStream in = socket.getInputStream();
            while (have < length) {
                int n = in.read(out, have, length - have);
                if (n < 0) {
                    throw new IOException("closed after " + have + " of " + length + " bytes");
                }
                have += n;
            }
            return out;
        }
    }

    /** RFC 6455 §4.2.2: base64 of the SHA-1 of the key and the GUID. */
    public static String acceptValue(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unmasked (server to client) text frame, payload under 126 bytes. */
    public static byte[] serverTextFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        return concat(new byte[] {(byte) 0x81, (byte) payload.length}, payload);
    }

    /** A masked (client to server) text frame, payload under 126 bytes, as RFC 6455 §5.3 requires. */
    public static byte[] clientTextFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        byte[] masked = new byte[payload.length];
        for (int i = 0; i < payload.length; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return concat(concat(new byte[] {(byte) 0x81, (byte) (0x80 | payload.length)}, mask), masked);
    }

    /** A client's upgrade request head for {@code path}. */
    public static String upgradeRequest(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int indexOf(byte[] bytes, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

}

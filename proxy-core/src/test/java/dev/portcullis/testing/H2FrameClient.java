package dev.portcullis.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An HTTP/2 client that writes frames byte by byte, for what a well-behaved client library never
 * sends: malformed requests, resets and floods. mTLS with ALPN {@code h2} over an
 * {@link SSLSocket}; headers are HPACK-encoded by Netty's encoder without validation, so anything
 * can be put in a header block; every frame is built by hand (RFC 9113 §4.1) and written at once.
 */
public final class H2FrameClient implements AutoCloseable {

    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int CONTINUATION = 0x9;
    public static final int END_STREAM = 0x1;
    public static final int END_HEADERS = 0x4;
    public static final int ACK = 0x1;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame read from the server. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {

        /** RST_STREAM's or GOAWAY's error code. */
        public long errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xffL) << 24) | ((payload[at + 1] & 0xff) << 16)
                    | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
        }
    }

    private final SSLSocket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder(
            DefaultHttp2HeadersEncoder.NEVER_SENSITIVE, true);

    private H2FrameClient(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects, negotiates {@code h2}, and sends the preface and an empty SETTINGS. */
    public static H2FrameClient connect(InetSocketAddress address, ClientCredentials credentials) throws IOException {
        SSLSocket socket = (SSLSocket) TlsTestClient.sslContext(credentials).getSocketFactory()
                .createSocket("localhost", address.getPort());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            socket.close();
            throw new IOException("ALPN chose " + socket.getApplicationProtocol() + ", not h2");
        }
        H2FrameClient client = new H2FrameClient(socket);
        client.out.write(PREFACE);
        client.frame(SETTINGS, 0, 0, new byte[0]);
        return client;
    }

    /** A request head for {@code path}: {@code :method}, {@code :scheme}, {@code :authority}, {@code :path}. */
    public static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("https").authority("localhost").path(path);
    }

    /** HPACK of {@code headers} (no validation: names and values go as given). */
    public byte[] encode(int streamId, Http2Headers headers) {
        ByteBuf block = Unpooled.buffer();
        try {
            hpack.encodeHeaders(streamId, headers, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            return bytes;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            block.release();
        }
    }

    public H2FrameClient headers(int streamId, Http2Headers headers, boolean endStream) throws IOException {
        return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, encode(streamId, headers));
    }

    public H2FrameClient data(int streamId, byte[] bytes, boolean endStream) throws IOException {
        return frame(DATA, endStream ? END_STREAM : 0, streamId, bytes);
    }

    public H2FrameClient reset(int streamId) throws IOException {
        return frame(RST_STREAM, 0, streamId, new byte[] {0, 0, 0, 8}); // CANCEL
    }

    /** Writes one frame (not flushed to the socket until {@link #flush}, for floods). */
    public H2FrameClient frameUnflushed(int type, int flags, int streamId, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8),
                (byte) streamId};
        out.write(head);
        out.write(payload);
        return this;
    }

    public H2FrameClient frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        frameUnflushed(type, flags, streamId, payload);
        return flush();
    }

    public H2FrameClient flush() throws IOException {
        out.flush();
        return this;
    }

    /**
     * Reads frames until one of {@code type} arrives (SETTINGS, PINGs and the like are skipped),
     * or null when the connection ends first or nothing comes within {@code timeout}.
     */
    public Frame await(int type, int streamId, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Frame frame;
            try {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                frame = read();
            } catch (IOException endedOrSilent) {
                return null;
            }
            if (frame.type() == SETTINGS && (frame.flags() & ACK) == 0) {
                frame(SETTINGS, ACK, 0, new byte[0]);
            }
            if (frame.type() == type && (streamId < 0 || frame.streamId() == streamId)) {
                return frame;
            }
        }
        return null;
    }

    public SSLSocket socket() {
        return socket;
    }

    /** Reads everything until the server closes; returns the GOAWAY it sent, if any. */
    public Frame goAwayUntilClosed(Duration timeout) throws IOException {
        return await(GOAWAY, 0, timeout);
    }

    private Frame read() throws IOException {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, streamId, payload);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}

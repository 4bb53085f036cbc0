package dev.portcullis.testing;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client through the proxy: the JDK's {@code java.net.http.WebSocket} (its own
 * RFC 6455 implementation, not Netty's) over mTLS with a test client certificate. Whole messages
 * are queued as they complete: a {@code String} for text, a {@code byte[]} for binary; the close
 * the peer sent is kept.
 */
public final class WebSocketTestClient implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final WebSocket socket;
    private final Listener listener;

    private WebSocketTestClient(WebSocket socket, Listener listener) {
        this.socket = socket;
        this.listener = listener;
    }

    /**
     * Opens {@code wss://localhost:<port><pathAndQuery>}; fails with the handshake's exception
     * (a {@code WebSocketHandshakeException} carries the response) when no tunnel opens.
     *
     * @param headerPairs extra request headers, name then value
     */
    public static WebSocketTestClient connect(InetSocketAddress proxy, ClientCredentials credentials,
                                              String pathAndQuery, String... headerPairs) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .sslContext(TlsTestClient.sslContext(credentials))
                .connectTimeout(TIMEOUT)
                .build();
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
        for (int i = 0; i < headerPairs.length; i += 2) {
            builder.header(headerPairs[i], headerPairs[i + 1]);
        }
        Listener listener = new Listener();
        CompletableFuture<WebSocket> opened = builder.buildAsync(
                URI.create("wss://localhost:" + proxy.getPort() + pathAndQuery), listener);
        try {
            return new WebSocketTestClient(opened.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), listener);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    public void sendText(String text) throws Exception {
        socket.sendText(text, true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void sendBinary(byte[] bytes) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next whole message, a {@code String} or a {@code byte[]}. */
    public Object receive() throws InterruptedException {
        Object message = listener.messages.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            throw new AssertionError("no WebSocket message within " + TIMEOUT);
        }
        return message;
    }

    /** Whether the peer closed (a close frame or the connection) within {@code timeout}. */
    public boolean closedWithin(Duration timeout) {
        try {
            listener.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return listener.closed.isDone();
        }
    }

    @Override
    public void close() {
        socket.abort();
    }

    private static final class Listener implements WebSocket.Listener {

        private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(null);
        }
    }
}

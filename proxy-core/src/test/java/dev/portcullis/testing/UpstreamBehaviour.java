package dev.portcullis.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * How {@link RecordingUpstream} answers a request. Chosen when the request head arrives; all but
 * {@link #echo()} answer once the whole request has been received and recorded.
 *
 * <pre>{@code
 * upstream.behaviour(UpstreamBehaviour.streamBody(50 * TestBodies.MiB, true));
 * upstream.behaviour(UpstreamBehaviour.delay(Duration.ofSeconds(3), UpstreamBehaviour.ok()));
 * upstream.route(head -> head.uri().startsWith("/slow") ? UpstreamBehaviour.delay(..) : UpstreamBehaviour.ok());
 * upstream.behaviour(UpstreamBehaviour.respond(r -> UpstreamBehaviour.Response.of(200, "text/plain", "hi")
 *         .header("Set-Cookie", "a=b").header("Server", "gunicorn")));
 * }</pre>
 */
public final class UpstreamBehaviour {

    enum Kind { RESPOND, STREAM_BODY, ECHO, DELAY, CLOSE, RESET, RAW, SLOW_BODY }

    final Kind kind;
    final Function<RecordedRequest, Response> responder;
    final long size;
    final boolean chunked;
    final Duration delay;
    final UpstreamBehaviour then;
    /** {@link #raw}: the bytes, and what happens to the connection after them. */
    final byte[] raw;
    final Ending ending;

    private UpstreamBehaviour(Kind kind, Function<RecordedRequest, Response> responder, long size, boolean chunked,
                              Duration delay, UpstreamBehaviour then) {
        this(kind, responder, size, chunked, delay, then, null, null);
    }

    private UpstreamBehaviour(Kind kind, Function<RecordedRequest, Response> responder, long size, boolean chunked,
                              Duration delay, UpstreamBehaviour then, byte[] raw, Ending ending) {
        this.kind = kind;
        this.responder = responder;
        this.size = size;
        this.chunked = chunked;
        this.delay = delay;
        this.then = then;
        this.raw = raw;
        this.ending = ending;
    }

    /** The default: {@code 200}, {@code Content-Type: text/plain}, body {@code ok}, with Content-Length. */
    public static UpstreamBehaviour ok() {
        return respond(Response.of(200, "text/plain", "ok"));
    }

    /** Always the same response. */
    public static UpstreamBehaviour respond(Response response) {
        requireNonNull(response, "response");
        return respond(request -> response);
    }

    /** A response computed from the recorded request (runs on the upstream's event loop). */
    public static UpstreamBehaviour respond(Function<RecordedRequest, Response> responder) {
        return new UpstreamBehaviour(Kind.RESPOND, requireNonNull(responder, "responder"), 0, false, null, null);
    }

    /**
     * 200 with {@code size} bytes of the {@link TestBodies} pattern, generated 16 KiB at a time
     * as the connection becomes writable (never held in memory): chunked, or with Content-Length.
     */
    public static UpstreamBehaviour streamBody(long size, boolean chunked) {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size);
        }
        return new UpstreamBehaviour(Kind.STREAM_BODY, null, size, chunked, null, null);
    }

    /**
     * 200 at once, then each request body chunk is written back as it arrives, reading paused
     * while the connection is not writable. Same Content-Length as the request, else chunked.
     */
    public static UpstreamBehaviour echo() {
        return new UpstreamBehaviour(Kind.ECHO, null, 0, false, null, null);
    }

    /** Waits {@code delay} after the request is complete, then behaves as {@code then} (504 tests). */
    public static UpstreamBehaviour delay(Duration delay, UpstreamBehaviour then) {
        requireNonNull(delay, "delay");
        requireNonNull(then, "then");
        if (then.kind == Kind.ECHO) {
            throw new IllegalArgumentException("echo answers while the body streams; it cannot be delayed");
        }
        return new UpstreamBehaviour(Kind.DELAY, null, 0, false, delay, then);
    }

    /** Closes the connection (FIN) after the request, without any response (502 tests). */
    public static UpstreamBehaviour closeWithoutResponse() {
        return new UpstreamBehaviour(Kind.CLOSE, null, 0, false, null, null);
    }

    /** Resets the connection (RST, SO_LINGER 0) after the request, without any response. */
    public static UpstreamBehaviour resetConnection() {
        return new UpstreamBehaviour(Kind.RESET, null, 0, false, null, null);
    }

    /** What {@link #raw} does with the connection once its bytes are out. */
    public enum Ending {
        /**
         * Leaves it open and answers the next request on it as usual (were the bytes a complete
         * response, the connection is fit for reuse; if not, the proxy must not reuse it).
         */
        STAY_OPEN,
        /** Closes it (FIN) {@value RecordingUpstream#RAW_ENDING_DELAY_MILLIS} ms after the bytes were written. */
        CLOSE,
        /** Resets it (RST, SO_LINGER 0) {@value RecordingUpstream#RAW_ENDING_DELAY_MILLIS} ms after the bytes were written. */
        RESET
    }

    /**
     * Writes exactly {@code bytes} after the request, bypassing the HTTP encoder: garbage instead
     * of a response ({@code "HELLO\r\n\r\n"}, a binary blob, an invalid status line), or a
     * response cut off mid-body (a head promising more than the bytes that follow). Then
     * {@code ending}. The close or reset waits a little, so that the proxy has read the bytes
     * before an RST could make the kernel drop them.
     */
    public static UpstreamBehaviour raw(byte[] bytes, Ending ending) {
        requireNonNull(bytes, "bytes");
        requireNonNull(ending, "ending");
        return new UpstreamBehaviour(Kind.RAW, null, 0, false, null, null, bytes.clone(), ending);
    }

    /** {@link #raw(byte[], Ending)} of the ISO-8859-1 bytes of {@code text}. */
    public static UpstreamBehaviour raw(String text, Ending ending) {
        return raw(text.getBytes(StandardCharsets.ISO_8859_1), ending);
    }

    /**
     * A slow upstream: reads the request body one socket read at a time with a pause of
     * {@code pausePerRead} after each, so that an upload piles up in the proxy and the TCP
     * buffers between; once the body is complete, behaves as {@code then}. {@code then} must
     * answer from a complete request: {@link #respond}, {@link #delay} of it, {@link #raw},
     * {@link #closeWithoutResponse} or {@link #resetConnection}.
     */
    public static UpstreamBehaviour readBodySlowly(Duration pausePerRead, UpstreamBehaviour then) {
        requireNonNull(pausePerRead, "pausePerRead");
        requireNonNull(then, "then");
        if (then.kind == Kind.ECHO || then.kind == Kind.STREAM_BODY || then.kind == Kind.SLOW_BODY) {
            throw new IllegalArgumentException("readBodySlowly cannot be followed by " + then);
        }
        return new UpstreamBehaviour(Kind.SLOW_BODY, null, 0, false, pausePerRead, then);
    }

    @Override
    public String toString() {
        if (kind == Kind.RAW) {
            return kind + "(" + raw.length + " bytes, " + ending + ")";
        }
        return kind + (kind == Kind.DELAY || kind == Kind.SLOW_BODY ? "(" + delay + ", " + then + ")" : "");
    }

    /**
     * A complete response. Content-Length is added unless the headers carry Content-Length or
     * Transfer-Encoding; header names are sent as given, duplicates allowed.
     */
    public record Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {

        public Response {
            headers = List.copyOf(headers);
            requireNonNull(body, "body");
        }

        public static Response of(int status, String contentType, String body) {
            return new Response(status, List.of(new SimpleImmutableEntry<>("Content-Type", contentType)),
                    body.getBytes(StandardCharsets.UTF_8));
        }

        public static Response of(int status) {
            return new Response(status, List.of(), new byte[0]);
        }

        /** A copy with one more header (appended; an existing one of that name is kept). */
        public Response header(String name, String value) {
            List<Map.Entry<String, String>> more = new ArrayList<>(headers);
            more.add(new SimpleImmutableEntry<>(name, value));
            return new Response(status, more, body);
        }

        public Response body(byte[] value) {
            return new Response(status, headers, value);
        }
    }
}

package dev.portcullis.core.http;

import io.netty.buffer.ByteBuf;

/**
 * Follows the bytes of one request, in order and in any number of pieces, and reports an obs-fold:
 * a field line that starts with SP or HTAB (RFC 9112 §5.2), in the head or in the trailer section
 * of a chunked body (§7.1.2). Netty's decoder joins such a line to the previous field's value;
 * {@link StrictHttpServerCodec} refuses it instead, so that a fold can never make the proxy and a
 * backend read different fields, or a different number of requests, from the same bytes.
 *
 * <p>It is fed exactly the bytes the decoder consumed, so it stays aligned with the decoder's idea
 * of where lines begin: the decoder consumes a head or trailer line only once its LF has arrived,
 * and skips control characters and whitespace before a request line, as this does. In a chunked
 * body it reads the chunk-size lines and steps over the data by count; the decoder has checked
 * that framing before any byte of it reaches here (a framing error fails the request). Other
 * bodies are not looked at. Stateful, one per connection, event-loop confined.
 */
final class ObsFoldScanner {

    private enum State {
        BEFORE_REQUEST_LINE, IN_LINE, LINE_START, AFTER_CR_AT_LINE_START,
        CHUNK_SIZE_LINE, CHUNK_DATA, CHUNK_DATA_END,
        DONE
    }

    private State state = State.BEFORE_REQUEST_LINE;
    private long chunkSize;
    private boolean chunkSizeEnded;
    private boolean folded;

    /** Forgets the previous request: the next byte may begin a new one. */
    void reset() {
        state = State.BEFORE_REQUEST_LINE;
        folded = false;
    }

    /** The head just read announced a chunked body: follow it to its trailers. */
    void expectChunkedBody() {
        startChunk();
    }

    /** Whether the current request's bytes are still followed (a head, or a chunked body). */
    boolean scanning() {
        return state != State.DONE && !folded;
    }

    /**
     * Scans {@code [from, to)} of {@code buffer}: within a line it jumps to the next LF
     * ({@code indexOf}, which reads eight bytes at a time), over chunk data by count, and looks at
     * single bytes only where a line starts and in chunk-size lines.
     *
     * @return whether an obs-fold was found, in these bytes or earlier ones of the same request
     */
    boolean scan(ByteBuf buffer, int from, int to) {
        int i = from;
        while (i < to && scanning()) {
            if (state == State.IN_LINE) {
                int lf = buffer.indexOf(i, to, (byte) '\n');
                if (lf < 0) {
                    return folded;
                }
                state = State.LINE_START;
                i = lf + 1;
            } else if (state == State.CHUNK_DATA) {
                int step = (int) Math.min(chunkSize, to - i);
                i += step;
                chunkSize -= step;
                if (chunkSize == 0) {
                    state = State.CHUNK_DATA_END;
                }
            } else {
                step(buffer.getByte(i++));
            }
        }
        return folded;
    }

    /** One byte where lines start, or of a chunk-size line or a chunk's CRLF. */
    private void step(byte b) {
        switch (state) {
            case BEFORE_REQUEST_LINE -> {
                if (!skippedBeforeRequestLine(b)) {
                    state = State.IN_LINE;
                }
            }
            case LINE_START -> {
                if (b == ' ' || b == '\t') {
                    folded = true;
                } else {
                    state = b == '\r' ? State.AFTER_CR_AT_LINE_START : b == '\n' ? State.DONE : State.IN_LINE;
                }
            }
            case AFTER_CR_AT_LINE_START -> state = b == '\n' ? State.DONE : State.IN_LINE;
            case CHUNK_SIZE_LINE -> chunkSizeLine(b);
            case CHUNK_DATA_END -> {
                if (b == '\n') {
                    startChunk();
                }
            }
            default -> throw new IllegalStateException("no single-byte step in " + state);
        }
    }

    private void startChunk() {
        state = State.CHUNK_SIZE_LINE;
        chunkSize = 0;
        chunkSizeEnded = false;
    }

    /** {@code 1*HEXDIG [ext] CRLF}; a zero size starts the trailer section. */
    private void chunkSizeLine(byte b) {
        if (b == '\n') {
            if (chunkSize == 0) {
                state = State.LINE_START; // the trailer section: field lines again
            } else {
                state = State.CHUNK_DATA;
            }
            return;
        }
        int digit = chunkSizeEnded ? -1 : hexDigit(b);
        if (digit < 0) {
            chunkSizeEnded = true;
        } else if (chunkSize <= Integer.MAX_VALUE) {
            chunkSize = chunkSize * 16 + digit;
        }
    }

    private static int hexDigit(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
    }

    /** What the decoder skips before a request line: control characters and whitespace. */
    private static boolean skippedBeforeRequestLine(byte b) {
        return (b >= 0 && b <= ' ') || b == 0x7f;
    }
}

package dev.portcullis.testing;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The deterministic byte pattern every large test body uses, and SHA-256 helpers. Byte {@code i}
 * of a body depends only on {@code i}, so a sender and a receiver can each generate or check any
 * slice without holding the whole body: a 50 MiB upload never lives in memory.
 *
 * <pre>{@code
 * assertThat(recorded.bodySha256()).isEqualTo(TestBodies.sha256(50 * TestBodies.MiB));
 * }</pre>
 */
public final class TestBodies {

    public static final long KiB = 1024;
    public static final long MiB = 1024 * KiB;

    private TestBodies() {
    }

    /** Byte {@code position} of the pattern. */
    public static byte at(long position) {
        long x = position * 0x9E3779B97F4A7C15L;
        return (byte) ((x >>> 56) ^ (position >>> 13) ^ position);
    }

    /** Fills {@code target[offset, offset + length)} with the pattern starting at {@code position}. */
    public static void fill(byte[] target, int offset, int length, long position) {
        for (int i = 0; i < length; i++) {
            target[offset + i] = at(position + i);
        }
    }

    /** Writes {@code length} pattern bytes starting at {@code position} into {@code buf}. */
    public static void fill(ByteBuf buf, long position, int length) {
        byte[] chunk = new byte[length];
        fill(chunk, 0, length, position);
        buf.writeBytes(chunk);
    }

    /** The first {@code size} pattern bytes (only for small bodies). */
    public static byte[] bytes(int size) {
        byte[] body = new byte[size];
        fill(body, 0, size, 0);
        return body;
    }

    /** Lowercase hex SHA-256 of the first {@code size} pattern bytes, computed in 64 KiB steps. */
    public static String sha256(long size) {
        MessageDigest digest = newSha256();
        byte[] chunk = new byte[64 * 1024];
        for (long done = 0; done < size; ) {
            int n = (int) Math.min(chunk.length, size - done);
            fill(chunk, 0, n, done);
            digest.update(chunk, 0, n);
            done += n;
        }
        return hex(digest);
    }

    /** Writes the first {@code size} pattern bytes to {@code out}, 64 KiB at a time. */
    public static void write(OutputStream out, long size) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        for (long done = 0; done < size; ) {
            int n = (int) Math.min(chunk.length, size - done);
            fill(chunk, 0, n, done);
            out.write(chunk, 0, n);
            done += n;
        }
        out.flush();
    }

    /**
     * Reads exactly {@code size} bytes, pausing {@code pauseMillis} after every 64 KiB (a slow
     * reader), and returns their lowercase hex SHA-256.
     */
    public static String readSha256(InputStream in, long size, long pauseMillis) throws IOException {
        MessageDigest digest = newSha256();
        byte[] chunk = new byte[64 * 1024];
        for (long done = 0; done < size; ) {
            int n = in.readNBytes(chunk, 0, (int) Math.min(chunk.length, size - done));
            if (n == 0) {
                throw new java.io.EOFException("closed after " + done + " of " + size + " bytes");
            }
            digest.update(chunk, 0, n);
            done += n;
            sleep(pauseMillis);
        }
        return hex(digest);
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }

    /** Lowercase hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        MessageDigest digest = newSha256();
        digest.update(bytes);
        return hex(digest);
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }
}

package dev.portcullis.config;

/**
 * A size in bytes as written in YAML: {@code 512B}, {@code 16KiB}, {@code 10MiB}, {@code 1GiB}.
 */
public record ByteSize(long bytes) {

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
    }

    /**
     * Parses a size.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static ByteSize parse(String text) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The size as an int, for Netty APIs; sizes above 2 GiB are rejected by the loader. */
    public int toIntExact() {
        return Math.toIntExact(bytes);
    }
}

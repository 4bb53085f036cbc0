package dev.portcullis.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes as written in YAML: {@code 512B}, {@code 16KiB}, {@code 10MiB}, {@code 1GiB}.
 * Only binary units: {@code KB} is ambiguous (1000 or 1024), so it is refused rather than guessed.
 */
public record ByteSize(long bytes) {

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
    }

    /** What a size looks like, for error messages. */
    static final String EXPECTED = "a size such as 512B, 16KiB, 10MiB or 1GiB";

    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,19})(B|KiB|MiB|GiB)");

    /**
     * Parses a size: digits followed by {@code B}, {@code KiB}, {@code MiB} or {@code GiB}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static ByteSize parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw ValueErrors.expected(text, EXPECTED);
        }
        int shift = switch (m.group(2)) {
            case "B" -> 0;
            case "KiB" -> 10;
            case "MiB" -> 20;
            default -> 30;
        };
        try {
            long amount = Long.parseLong(m.group(1));
            return new ByteSize(Math.multiplyExact(amount, 1L << shift));
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            throw ValueErrors.expected(text, "a size that fits in 63 bits");
        }
    }

    /** The size as an int, for Netty APIs; sizes above 2 GiB are rejected by the loader. */
    public int toIntExact() {
        return Math.toIntExact(bytes);
    }
}

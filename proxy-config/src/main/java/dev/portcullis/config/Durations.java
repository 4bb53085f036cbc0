package dev.portcullis.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as written in YAML: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}. Every
 * duration in the config is a timeout or an interval, so zero and negative values are refused
 * rather than given a special meaning.
 */
public final class Durations {

    /** What a duration looks like, for error messages. */
    static final String EXPECTED = "a duration such as 500ms, 10s, 5m or 1h";

    /** At most nine digits, so that every unit fits in a long of milliseconds. */
    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses a positive duration: digits followed by {@code ms}, {@code s}, {@code m} or {@code h}.
     *
     * @throws IllegalArgumentException with a message fit for a config error
     */
    public static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw ValueErrors.expected(text, EXPECTED);
        }
        long amount = Long.parseLong(m.group(1));
        if (amount == 0) {
            throw ValueErrors.expected(text, "a positive duration");
        }
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** The shortest exact form that {@link #parse} reads back, e.g. {@code 1500ms} or {@code 5m}. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}

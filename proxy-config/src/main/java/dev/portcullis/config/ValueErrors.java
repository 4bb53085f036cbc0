package dev.portcullis.config;

/**
 * Builds the value part of a config error, {@code value: "maybe" (expected: require or optional)},
 * so that every value type and the loader phrase it the same way and keep it on one line.
 */
final class ValueErrors {

    /** Echoed values are cut here: an error line must stay readable. */
    private static final int MAX_ECHO = 80;

    private ValueErrors() {
    }

    /** {@code value: "<text>" (expected: <expected>)}, as an exception the loader turns into a ConfigException. */
    static IllegalArgumentException expected(String text, String expected) {
        return new IllegalArgumentException("value: " + quote(text) + " (expected: " + expected + ")");
    }

    /** {@code text} in double quotes, escaped and cut so that it fits on one line. */
    static String quote(String text) {
        String cut = text.length() > MAX_ECHO ? text.substring(0, MAX_ECHO) + "..." : text;
        return "\"" + escape(cut).replace("\"", "\\\"") + "\"";
    }

    /** {@code text} in double quotes and escaped, never cut: for file paths, which must be shown whole. */
    static String quoteWhole(String text) {
        return "\"" + escape(text).replace("\"", "\\\"") + "\"";
    }

    /**
     * Control characters as escapes, so that a key or value never breaks the one-line message.
     * Backslashes are kept as they are: the result is for reading, not for parsing back.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}

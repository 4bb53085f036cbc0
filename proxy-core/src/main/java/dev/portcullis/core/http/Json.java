package dev.portcullis.core.http;

/**
 * JSON string literals (RFC 8259 §7) for the bodies Portcullis writes by hand: its error
 * responses, the admin endpoint's and the demo upstream's. Values such as a certificate DN may hold quotes, backslashes, control
 * characters and any Unicode, so every string goes through here.
 */
public final class Json {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {
    }

    /** {@code value} as a JSON string literal, or {@code null} for null. */
    public static String quote(String value) {
        return value == null ? "null" : appendString(new StringBuilder(value.length() + 2), value).toString();
    }

    /**
     * Appends {@code value} as a JSON string literal ({@code null} for null). Non-ASCII text is kept
     * as it is (the bodies are UTF-8); escaped are {@code "} and {@code \}, the C0 and C1 control
     * characters and DEL, U+2028/U+2029 (line breaks to JavaScript), and unpaired surrogates, which
     * have no UTF-8 encoding and would otherwise turn into {@code ?}.
     */
    public static StringBuilder appendString(StringBuilder out, String value) {
        if (value == null) {
            return out.append("null");
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < value.length()
                            && Character.isLowSurrogate(value.charAt(i + 1))) {
                        out.append(c).append(value.charAt(++i));
                    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                            || Character.isSurrogate(c)) {
                        unicodeEscape(out, c);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    private static void unicodeEscape(StringBuilder out, char c) {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
    }
}

package dev.portcullis.config;

import java.util.function.Function;

/**
 * One scalar value after interpolation, with the key path and line it came from, so that whatever
 * goes wrong with it later (a bad value, a missing file) is reported at the right place.
 *
 * @param path the key path, e.g. {@code tls.protocols[1]}
 * @param line 1-based line of the value
 * @param text the text after {@code ${VAR}} interpolation
 */
record YamlScalar(String path, int line, String text) {

    /** Converts the text; an {@link IllegalArgumentException} from {@code parser} becomes this value's error. */
    <T> T as(Function<String, T> parser) throws ConfigException {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** {@code path (line N): value: "text" (expected: ...)}. */
    ConfigException expected(String expected) {
        return error(ValueErrors.expected(text, expected).getMessage());
    }

    /** {@code path (line N): problem}. */
    ConfigException error(String problem) {
        return YamlMapping.error(path, line, problem);
    }
}

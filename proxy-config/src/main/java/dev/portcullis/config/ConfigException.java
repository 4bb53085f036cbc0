package dev.portcullis.config;

/**
 * A configuration error. The message is the whole story and fits on one line, in one shape:
 * {@code tls.client_auth (line 7): value: "maybe" (expected: require or optional)}. Callers print it
 * as it is, without a stack trace.
 */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

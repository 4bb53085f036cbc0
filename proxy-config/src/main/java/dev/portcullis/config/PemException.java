package dev.portcullis.config;

/** A PEM file that cannot be used; the message is one line and names no secret. */
public final class PemException extends Exception {

    public PemException(String message) {
        super(message);
    }

    public PemException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.portcullis.config;

/**
 * A certificate, key, CRL or ticket-key file that cannot be used ({@link PemFiles},
 * {@link CrlFiles}, {@link TicketKeyFile}); the message is one line and names no secret.
 */
public final class PemException extends Exception {

    public PemException(String message) {
        super(message);
    }

    public PemException(String message, Throwable cause) {
        super(message, cause);
    }
}

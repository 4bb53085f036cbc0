package dev.portcullis.bench.load;

/** A command line the driver cannot run: the message names the option and what was expected. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}

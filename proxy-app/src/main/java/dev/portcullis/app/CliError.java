package dev.portcullis.app;

import static java.util.Objects.requireNonNull;

/**
 * A failure the command line reports as one line on stderr and an exit code, never with a stack
 * trace. Usage and config errors exit 2 (before any port is bound); runtime failures exit 1.
 */
final class CliError extends Exception {

    static final int RUNTIME = 1;
    static final int USAGE_OR_CONFIG = 2;

    private final int exitCode;

    private CliError(int exitCode, String message, Throwable cause) {
        // Keep the promise of one line even when a message from below carries a newline.
        super(requireNonNull(message, "message").replaceAll("\\s*[\\r\\n]+\\s*", " "), cause);
        this.exitCode = exitCode;
    }

    /** The command line itself is wrong: unknown command or option, missing value. */
    static CliError usage(String message) {
        return new CliError(USAGE_OR_CONFIG, message, null);
    }

    /** A config file or a file it names is wrong; the message is printed as it is. */
    static CliError config(String message, Throwable cause) {
        return new CliError(USAGE_OR_CONFIG, message, cause);
    }

    /** Everything was valid, but something failed at run time (a port in use, a disk full). */
    static CliError runtime(String message, Throwable cause) {
        return new CliError(RUNTIME, message, cause);
    }

    int exitCode() {
        return exitCode;
    }
}

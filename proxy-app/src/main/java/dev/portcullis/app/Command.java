package dev.portcullis.app;

import java.nio.file.Path;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** One parsed invocation of {@code portcullis}; {@link CommandLine} builds it, {@link Main} runs it. */
sealed interface Command {

    /** {@code portcullis --config FILE} or {@code portcullis run --config FILE}: serve until a signal. */
    record Run(Path config) implements Command {
        public Run {
            requireNonNull(config, "config");
        }
    }

    /** {@code portcullis validate --config FILE}: load everything, bind nothing. */
    record Validate(Path config) implements Command {
        public Validate {
            requireNonNull(config, "config");
        }
    }

    /**
     * {@code portcullis demo [--dir DIR] [--port N]}.
     *
     * @param dir  where the PKI and config go; empty: a temporary directory deleted on exit
     * @param port the proxy's port on 127.0.0.1; 0 picks a free one
     */
    record Demo(Optional<Path> dir, int port) implements Command {
        static final int DEFAULT_PORT = 8443;

        public Demo {
            requireNonNull(dir, "dir");
        }
    }

    /** {@code portcullis certs --out DIR [--force]}. */
    record Certs(Path out, boolean force) implements Command {
        public Certs {
            requireNonNull(out, "out");
        }
    }

    /** {@code portcullis --version}. */
    record Version() implements Command {
    }

    /** {@code portcullis --help}. */
    record Help() implements Command {
    }
}

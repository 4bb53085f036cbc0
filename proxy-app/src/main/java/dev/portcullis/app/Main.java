package dev.portcullis.app;

import dev.portcullis.core.pki.DevPki;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code portcullis} command (see DESIGN.md "Command line"). It turns every expected failure
 * into one line on stderr and an exit code: 2 for usage and config errors (always before a port is
 * bound), 1 for runtime failures. {@code run} and {@code demo} block until SIGTERM or SIGINT and
 * then exit 0 (see {@link ShutdownSignals}).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // Netty's allocator JFR events would load JFR's classes (about 4 MiB resident) for events
        // nobody records in a sidecar; -Dio.netty.jfr.enabled=true brings them back.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        // Leak detection samples one buffer in 128 and records a stack trace for it, 3-4% of the
        // CPU per proxied request (benchmarks/README.md); every test run checks for leaks at
        // "paranoid" instead, and netty_allocator_* metrics show a leak's growth in production.
        // -Dio.netty.leakDetection.level=simple brings it back.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        // Before any Netty class logs: otherwise Netty picks its own backend (SLF4J first).
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        int exitCode = execute(args, System.out, System.err);
        LogManager.shutdown();
        System.exit(exitCode);
    }

    /**
     * Runs one command and returns its exit code. {@code run} and {@code demo} do not return until
     * a signal has stopped them (and then the signal handler exits the JVM).
     */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        try {
            Command command = CommandLine.parse(args);
            if (command instanceof Command.Help) {
                out.print(CommandLine.USAGE);
            } else if (command instanceof Command.Version) {
                out.println("portcullis " + Version.current());
            } else if (command instanceof Command.Validate validate) {
                Portcullis.load(validate.config());
                out.println("ok");
            } else if (command instanceof Command.Certs certs) {
                writeCerts(certs, out);
            } else if (command instanceof Command.Run run) {
                Portcullis portcullis = Portcullis.start(run.config());
                serve(portcullis, portcullis);
            } else if (command instanceof Command.Demo demo) {
                DevMode devMode = DevMode.start(demo.dir(), demo.port());
                devMode.printBanner(out);
                serve(devMode, devMode.portcullis());
            }
            return 0;
        } catch (CliError e) {
            err.println(e.getMessage());
            return e.exitCode();
        } catch (RuntimeException e) {
            // A bug, not a user error: the stack trace is what a bug report needs. The stderr
            // layout encodes it onto one line.
            Logger log = LogManager.getLogger(Main.class);
            log.error("portcullis: unexpected failure: {}", e.toString(), e);
            return CliError.RUNTIME;
        }
    }

    /** Blocks until a signal has stopped {@code running}; SIGHUP reloads {@code portcullis}'s TLS material. */
    private static void serve(AutoCloseable running, Portcullis portcullis) {
        ShutdownSignals signals = ShutdownSignals.install(() -> {
            try {
                running.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, portcullis::reload);
        try {
            signals.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void writeCerts(Command.Certs certs, PrintStream out) throws CliError {
        List<Path> files = DevPki.at(certs.out()).files();
        if (!certs.force()) {
            for (Path file : files) {
                if (Files.exists(file)) {
                    throw CliError.usage("portcullis certs: " + file + " already exists (use --force to overwrite)");
                }
            }
        }
        try {
            DevPki.write(certs.out());
        } catch (IOException e) {
            throw CliError.runtime("portcullis certs: cannot write to " + certs.out() + ": " + e, e);
        }
        for (Path file : files) {
            out.println(file);
        }
    }
}

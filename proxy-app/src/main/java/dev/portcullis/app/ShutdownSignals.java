package dev.portcullis.app;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * Stops Portcullis on SIGTERM or SIGINT and exits 0, as DESIGN.md promises for an orchestrator's
 * stop. A shutdown hook alone is not enough: the JVM runs hooks on SIGTERM but then exits with
 * 143 (128 + 15), which Kubernetes and systemd read as a failure. So TERM and INT get
 * {@code sun.misc.Signal} handlers (module jdk.unsupported, present in every JDK since 9) that run
 * the stop action and then {@code System.exit(0)}. The shutdown hook stays as the fallback for
 * other exits (and for a JVM started with {@code -Xrs}, where the handlers cannot be installed);
 * it also shuts Log4j down last, since log4j2.properties disables Log4j's own hook so that the final
 * "stopped" line is not lost. SIGHUP reloads the TLS material, as the file watcher does.
 */
final class ShutdownSignals {

    private static final Logger LOG = LogManager.getLogger(ShutdownSignals.class);

    private final Runnable stop;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private ShutdownSignals(Runnable stop) {
        this.stop = requireNonNull(stop, "stop");
    }

    /** Installs the handlers and the hook; {@code stop} runs at most once, {@code reload} on every SIGHUP. */
    static ShutdownSignals install(Runnable stop, Runnable reload) {
        ShutdownSignals signals = new ShutdownSignals(stop);
        Runtime.getRuntime().addShutdownHook(new Thread(signals::onJvmExit, "portcullis-shutdown"));
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> signals.onSignal(name));
            } catch (IllegalArgumentException e) {
                LOG.warn("cannot handle SIG{} ({}); it will stop Portcullis through the shutdown hook", name,
                        e.getMessage());
            }
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                LOG.info("SIGHUP received, reloading TLS material");
                reload.run();
            });
        } catch (IllegalArgumentException e) {
            LOG.warn("cannot handle SIGHUP ({}); TLS material reloads only when its files change", e.getMessage());
        }
        return signals;
    }

    /** Blocks the calling thread until a signal or JVM exit has stopped Portcullis. */
    void await() throws InterruptedException {
        stopped.await();
    }

    private void onSignal(String name) {
        LOG.info("SIG{} received, stopping", name);
        stopOnce();
        System.exit(0);
    }

    private void onJvmExit() {
        stopOnce();
        LogManager.shutdown();
    }

    private void stopOnce() {
        if (stopping.compareAndSet(false, true)) {
            try {
                stop.run();
            } catch (RuntimeException e) {
                LOG.error("error while stopping", e);
            } finally {
                stopped.countDown();
            }
        } else {
            awaitQuietly();
        }
    }

    /** A second caller (hook after handler) waits for the first to finish rather than racing it. */
    private void awaitQuietly() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.portcullis.app;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PemException;
import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * A running Portcullis: the one place where the pieces are wired together, in order (config, meter
 * registry, proxy, admin endpoint). {@code run} and {@code demo} both start through {@link #start},
 * so the demo exercises exactly what production runs. The admin endpoint starts after the proxy,
 * so a config or TLS error still exits 2 before any port is bound, and stops after it, so
 * {@code /readyz} answers 503 while the proxy shuts down. Closing is idempotent and safe from any
 * thread, because both a signal handler and the JVM shutdown hook may call it.
 */
final class Portcullis implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(Portcullis.class);

    private final PrometheusMeterRegistry metrics;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final Duration drainTimeout;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Portcullis(PrometheusMeterRegistry metrics, ProxyServer proxy, AdminServer admin, Duration drainTimeout) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.proxy = requireNonNull(proxy, "proxy");
        this.admin = requireNonNull(admin, "admin");
        this.drainTimeout = requireNonNull(drainTimeout, "drainTimeout");
    }

    /**
     * Loads and validates the config (nothing is bound before it is valid), starts the proxy with
     * its meters in a Prometheus registry, then the admin endpoint that serves them, and logs one
     * startup line with both bound addresses.
     *
     * @throws CliError exit 2 for a bad config or TLS file, exit 1 when the proxy or the admin
     *                  endpoint cannot start (then neither is left running)
     */
    static Portcullis start(Path configFile) throws CliError {
        ProxyConfig config = load(configFile);
        AccessLogOutput.configure(config.accessLog());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProxyServer proxy;
        try {
            proxy = ProxyServer.start(config, metrics);
        } catch (ConfigException | PemException e) {
            throw CliError.config(e.getMessage(), e);
        } catch (Exception e) {
            throw startFailure(config, e);
        }
        AdminServer admin;
        try {
            admin = AdminServer.start(config.admin().listen(), metrics, () -> proxy);
        } catch (IOException | RuntimeException e) {
            proxy.close();
            throw listenFailure(config.admin().listen() + " (admin)", e);
        }
        Portcullis portcullis = new Portcullis(metrics, proxy, admin, config.shutdown().drainTimeout());
        LOG.info("Portcullis {} listening on {} (mTLS), forwarding to http://{}, admin on http://{}, config {}",
                Version.current(), hostPort(proxy.address()), config.upstream().address(),
                hostPort(admin.address()), config.source());
        return portcullis;
    }

    /** The config as {@code validate} checks it and {@link #start} uses it. */
    static ProxyConfig load(Path configFile) throws CliError {
        try {
            return ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            throw CliError.config(e.getMessage(), e);
        }
    }

    /** Reloads the TLS material and identity.allow (SIGHUP); failures keep the current ones serving. */
    void reload() {
        proxy.reload();
    }

    /** The mTLS listener's bound address. */
    InetSocketAddress address() {
        return proxy.address();
    }

    /** The admin endpoint's bound address. */
    InetSocketAddress adminAddress() {
        return admin.address();
    }

    /**
     * Drains the proxy (stop accepting, finish exchanges in flight within
     * {@code shutdown.drain_timeout}, 503 {@code draining} for newer requests), stops it, then
     * the admin endpoint, which answers {@code /readyz} 503 meanwhile.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                LOG.info("draining: no new connections, in-flight exchanges get up to {} s",
                        drainTimeout.toMillis() / 1000.0);
                int left = proxy.drain(drainTimeout);
                if (left > 0) {
                    LOG.warn("drain timeout: closing {} connection(s) still busy", left);
                }
                proxy.close();
            } finally {
                admin.close();
                metrics.close();
            }
            LOG.info("Portcullis stopped");
        }
    }

    /** {@code 127.0.0.1:8443} or {@code [::1]:8443}, without the resolver's leading slash. */
    static String hostPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static CliError startFailure(ProxyConfig config, Exception e) {
        if (isBindFailure(e)) {
            return listenFailure(config.listen().toString(), e);
        }
        return CliError.runtime("portcullis: cannot start: " + rootMessage(e), e);
    }

    /** {@code portcullis: cannot listen on 127.0.0.1:9901 (admin): Address already in use}. */
    private static CliError listenFailure(String listener, Exception e) {
        // Netty's epoll transport says "bind(..) failed with error(-98): Address already in use".
        String reason = rootMessage(e).replaceFirst("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
        return CliError.runtime("portcullis: cannot listen on " + listener + ": " + reason, e);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof BindException || message.startsWith("bind(") || message.contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }
}

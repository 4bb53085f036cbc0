package dev.portcullis.app;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PemException;
import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.ProxyServer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * A running Portcullis: the one place where the pieces are wired together, in order (config, proxy,
 * later the admin endpoint). {@code run} and {@code demo} both start through {@link #start}, so the
 * demo exercises exactly what production runs. Closing is idempotent and safe from any thread,
 * because both a signal handler and the JVM shutdown hook may call it.
 */
final class Portcullis implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(Portcullis.class);

    private final ProxyServer proxy;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Portcullis(ProxyServer proxy) {
        this.proxy = requireNonNull(proxy, "proxy");
    }

    /**
     * Loads and validates the config (nothing is bound before it is valid), starts the proxy and
     * logs one startup line with the bound address.
     *
     * @throws CliError exit 2 for a bad config or TLS file, exit 1 when the proxy cannot start
     */
    static Portcullis start(Path configFile) throws CliError {
        ProxyConfig config = load(configFile);
        AccessLogOutput.configure(config.accessLog());
        ProxyServer proxy;
        try {
            proxy = ProxyServer.start(config);
        } catch (ConfigException | PemException e) {
            throw CliError.config(e.getMessage(), e);
        } catch (Exception e) {
            throw startFailure(config, e);
        }
        Portcullis portcullis = new Portcullis(proxy);
        LOG.info("Portcullis {} listening on {} (mTLS), forwarding to http://{}, config {}",
                Version.current(), hostPort(proxy.address()), config.upstream().address(), config.source());
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

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            proxy.close();
            LOG.info("Portcullis stopped");
        }
    }

    /** {@code 127.0.0.1:8443} or {@code [::1]:8443}, without the resolver's leading slash. */
    static String hostPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static CliError startFailure(ProxyConfig config, Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (isBindFailure(e)) {
            // Netty's epoll transport says "bind(..) failed with error(-98): Address already in use".
            reason = reason.replaceFirst("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
            return CliError.runtime("portcullis: cannot listen on " + config.listen() + ": " + reason, e);
        }
        return CliError.runtime("portcullis: cannot start: " + reason, e);
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

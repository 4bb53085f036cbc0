package dev.portcullis.core;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.PemException;
import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.metrics.ProxyMetrics;
import dev.portcullis.core.tls.ServerTls;
import dev.portcullis.core.tls.SslContexts;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reloads the TLS generation: on SIGHUP, and with {@code tls.reload: true} whenever the config
 * file or a file it names changes. A reload re-reads the config file and builds a whole new
 * {@link ServerTls} (key, chain, client CAs, CRLs, ticket keys, {@code identity.allow}) and swaps
 * it in only if all of that succeeded; otherwise the current generation keeps serving, one error
 * naming the file is logged and {@code portcullis_tls_reloads_total{result="failed"}} counts it.
 *
 * <p>Changes are found by polling each file's identity (inode, size, modification time, following
 * symlinks) every {@value #POLL_MILLIS} ms. That sees every way a file gets replaced: in place,
 * an editor's write-and-rename, and the {@code ..data} symlink swap of a Kubernetes Secret volume,
 * which inotify on the file itself would miss. A change is applied once the files have been quiet
 * for one interval, so a burst of writes is one reload, within a second.
 *
 * <p>All work runs on the one TLS scheduler thread, so reloads never overlap.
 */
final class TlsReloader {

    private static final Logger LOG = LogManager.getLogger(TlsReloader.class);
    static final long POLL_MILLIS = 500;

    private final ProxyConfig initial;
    private final AtomicReference<ServerTls> current;
    private final ScheduledExecutorService scheduler;
    private final ProxyMetrics metrics;
    private List<Path> watched;
    private List<String> applied;
    private List<String> lastSeen;

    TlsReloader(ProxyConfig initial, AtomicReference<ServerTls> current, ScheduledExecutorService scheduler,
                ProxyMetrics metrics) {
        this.initial = initial;
        this.current = current;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.watched = watchedFiles(initial);
        this.applied = signature(watched);
        this.lastSeen = applied;
    }

    /** Starts watching when the config asks for it. */
    void start() {
        if (initial.tls().reload()) {
            scheduler.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Reloads now (SIGHUP), on the scheduler thread. */
    void requestReload() {
        scheduler.execute(this::reload);
    }

    private void poll() {
        List<String> seen = signature(watched);
        boolean quiet = seen.equals(lastSeen);
        lastSeen = seen;
        if (quiet && !seen.equals(applied)) {
            reload();
        }
    }

    private void reload() {
        Path source = initial.source();
        try {
            ProxyConfig config = ConfigLoader.load(source);
            ServerTls next = SslContexts.load(config.tls(), config.identity().allow(),
                    initial.http2().enabled(), scheduler);
            current.getAndSet(next).close();
            watched = watchedFiles(config);
            metrics.reloaded(true);
            LOG.info("TLS material reloaded from {}; new handshakes use it", source);
            warnAboutRestartOnlyChanges(config);
        } catch (ConfigException | PemException | SSLException e) {
            metrics.reloaded(false);
            LOG.error("TLS reload failed, the current certificates keep serving: {}", e.getMessage());
        } catch (RuntimeException e) {
            metrics.reloaded(false);
            LOG.error("TLS reload failed, the current certificates keep serving", e);
        } finally {
            applied = signature(watched);
            lastSeen = applied;
        }
    }

    private void warnAboutRestartOnlyChanges(ProxyConfig config) {
        boolean same = config.listen().equals(initial.listen())
                && config.upstream().equals(initial.upstream())
                && config.tokens().equals(initial.tokens())
                && config.response().equals(initial.response())
                && config.limits().equals(initial.limits())
                && config.admin().equals(initial.admin())
                && config.accessLog().equals(initial.accessLog())
                && config.shutdown().equals(initial.shutdown())
                && config.identity().format() == initial.identity().format()
                && config.identity().headers().equals(initial.identity().headers())
                && config.identity().strip().equals(initial.identity().strip())
                && config.tls().handshakeTimeout().equals(initial.tls().handshakeTimeout());
        if (!same) {
            LOG.warn("config changes outside tls and identity.allow take effect on restart only");
        }
    }

    private static List<Path> watchedFiles(ProxyConfig config) {
        List<Path> files = new ArrayList<>();
        files.add(config.source());
        files.addAll(config.tls().files());
        return List.copyOf(files);
    }

    private static List<String> signature(List<Path> files) {
        List<String> signature = new ArrayList<>(files.size());
        for (Path file : files) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                signature.add(Objects.toString(attributes.fileKey()) + '|' + attributes.size() + '|'
                        + attributes.lastModifiedTime());
            } catch (IOException e) {
                signature.add("missing");
            }
        }
        return signature;
    }
}

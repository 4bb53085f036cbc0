package dev.portcullis.app;

import dev.portcullis.core.pki.DevPki;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * {@code portcullis demo}: a working mTLS setup in one command. It writes a {@link DevPki} and a
 * {@code portcullis.yaml} into a directory, starts the built-in {@link EchoUpstream}, then starts
 * the proxy through {@link Portcullis#start} from that YAML file, so the demo goes through the
 * real config loader and the same wiring as {@code run}. It prints a curl command that works as
 * printed. A temporary directory is deleted on exit; a {@code --dir} is left in place.
 */
final class DevMode implements AutoCloseable {

    static final String CONFIG_FILE = "portcullis.yaml";

    private final Path dir;
    private final boolean deleteOnClose;
    private final DevPki pki;
    private final EchoUpstream upstream;
    private final Portcullis portcullis;

    private DevMode(Path dir, boolean deleteOnClose, DevPki pki, EchoUpstream upstream, Portcullis portcullis) {
        this.dir = dir;
        this.deleteOnClose = deleteOnClose;
        this.pki = pki;
        this.upstream = upstream;
        this.portcullis = portcullis;
    }

    /**
     * Writes the PKI and config, starts the echo upstream and the proxy on 127.0.0.1:{@code port}.
     * On failure everything started so far is stopped again.
     */
    static DevMode start(Optional<Path> requestedDir, int port) throws CliError {
        requireNonNull(requestedDir, "requestedDir");
        Path dir;
        DevPki pki;
        try {
            dir = requestedDir.isPresent()
                    ? Files.createDirectories(requestedDir.get()).toAbsolutePath()
                    : Files.createTempDirectory("portcullis-demo-").toAbsolutePath();
            pki = DevPki.write(dir);
        } catch (IOException e) {
            throw CliError.runtime("portcullis demo: cannot write the dev PKI: " + e, e);
        }
        boolean deleteOnClose = requestedDir.isEmpty();
        EchoUpstream upstream = null;
        try {
            upstream = EchoUpstream.start(new InetSocketAddress("127.0.0.1", 0));
            Path config = writeConfig(dir, port, upstream.address());
            Portcullis portcullis = Portcullis.start(config);
            return new DevMode(dir, deleteOnClose, pki, upstream, portcullis);
        } catch (CliError | IOException | InterruptedException | RuntimeException e) {
            if (upstream != null) {
                upstream.close();
            }
            if (deleteOnClose) {
                deleteRecursively(dir);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof CliError cli ? cli : CliError.runtime("portcullis demo: cannot start: " + e, e);
        }
    }

    /** What to try, for a human; the curl line must work exactly as printed. */
    void printBanner(PrintStream out) {
        String url = "https://localhost:" + portcullis.address().getPort();
        out.println("Portcullis demo: proxy on " + url + " -> built-in echo upstream on "
                + Portcullis.hostPort(upstream.address()));
        out.println("PKI and config in " + dir + (deleteOnClose ? " (deleted on exit)" : ""));
        out.println("Try:");
        out.println("  " + curlCommand(pki, url + "/hello"));
        out.println("Admin endpoint: http://" + Portcullis.hostPort(portcullis.adminAddress())
                + "/metrics (also /healthz, /readyz, /connections)");
        out.println("Ctrl-C stops it.");
        out.flush();
    }

    static String curlCommand(DevPki pki, String url) {
        return "curl --cert " + shellQuote(pki.clientCert()) + " --key " + shellQuote(pki.clientKey())
                + " --cacert " + shellQuote(pki.caCert()) + " " + url;
    }

    Portcullis portcullis() {
        return portcullis;
    }

    @Override
    public void close() {
        portcullis.close();
        upstream.close();
        if (deleteOnClose) {
            deleteRecursively(dir);
        }
    }

    /**
     * The demo config: every path relative, so the loader resolves it against this directory;
     * the admin endpoint on a free port so that two demos never collide on it.
     */
    private static Path writeConfig(Path dir, int port, InetSocketAddress upstream) throws IOException {
        String yaml = """
                # Written by `portcullis demo`. Every key is documented in conf/portcullis.yaml.
                listen: "127.0.0.1:%d"
                tls:
                  cert: server.crt
                  key: server.key
                  client_ca: ca.crt
                  client_auth: require
                upstream:
                  url: "http://%s"
                admin:
                  listen: "127.0.0.1:0"
                access_log: stdout
                """.formatted(port, Portcullis.hostPort(upstream));
        Path config = dir.resolve(CONFIG_FILE);
        Files.writeString(config, yaml);
        return config;
    }

    /** Quotes a path for a POSIX shell only when it needs it, so the usual line stays readable. */
    static String shellQuote(Path path) {
        String text = path.toString();
        if (text.matches("[A-Za-z0-9_./:@%+=,-]+")) {
            return text;
        }
        return "'" + text.replace("'", "'\\''") + "'";
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            // A leftover temp dir is harmless; failing the shutdown over it would not be.
        }
    }
}

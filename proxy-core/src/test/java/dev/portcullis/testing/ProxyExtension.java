package dev.portcullis.testing;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.ProxyServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Runs the real proxy for a test class, the way Armeria's {@code ServerExtension} runs a server:
 * a {@link TestPki}, a {@link RecordingUpstream}, a temp directory with the PEM files and a
 * {@code portcullis.yaml}, {@link ConfigLoader#load} and {@link ProxyServer#start}, all on
 * ephemeral ports.
 *
 * <pre>{@code
 * class BodyLimitTest {
 *     @RegisterExtension
 *     static final ProxyExtension proxy = ProxyExtension.builder()
 *             .yaml("limits:\n  max_body_size: 1MiB")
 *             .build();
 *
 *     @Test
 *     void forwardsIdentityOfVerifiedClient() throws Exception {
 *         try (TlsTestClient client = proxy.client()) {
 *             assertThat(client.get("/hello").status()).isEqualTo(200);
 *         }
 *         assertThat(proxy.upstream().takeRequest().headers("X-Client-DN"))
 *                 .containsExactly(proxy.pki().validClient().subjectDn());
 *     }
 *
 *     @Test
 *     void slowUpstreamGets504() throws Exception {
 *         proxy.restart(b -> b.set("upstream.response_timeout", "200ms"));   // this test only
 *         proxy.upstream().behaviour(UpstreamBehaviour.delay(Duration.ofSeconds(2), UpstreamBehaviour.ok()));
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 * Registered on a {@code static} field, the proxy starts once before all tests and stops after
 * them; registered on an instance field, or with {@link Builder#runForEachTest}, it starts and
 * stops around every test. Before each test the upstream is {@link RecordingUpstream#reset()
 * reset} (recordings cleared, behaviour back to {@code ok}); a test that called {@link #restart}
 * leaves a proxy with the class's own config for the next test. The PKI is generated once per
 * extension (one per test class), the upstream stays on the same port across restarts.
 *
 * <h2>Default config</h2>
 * <pre>
 * listen: "127.0.0.1:0"
 * tls: {cert: &lt;dir&gt;/server.crt (leaf + Server CA), key: &lt;dir&gt;/server.key,
 *       client_ca: &lt;dir&gt;/client-ca.crt (root only), client_auth: "require"}
 * upstream: {url: "http://127.0.0.1:&lt;recording upstream&gt;"}
 * admin: {listen: "127.0.0.1:0"}
 * access_log: "off"
 * </pre>
 * Everything else is left to the loader's defaults; override with the {@link Builder}.
 */
public final class ProxyExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    public static final String CONFIG_FILE = "portcullis.yaml";

    private final Builder base;
    private TestPki pki;
    private RecordingUpstream upstream;
    private ProxyServer proxy;
    private ProxyConfig config;
    private Path configFile;
    private Path baseDir;
    private int runs;
    private int classDepth;
    private boolean started;
    private boolean startedForThisTest;
    private boolean overridden;

    /** A proxy with the default config. */
    public ProxyExtension() {
        this(new Builder());
    }

    private ProxyExtension(Builder base) {
        this.base = base.copy();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- JUnit callbacks ------------------------------------------------------------------

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // @Nested classes inherit a static extension and call beforeAll again: start only once.
        if (classDepth++ == 0 && !base.runForEachTest) {
            start();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!started) {
            start();
            startedForThisTest = true;
            return;
        }
        upstream.reset();
        if (overridden) {
            startProxy(base);
            overridden = false;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (startedForThisTest) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (--classDepth <= 0) {
            classDepth = 0;
            stop();
        }
    }

    // ---- what a test uses -----------------------------------------------------------------

    /** The proxy's mTLS listener. */
    public InetSocketAddress address() {
        return running().address();
    }

    /** The running proxy's meters. */
    public MeterRegistry registry() {
        return server().metrics().registry();
    }

    public ProxyServer server() {
        return running();
    }

    public RecordingUpstream upstream() {
        requireStarted();
        return upstream;
    }

    public TestPki pki() {
        if (pki == null) {
            pki = TestPki.create();
        }
        return pki;
    }

    /** The config the running proxy was started with. */
    public ProxyConfig config() {
        requireStarted();
        return config;
    }

    /** The {@code portcullis.yaml} of the running proxy (its directory holds the PEM files). */
    public Path configFile() {
        requireStarted();
        return configFile;
    }

    /** A connection presenting {@link TestPki#validClient()}. */
    public TlsTestClient client() throws IOException {
        return client(pki().validClient());
    }

    /** A connection presenting {@code credentials} (null: no certificate, any server trusted). */
    public TlsTestClient client(ClientCredentials credentials) throws IOException {
        return TlsTestClient.connect(address(), credentials);
    }

    public TlsTestClient client(ClientCredentials credentials, TlsTestClient.Options options) throws IOException {
        return TlsTestClient.connect(address(), credentials, options);
    }

    /** One GET on a fresh connection as the valid client; the connection is closed afterwards. */
    public RawResponse get(String path, String... headerPairs) throws IOException {
        try (TlsTestClient client = client()) {
            return client.get(path, headerPairs);
        }
    }

    /** Handshake with {@code credentials} and report the server's verdict. */
    public TlsTestClient.HandshakeResult handshake(ClientCredentials credentials) throws IOException {
        return TlsTestClient.handshakeOnly(address(), credentials);
    }

    /**
     * Restarts the proxy with this extension's config plus {@code overrides}, for the current test
     * only (the next test gets the class's config back). The upstream keeps running.
     *
     * @throws Exception what {@link ConfigLoader#load} or {@link ProxyServer#start} threw
     */
    public void restart(Consumer<Builder> overrides) throws Exception {
        Builder builder = base.copy();
        overrides.accept(builder);
        restart(builder);
    }

    /** Restarts the proxy with exactly {@code builder}'s config, for the current test only. */
    public void restart(Builder builder) throws Exception {
        requireStarted();
        overridden = true;
        startProxy(builder);
    }

    // ---- lifecycle ------------------------------------------------------------------------

    private void start() throws Exception {
        pki();
        baseDir = Files.createTempDirectory("portcullis-test-");
        upstream = RecordingUpstream.start();
        started = true;
        try {
            startProxy(base);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    private void startProxy(Builder builder) throws Exception {
        closeProxy();
        Path dir = baseDir.resolve("run-" + ++runs);
        configFile = builder.writeConfig(dir, pki, upstream.url());
        config = ConfigLoader.load(configFile, builder::environment);
        proxy = ProxyServer.start(config);
    }

    private void closeProxy() {
        ProxyServer running = proxy;
        proxy = null;
        config = null;
        if (running != null) {
            running.close();
        }
    }

    private void stop() {
        try {
            closeProxy();
        } finally {
            try {
                if (upstream != null) {
                    upstream.close();
                }
            } finally {
                upstream = null;
                deleteRecursively(baseDir);
                baseDir = null;
                started = false;
                startedForThisTest = false;
                overridden = false;
            }
        }
    }

    private ProxyServer running() {
        requireStarted();
        if (proxy == null) {
            throw new IllegalStateException("the proxy is not running (did a restart fail?)");
        }
        return proxy;
    }

    private void requireStarted() {
        if (!started) {
            throw new IllegalStateException("ProxyExtension is not started: register it with @RegisterExtension");
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- builder --------------------------------------------------------------------------

    /**
     * The proxy's config for a test: the default template plus overrides. Overrides are applied in
     * call order; {@link #yaml} deep-merges a snippet, {@link #set} replaces one key path. String
     * values are written double-quoted, numbers and booleans plain; a scalar in a {@link #yaml}
     * snippet is written exactly as in the snippet. Also usable without the extension, through
     * {@link #writeConfig}, e.g. for CLI tests of {@code portcullis validate}.
     */
    public static final class Builder {

        private final YamlTree yaml;
        private TestPki.ClientCaFile clientCaFile = TestPki.ClientCaFile.ROOT_ONLY;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final java.util.Set<String> removed = new java.util.HashSet<>();
        private final List<BiConsumer<Path, TestPki>> beforeStart = new ArrayList<>();
        private UnaryOperator<String> textEditor = UnaryOperator.identity();
        private boolean runForEachTest;

        private Builder() {
            yaml = new YamlTree();
            yaml.set("listen", "127.0.0.1:0");
            yaml.set("tls.client_auth", "require");
            yaml.set("admin.listen", "127.0.0.1:0");
            yaml.set("access_log", "off");
        }

        private Builder(Builder other) {
            yaml = other.yaml.copy();
            clientCaFile = other.clientCaFile;
            environment.putAll(other.environment);
            removed.addAll(other.removed);
            beforeStart.addAll(other.beforeStart);
            textEditor = other.textEditor;
            runForEachTest = other.runForEachTest;
        }

        public Builder copy() {
            return new Builder(this);
        }

        /** {@code tls.client_auth}: {@code require} or {@code optional}. */
        public Builder clientAuth(String value) {
            return set("tls.client_auth", value);
        }

        /** {@code tls.verify_depth}: maximum intermediates between leaf and anchor. */
        public Builder verifyDepth(int value) {
            return set("tls.verify_depth", value);
        }

        /** {@code tls.protocols}, e.g. {@code protocols("TLSv1.2")}. */
        public Builder protocols(String... values) {
            return set("tls.protocols", List.of(values));
        }

        /** {@code identity.format}: headers, xfcc or both. */
        public Builder identityFormat(String value) {
            return set("identity.format", value);
        }

        /** {@code upstream.response_timeout}, e.g. {@code "300ms"}. */
        public Builder upstreamResponseTimeout(String value) {
            return set("upstream.response_timeout", value);
        }

        /** {@code limits.max_body_size}, e.g. {@code "1MiB"}. */
        public Builder maxBodySize(String value) {
            return set("limits.max_body_size", value);
        }

        /** {@code access_log}: {@code stdout}, {@code off} (the default here) or a path. */
        public Builder accessLog(String value) {
            return set("access_log", value);
        }

        /** Which anchors {@code tls.client_ca} holds (root only by default). */
        public Builder clientCa(TestPki.ClientCaFile value) {
            this.clientCaFile = requireNonNull(value, "value");
            return this;
        }

        /**
         * Sets a dotted key path, e.g. {@code set("upstream.max_connections", 4)} or
         * {@code set("identity.strip", List.of("X-Debug"))}. Strings are quoted, numbers and booleans
         * plain; lists and maps become YAML sequences and mappings.
         */
        public Builder set(String path, Object value) {
            removed.remove(path);
            yaml.set(path, value);
            return this;
        }

        /** Sets a key path to a scalar written verbatim, unquoted (e.g. {@code off}, {@code 10s}). */
        public Builder setPlain(String path, String yamlText) {
            removed.remove(path);
            yaml.setPlain(path, yamlText);
            return this;
        }

        /** Removes a key path, e.g. {@code remove("tls.client_ca")} to test the loader's error. */
        public Builder remove(String path) {
            removed.add(path);
            yaml.remove(path);
            return this;
        }

        /** Deep-merges a YAML snippet: {@code yaml("limits:\n  max_body_size: 1MiB\n  idle_timeout: 2s")}. */
        public Builder yaml(String snippet) {
            yaml.merge(snippet);
            return this;
        }

        /** A variable for {@code ${VAR}} in the config, seen before the process environment. */
        public Builder env(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** Runs after the PKI files are written and before the YAML is loaded, with the config directory. */
        public Builder beforeStart(BiConsumer<Path, TestPki> action) {
            beforeStart.add(requireNonNull(action, "action"));
            return this;
        }

        /** Last word on the rendered YAML text (e.g. to add a duplicate key the tree cannot express). */
        public Builder editText(UnaryOperator<String> editor) {
            UnaryOperator<String> previous = textEditor;
            textEditor = text -> editor.apply(previous.apply(text));
            return this;
        }

        /** Start and stop the proxy around every test instead of once per class. */
        public Builder runForEachTest(boolean value) {
            this.runForEachTest = value;
            return this;
        }

        public ProxyExtension build() {
            return new ProxyExtension(this);
        }

        /** The YAML text for a config in {@code dir} with files from {@link TestPki#writeServerFiles}. */
        public String renderYaml(Path dir, String upstreamUrl) {
            YamlTree tree = yaml.copy();
            Path absolute = dir.toAbsolutePath();
            setIfAbsent(tree, "tls.cert", absolute.resolve(TestPki.SERVER_CERT_FILE).toString());
            setIfAbsent(tree, "tls.key", absolute.resolve(TestPki.SERVER_KEY_FILE).toString());
            setIfAbsent(tree, "tls.client_ca", absolute.resolve(TestPki.CLIENT_CA_FILE).toString());
            setIfAbsent(tree, "upstream.url", upstreamUrl);
            return textEditor.apply(tree.render());
        }

        /**
         * Writes the PKI files and {@code portcullis.yaml} into {@code dir} (created if needed) and
         * returns the YAML's path. The PEM paths and the upstream URL are absolute unless set.
         */
        public Path writeConfig(Path dir, TestPki pki, String upstreamUrl) throws IOException {
            Files.createDirectories(dir);
            pki.writeServerFiles(dir, clientCaFile);
            for (BiConsumer<Path, TestPki> action : beforeStart) {
                action.accept(dir, pki);
            }
            Path file = dir.resolve(CONFIG_FILE);
            Files.writeString(file, renderYaml(dir, upstreamUrl));
            return file;
        }

        /** The environment the config is loaded with: {@link #env} first, then the process's. */
        String environment(String name) {
            String value = environment.get(name);
            return value != null ? value : System.getenv(name);
        }

        private void setIfAbsent(YamlTree tree, String path, String value) {
            if (!tree.contains(path) && !removed.contains(path)) {
                tree.set(path, value);
            }
        }
    }
}

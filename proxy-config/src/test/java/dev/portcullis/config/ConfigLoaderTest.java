package dev.portcullis.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigLoaderTest {

    private static final String MINIMAL = """
            tls:
              cert: tls.crt
              key: tls.key
              client_ca: ca.crt
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void writePemFiles() {
        TestPki.writeServerFiles(dir);
    }

    @Test
    void fullConfigBindsEveryKeyToTheRecords() throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        Path file = write("full.yaml", """
                listen: "[::1]:9443"
                tls:
                  cert: tls.crt
                  key: ./tls.key
                  client_ca: ../%s/ca.crt
                  client_auth: optional
                  verify_depth: 2
                  protocols: [TLSv1.3]
                  handshake_timeout: 1500ms
                upstream:
                  url: "http://backend.local:9000/"
                  connect_timeout: 1s
                  response_timeout: 2m
                  max_connections: 32
                  idle_timeout: 1h
                identity:
                  format: both
                  headers:
                    verify: X-Verify
                    subject: X-Subject
                    issuer: X-Issuer
                    fingerprint: X-Fingerprint
                    serial: X-Serial
                    san: X-SAN
                    not_after: X-Not-After
                  strip: [X-User, X_Roles]
                limits:
                  max_header_size: 32KiB
                  max_uri_size: 4KiB
                  max_body_size: 1GiB
                  idle_timeout: 30s
                admin:
                  listen: "localhost:0"
                access_log: logs/access.log
                """.formatted(dir.getFileName()));

        ProxyConfig config = ConfigLoader.load(file, name -> null);

        assertThat(config).isEqualTo(new ProxyConfig(
                new HostPort("::1", 9443),
                new TlsConfig(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
                        TlsConfig.ClientAuth.OPTIONAL, 2, List.of("TLSv1.3"), Duration.ofMillis(1500)),
                new UpstreamConfig(new HostPort("backend.local", 9000), Duration.ofSeconds(1), Duration.ofMinutes(2),
                        32, Duration.ofHours(1)),
                new IdentityConfig(IdentityConfig.Format.BOTH,
                        new IdentityHeaderNames("X-Verify", "X-Subject", "X-Issuer", "X-Fingerprint", "X-Serial",
                                "X-SAN", "X-Not-After"),
                        List.of("X-User", "X_Roles")),
                new LimitsConfig(new ByteSize(32 * 1024), new ByteSize(4 * 1024), new ByteSize(1L << 30),
                        Duration.ofSeconds(30)),
                new AdminConfig(new HostPort("localhost", 0)),
                AccessLogConfig.file(dir.resolve("logs/access.log")),
                file));
    }

    @Test
    void minimalConfigGetsTheDesignDefaults() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("minimal.yaml", MINIMAL), name -> null);

        assertThat(config).isEqualTo(new ProxyConfig(
                new HostPort("0.0.0.0", 8443),
                new TlsConfig(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
                        TlsConfig.ClientAuth.REQUIRE, 4, List.of("TLSv1.3", "TLSv1.2"), Duration.ofSeconds(10)),
                new UpstreamConfig(new HostPort("127.0.0.1", 8000), Duration.ofSeconds(2), Duration.ofSeconds(30),
                        256, Duration.ofSeconds(60)),
                new IdentityConfig(IdentityConfig.Format.HEADERS, IdentityHeaderNames.DEFAULTS, List.of()),
                new LimitsConfig(ByteSize.parse("16KiB"), ByteSize.parse("8KiB"), ByteSize.parse("10MiB"),
                        Duration.ofSeconds(60)),
                new AdminConfig(new HostPort("127.0.0.1", 9901)),
                AccessLogConfig.STDOUT,
                dir.resolve("minimal.yaml")));
    }

    @Test
    void emptySectionsReadAsDefaults() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("empty-sections.yaml", MINIMAL + """
                upstream:
                identity:
                  headers:
                limits: {}
                """), name -> null);

        ProxyConfig minimal = ConfigLoader.load(write("minimal.yaml", MINIMAL), name -> null);
        assertThat(config.upstream()).isEqualTo(minimal.upstream());
        assertThat(config.identity()).isEqualTo(minimal.identity());
        assertThat(config.limits()).isEqualTo(minimal.limits());
    }

    @Test
    void environmentVariablesAreReplacedBeforeValuesAreParsed() throws Exception {
        Map<String, String> env = Map.of("CERT_DIR", dir.toString(), "UPSTREAM_PORT", "9000", "EMPTY", "");
        Path file = write("env.yaml", """
                listen: "0.0.0.0:${LISTEN_PORT:-8444}"
                tls:
                  cert: ${CERT_DIR}/tls.crt
                  key: "${CERT_DIR}/tls.key"
                  client_ca: ${CERT_DIR:-/nowhere}/ca.crt
                upstream:
                  url: "http://${UPSTREAM_HOST:-127.0.0.1}:${UPSTREAM_PORT}"
                  max_connections: ${EMPTY:-8}
                identity:
                  strip: ["X-Price-$5"]
                access_log: "$${LOG_NAME}.log"
                """);

        ProxyConfig config = ConfigLoader.load(file, env::get);

        assertThat(config.listen()).as("unset with default").isEqualTo(new HostPort("0.0.0.0", 8444));
        assertThat(config.tls().cert()).isEqualTo(dir.resolve("tls.crt"));
        assertThat(config.tls().clientCa()).as("set wins over default").isEqualTo(dir.resolve("ca.crt"));
        assertThat(config.upstream().address()).isEqualTo(new HostPort("127.0.0.1", 9000));
        assertThat(config.upstream().maxConnections()).as("empty counts as unset, as in a shell").isEqualTo(8);
        assertThat(config.identity().strip()).as("a lone $ is kept").containsExactly("X-Price-$5");
        assertThat(config.accessLog().file()).as("$${ escapes").contains(dir.resolve("${LOG_NAME}.log"));
    }

    @Test
    void accessLogCanBeTurnedOff() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("off.yaml", MINIMAL + "access_log: off\n"), name -> null);

        assertThat(config.accessLog()).isEqualTo(AccessLogConfig.OFF);
    }

    @Test
    void upstreamWithoutPortUsesPort80() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("port80.yaml", MINIMAL + """
                upstream:
                  url: http://[::1]
                """), name -> null);

        assertThat(config.upstream().address()).isEqualTo(new HostPort("::1", 80));
    }

    @Test
    void referenceConfigLoadsAndStatesEveryDefault() throws Exception {
        Path reference = Path.of("..", "conf", "portcullis.yaml");
        Path copy = dir.resolve("portcullis.yaml");
        Files.copy(reference, copy);

        ProxyConfig config = ConfigLoader.load(copy, name -> null);

        ProxyConfig defaults = ConfigLoader.load(write("minimal.yaml", MINIMAL), name -> null);
        assertThat(config).as("conf/portcullis.yaml documents the defaults, so it must equal a minimal config")
                .usingRecursiveComparison().ignoringFields("source").isEqualTo(defaults);
    }

    private static Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }
}

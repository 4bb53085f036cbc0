package dev.portcullis.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    private static final String FINGERPRINT = "0123456789abcdef".repeat(4);

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
                  session_cache: {size: 0, timeout: 90s}
                  session_tickets:
                    enabled: false
                    key_file: ticket.keys
                    rotate: 30m
                  crl: [ca.crl, ca-crl.der, stale.crl]
                  crl_stale: warn
                  reload: false
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
                  allow:
                    - subject: "CN=billing,OU=payments,O=Example"
                    - { san_uri: "spiffe://example.org/ns/*/sa/**" }
                    - { san_dns: "*.billing.example.org" }
                    - fingerprint: "%s"
                tokens:
                  query_params: [Access_Token, session]
                  on_query_token: strip
                  redact_headers: [Authorization, X-Secret]
                  forward_authorization: false
                response:
                  secure_cookies: false
                  hsts: "max-age=63072000; includeSubDomains; preload"
                  remove_headers: [X-Powered-By, Via, Set-Cookie]
                limits:
                  max_header_size: 32KiB
                  max_uri_size: 4KiB
                  max_body_size: 1GiB
                  idle_timeout: 30s
                  max_connection_buffer: 256KiB
                  max_connections: 500
                  request_header_timeout: 5s
                  max_requests_per_connection: 100
                  body_timeout: 15s
                  send_timeout: 2m
                admin:
                  listen: "localhost:0"
                access_log: logs/access.log
                shutdown:
                  drain_timeout: 45s
                websocket:
                  enabled: false
                  idle_timeout: 90s
                http2:
                  enabled: false
                  max_concurrent_streams: 32
                """.formatted(dir.getFileName(), FINGERPRINT.toUpperCase(Locale.ROOT)));

        ProxyConfig config = ConfigLoader.load(file, name -> null);

        assertThat(config).isEqualTo(new ProxyConfig(
                new HostPort("::1", 9443),
                new TlsConfig(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
                        TlsConfig.ClientAuth.OPTIONAL, 2, List.of("TLSv1.3"), Duration.ofMillis(1500),
                        new TlsConfig.SessionCache(0, Duration.ofSeconds(90)),
                        new TlsConfig.SessionTickets(false, Optional.of(dir.resolve("ticket.keys")),
                                Duration.ofMinutes(30)),
                        List.of(dir.resolve("ca.crl"), dir.resolve("ca-crl.der"), dir.resolve("stale.crl")),
                        TlsConfig.CrlStale.WARN, false),
                new UpstreamConfig(new HostPort("backend.local", 9000), Duration.ofSeconds(1), Duration.ofMinutes(2),
                        32, Duration.ofHours(1)),
                new IdentityConfig(IdentityConfig.Format.BOTH,
                        new IdentityHeaderNames("X-Verify", "X-Subject", "X-Issuer", "X-Fingerprint", "X-Serial",
                                "X-SAN", "X-Not-After"),
                        List.of("X-User", "X_Roles"),
                        List.of(new AllowRule(AllowRule.Kind.SUBJECT, "CN=billing,OU=payments,O=Example"),
                                new AllowRule(AllowRule.Kind.SAN_URI, "spiffe://example.org/ns/*/sa/**"),
                                new AllowRule(AllowRule.Kind.SAN_DNS, "*.billing.example.org"),
                                new AllowRule(AllowRule.Kind.FINGERPRINT, FINGERPRINT))),
                new TokensConfig(List.of("access_token", "session"), TokensConfig.OnQueryToken.STRIP,
                        List.of("Authorization", "X-Secret"), false),
                new ResponseConfig(false, Optional.of("max-age=63072000; includeSubDomains; preload"),
                        List.of("X-Powered-By", "Via", "Set-Cookie")),
                new LimitsConfig(new ByteSize(32 * 1024), new ByteSize(4 * 1024), new ByteSize(1L << 30),
                        Duration.ofSeconds(30), new ByteSize(256 * 1024), 500, Duration.ofSeconds(5), 100,
                        Duration.ofSeconds(15), Duration.ofMinutes(2)),
                new AdminConfig(new HostPort("localhost", 0)),
                AccessLogConfig.file(dir.resolve("logs/access.log")),
                new ShutdownConfig(Duration.ofSeconds(45)),
                new WebSocketConfig(false, Duration.ofSeconds(90)),
                new Http2Config(false, 32),
                file));
    }

    @Test
    void minimalConfigGetsTheDesignDefaults() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("minimal.yaml", MINIMAL), name -> null);

        assertThat(config).isEqualTo(new ProxyConfig(
                new HostPort("0.0.0.0", 8443),
                new TlsConfig(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
                        TlsConfig.ClientAuth.REQUIRE, 4, List.of("TLSv1.3", "TLSv1.2"), Duration.ofSeconds(10),
                        new TlsConfig.SessionCache(10_000, Duration.ofSeconds(300)),
                        new TlsConfig.SessionTickets(true, Optional.empty(), Duration.ofHours(1)),
                        List.of(), TlsConfig.CrlStale.ERROR, true),
                new UpstreamConfig(new HostPort("127.0.0.1", 8000), Duration.ofSeconds(2), Duration.ofSeconds(30),
                        256, Duration.ofSeconds(60)),
                new IdentityConfig(IdentityConfig.Format.HEADERS, IdentityHeaderNames.DEFAULTS, List.of(), List.of()),
                new TokensConfig(List.of("access_token", "token", "api_key", "apikey", "id_token", "refresh_token"),
                        TokensConfig.OnQueryToken.REJECT,
                        List.of("Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key"), true),
                new ResponseConfig(true, Optional.of("max-age=31536000"), List.of("Server", "X-Powered-By")),
                new LimitsConfig(ByteSize.parse("16KiB"), ByteSize.parse("8KiB"), ByteSize.parse("10MiB"),
                        Duration.ofSeconds(60), ByteSize.parse("1MiB"), 10_000, Duration.ofSeconds(10), 10_000,
                        Duration.ofSeconds(30), Duration.ofSeconds(30)),
                new AdminConfig(new HostPort("127.0.0.1", 9901)),
                AccessLogConfig.STDOUT,
                new ShutdownConfig(Duration.ofSeconds(30)),
                new WebSocketConfig(true, Duration.ofSeconds(300)),
                new Http2Config(true, 100),
                dir.resolve("minimal.yaml")));
    }

    @Test
    void bodyAndSendTimeoutsDefaultToThirtySeconds() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("limits-timeouts.yaml", MINIMAL + """
                limits:
                  request_header_timeout: 5s
                """), name -> null);

        assertThat(config.limits().bodyTimeout())
                .as("DESIGN.md: a stalled upload ends after 30s without a read")
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(config.limits().sendTimeout())
                .as("DESIGN.md: a client that stops reading is dropped after 30s")
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void explicitNullKeyFileAndEmptyListsReadAsDefaults() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("nulls.yaml", """
                tls:
                  cert: tls.crt
                  key: tls.key
                  client_ca: ca.crt
                  session_cache:
                  session_tickets: {enabled: true, key_file: null, rotate: 1h}
                  crl: []
                identity:
                  allow: []
                """), name -> null);

        ProxyConfig minimal = ConfigLoader.load(write("minimal.yaml", MINIMAL), name -> null);
        assertThat(config.tls()).isEqualTo(minimal.tls());
        assertThat(config.identity()).isEqualTo(minimal.identity());
    }

    @Test
    void rotateWithoutTicketsAndAKeyFileWithTicketsOffAreBothAccepted() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("tickets-off.yaml", MINIMAL + """
                  session_tickets: {enabled: false, key_file: ticket.keys, rotate: 5m}
                """), name -> null);

        assertThat(config.tls().sessionTickets())
                .isEqualTo(new TlsConfig.SessionTickets(false, Optional.of(dir.resolve("ticket.keys")),
                        Duration.ofMinutes(5)));
        assertThat(config.tls().files()).as("the reload watcher sees the key file too")
                .containsExactly(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
                        dir.resolve("ticket.keys"));
    }

    @Test
    void aStaleCrlIsRefusedUnlessCrlStaleIsWarn() throws Exception {
        String stale = MINIMAL + "  crl: [stale.crl]\n";

        assertThatThrownBy(() -> ConfigLoader.load(write("stale.yaml", stale), name -> null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is stale (nextUpdate 2020-01-02T00:00:00Z)");
        assertThat(ConfigLoader.load(write("stale-warn.yaml", stale + "  crl_stale: warn\n"), name -> null)
                .tls().crl()).containsExactly(dir.resolve("stale.crl"));
    }

    @Test
    void crlPathsAreResolvedAgainstTheConfigDirectoryAndPemAndDerMix() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("crl-sub"));
        Files.copy(dir.resolve("ca.crl"), sub.resolve("ca.crl"), StandardCopyOption.REPLACE_EXISTING);
        ProxyConfig config = ConfigLoader.load(write("crl-mixed.yaml", MINIMAL + """
                  crl:
                    - crl-sub/ca.crl
                    - ./ca-crl.der
                """), name -> null);

        assertThat(config.tls().crl()).containsExactly(sub.resolve("ca.crl"), dir.resolve("ca-crl.der"));
    }

    @Test
    void fingerprintsAreNormalizedToLowercaseAsTheHeaderRendersThem() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("fingerprint.yaml", MINIMAL + """
                identity:
                  allow: [{fingerprint: "%s"}]
                """.formatted(FINGERPRINT.toUpperCase(Locale.ROOT))), name -> null);

        assertThat(config.identity().allow()).containsExactly(new AllowRule(AllowRule.Kind.FINGERPRINT, FINGERPRINT));
    }

    @Test
    void emptySectionsReadAsDefaults() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("empty-sections.yaml", MINIMAL + """
                upstream:
                identity:
                  headers:
                tokens:
                response: {}
                limits: {}
                """), name -> null);

        ProxyConfig minimal = ConfigLoader.load(write("minimal.yaml", MINIMAL), name -> null);
        assertThat(config.upstream()).isEqualTo(minimal.upstream());
        assertThat(config.identity()).isEqualTo(minimal.identity());
        assertThat(config.tokens()).isEqualTo(TokensConfig.DEFAULTS);
        assertThat(config.response()).isEqualTo(ResponseConfig.DEFAULTS);
        assertThat(config.limits()).isEqualTo(minimal.limits());
    }

    @Test
    void emptyTokenAndResponseListsTurnEachRuleOff() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("empty-lists.yaml", MINIMAL + """
                tokens: {query_params: [], redact_headers: []}
                response: {remove_headers: []}
                """), name -> null);

        assertThat(config.tokens().queryParams()).as("an empty list means no query scanning").isEmpty();
        assertThat(config.tokens().redactHeaders()).isEmpty();
        assertThat(config.response().removeHeaders()).isEmpty();
    }

    @Test
    void queryParamNamesAreStoredInLowerCaseAsTheyAreCompared() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("query-params.yaml", MINIMAL + """
                tokens:
                  query_params: [ACCESS_TOKEN, Api-Key, sig.v2, "x[token]"]
                """), name -> null);

        assertThat(config.tokens().queryParams()).containsExactly("access_token", "api-key", "sig.v2", "x[token]");
    }

    @Test
    void hstsWrittenAsNullInAnyFormIsNeverAdded() throws Exception {
        for (String nullValue : List.of("null", "~", "")) {
            ProxyConfig config = ConfigLoader.load(write("hsts-null.yaml", MINIMAL + """
                    response:
                      hsts: %s
                    """.formatted(nullValue)), name -> null);

            assertThat(config.response().hsts()).as("hsts: %s must turn the header off, not restore the default",
                    nullValue).isEmpty();
        }
    }

    @Test
    void hstsDirectivesMayComeInAnyOrderAndAreKeptAsWritten() throws Exception {
        for (String value : List.of("includeSubDomains; max-age=0", "Max-Age=\"600\";preload;", "max-age = 1")) {
            ProxyConfig config = ConfigLoader.load(write("hsts.yaml", MINIMAL + """
                    response:
                      hsts: '%s'
                    """.formatted(value)), name -> null);

            assertThat(config.response().hsts()).contains(value);
        }
    }

    @Test
    void removeHeadersRefusesOnlyTheFramingHeaders() throws Exception {
        ProxyConfig config = ConfigLoader.load(write("remove-headers.yaml", MINIMAL + """
                response:
                  remove_headers: [Set-Cookie, Host, Connection]
                tokens:
                  redact_headers: [Host, Content-Length]
                """), name -> null);

        assertThat(config.response().removeHeaders()).as("removing these leaves the response framed")
                .containsExactly("Set-Cookie", "Host", "Connection");
        assertThat(config.tokens().redactHeaders()).as("redacting any header is harmless")
                .containsExactly("Host", "Content-Length");
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

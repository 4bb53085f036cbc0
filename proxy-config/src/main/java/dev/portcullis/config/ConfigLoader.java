package dev.portcullis.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.nodes.MappingNode;

import dev.portcullis.config.YamlMapping.Keys;
import dev.portcullis.config.YamlMapping.YamlList;

import static java.util.Objects.requireNonNull;

/**
 * The only way YAML becomes a {@link ProxyConfig}. One bind method per YAML section turns a
 * {@link YamlMapping} into a record; defaults live here, next to the key they belong to, and match
 * DESIGN.md. Files the config names are checked after every key has been bound, so that a typo
 * anywhere is reported before a missing certificate.
 *
 * <p>Every error is a {@link ConfigException} with a one-line message,
 * {@code <key.path> (line N): <problem>}; errors about the file as a whole start with its path.
 */
public final class ConfigLoader {

    private static final Keys ROOT_KEYS = Keys.of("listen", "tls", "upstream", "identity", "tokens", "response",
            "limits", "admin", "access_log", "shutdown", "websocket", "http2");
    private static final Keys TLS_KEYS = Keys.of("cert", "key", "client_ca", "client_auth", "crl", "crl_stale",
            "verify_depth", "protocols", "session_cache", "session_tickets", "handshake_timeout", "reload");
    private static final Keys SESSION_CACHE_KEYS = Keys.of("size", "timeout");
    private static final Keys SESSION_TICKETS_KEYS = Keys.of("enabled", "key_file", "rotate");
    private static final Keys UPSTREAM_KEYS = Keys.of("url", "connect_timeout", "response_timeout",
            "max_connections", "idle_timeout");
    private static final Keys IDENTITY_KEYS = Keys.of("format", "headers", "strip", "allow");
    private static final Keys ALLOW_RULE_KEYS = Keys.of("subject", "san_uri", "san_dns", "fingerprint");
    private static final Keys HEADER_KEYS = Keys.of("verify", "subject", "issuer", "fingerprint", "serial", "san",
            "not_after");
    private static final Keys TOKENS_KEYS = Keys.of("query_params", "on_query_token", "redact_headers",
            "forward_authorization");
    private static final Keys RESPONSE_KEYS = Keys.of("secure_cookies", "hsts", "remove_headers");
    private static final Keys LIMITS_KEYS = Keys.of("max_header_size", "max_uri_size", "max_body_size",
            "idle_timeout", "max_connection_buffer", "max_connections", "request_header_timeout",
            "max_requests_per_connection", "body_timeout", "send_timeout");
    private static final Keys SHUTDOWN_KEYS = Keys.of("drain_timeout");
    private static final Keys ADMIN_KEYS = Keys.of("listen");
    private static final Keys WEBSOCKET_KEYS = Keys.of("enabled", "idle_timeout");
    private static final Keys HTTP2_KEYS = Keys.of("enabled", "max_concurrent_streams");
    /** Each open stream may hold an upstream connection and buffers; beyond 10000 is a typo. */
    private static final int MAX_CONCURRENT_STREAMS = 10_000;

    private static final HostPort DEFAULT_LISTEN = new HostPort("0.0.0.0", 8443);
    private static final HostPort DEFAULT_ADMIN_LISTEN = new HostPort("127.0.0.1", 9901);
    private static final HostPort DEFAULT_UPSTREAM = new HostPort("127.0.0.1", 8000);
    private static final List<String> DEFAULT_PROTOCOLS = List.of(TlsConfig.TLS_V1_3, TlsConfig.TLS_V1_2);

    /** OpenSSL's own default is 100; a chain of more than 10 intermediates is a mistake, not a PKI. */
    private static final int MAX_VERIFY_DEPTH = 10;
    private static final int MAX_UPSTREAM_CONNECTIONS = 100_000;
    /** Each client connection holds a descriptor and TLS state; beyond a million is a typo. */
    private static final int MAX_CLIENT_CONNECTIONS = 1_000_000;
    /** Each cached session holds a native SSL_SESSION with the peer's chain; above a million is a typo, not a plan. */
    private static final int MAX_SESSION_CACHE_SIZE = 1_000_000;

    /** Headers that frame or route the request: renaming an identity header onto them, or stripping them, breaks every request. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding");
    /** Request headers Portcullis sets beside the identity headers: an identity header by one of these names would clash. */
    private static final Set<String> FORWARDING_HEADERS =
            Set.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-client-cert");
    /** Headers that frame a response (RFC 9112 §6.3): removing them would leave the client unable to find its end. */
    private static final Set<String> FRAMING_HEADERS = Set.of("content-length", "transfer-encoding");

    private static final String FILE = "a file path";
    private static final String BOOLEAN = "true or false";
    private static final String HEADER_NAMES = "a list of header names";
    private static final String QUERY_PARAM =
            "a parameter name as it reads after percent-decoding, in visible ASCII other than &, =, # and %";
    private static final String HSTS =
            "a Strict-Transport-Security value such as \"max-age=31536000; includeSubDomains\", or null";
    private static final String ONE_RULE_KEY = "exactly one of subject, san_uri, san_dns or fingerprint";
    private static final String SUBJECT_DN = "a subject DN in RFC 2253 form such as CN=billing,OU=payments,O=Example";
    private static final String URI_PATTERN = "a URI such as spiffe://example.org/ns/billing/*";
    private static final String DNS_PATTERN = "a DNS name such as *.billing.example.org";
    private static final String FINGERPRINT_HEX =
            "64 hex digits without colons, the SHA-256 of the certificate as in X-Client-Fingerprint";
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{64}");
    /** Scheme, then {@code //authority} when there is one (RFC 3986 §3); wildcards may follow it, in the path. */
    private static final Pattern URI_PREFIX = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*):(//[^/]*)?");
    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,8}");
    /** An RFC 6797 §6.1 directive: a token name, optionally {@code =} and a token or quoted-string value. */
    private static final Pattern HSTS_DIRECTIVE = Pattern.compile(
            "([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]*=[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+|\"[^\"\\\\]*\"))?");
    private static final Pattern DELTA_SECONDS = Pattern.compile("[0-9]+|\"[0-9]+\"");

    private final Path source;
    private final Path directory;
    private final Function<String, String> environment;
    private final List<FileCheck> fileChecks = new ArrayList<>();

    private ConfigLoader(Path source, Function<String, String> environment) {
        this.source = source;
        this.directory = source.getParent();
        this.environment = environment;
    }

    /** Loads, interpolates {@code ${VAR}} from the process environment, binds and validates. */
    public static ProxyConfig load(Path file) throws ConfigException {
        return load(file, System.getenv()::get);
    }

    /** As {@link #load(Path)}, with {@code environment} returning null for an unset variable. */
    public static ProxyConfig load(Path file, Function<String, String> environment) throws ConfigException {
        requireNonNull(file, "file");
        requireNonNull(environment, "environment");
        Path source = file.toAbsolutePath().normalize();
        return new ConfigLoader(source, environment).bind(YamlDocument.read(source));
    }

    private ProxyConfig bind(MappingNode document) throws ConfigException {
        YamlMapping root = YamlMapping.root(document, source.toString(), ROOT_KEYS, environment);
        Optional<YamlScalar> listenAt = root.scalar("listen", HostPort.EXPECTED);
        HostPort listen = listenAt.isPresent() ? listenAt.get().as(HostPort::parse) : DEFAULT_LISTEN;
        TlsConfig tls = bindTls(root);
        UpstreamConfig upstream = bindUpstream(root.mapping("upstream", UPSTREAM_KEYS));
        IdentityConfig identity = bindIdentity(root.mapping("identity", IDENTITY_KEYS));
        TokensConfig tokens = bindTokens(root.mapping("tokens", TOKENS_KEYS));
        ResponseConfig response = bindResponse(root.mapping("response", RESPONSE_KEYS));
        LimitsConfig limits = bindLimits(root.mapping("limits", LIMITS_KEYS));
        AdminConfig admin = bindAdmin(root.mapping("admin", ADMIN_KEYS), listen, listenAt);
        AccessLogConfig accessLog = bindAccessLog(root.scalar("access_log", "stdout, off or a file path"));
        ShutdownConfig shutdown = bindShutdown(root.mapping("shutdown", SHUTDOWN_KEYS));
        WebSocketConfig websocket = bindWebSocket(root.mapping("websocket", WEBSOCKET_KEYS));
        Http2Config http2 = bindHttp2(root.mapping("http2", HTTP2_KEYS));
        for (FileCheck check : fileChecks) {
            check.run();
        }
        return new ProxyConfig(listen, tls, upstream, identity, tokens, response, limits, admin, accessLog, shutdown,
                websocket, http2, source);
    }

    private TlsConfig bindTls(YamlMapping root) throws ConfigException {
        if (!root.has("tls")) {
            throw YamlMapping.error("tls", root.line(), "required key is missing (it needs cert, key and client_ca)");
        }
        YamlMapping tls = root.mapping("tls", TLS_KEYS);
        YamlScalar certAt = tls.requiredScalar("cert", FILE);
        YamlScalar keyAt = tls.requiredScalar("key", FILE);
        YamlScalar clientCaAt = tls.requiredScalar("client_ca", FILE);
        Path cert = certAt.as(this::path);
        Path key = keyAt.as(this::path);
        Path clientCa = clientCaAt.as(this::path);
        TlsConfig.ClientAuth clientAuth = tls.get("client_auth", "require or optional", text -> switch (text) {
            case "require" -> TlsConfig.ClientAuth.REQUIRE;
            case "optional" -> TlsConfig.ClientAuth.OPTIONAL;
            default -> throw ValueErrors.expected(text, "require or optional");
        }, TlsConfig.ClientAuth.REQUIRE);
        int verifyDepth = tls.get("verify_depth", "an integer", integer(0, MAX_VERIFY_DEPTH), 4);
        List<String> protocols = bindProtocols(tls.list("protocols", "a list such as [TLSv1.3, TLSv1.2]"));
        Duration handshakeTimeout = tls.get("handshake_timeout", Durations.EXPECTED, Durations::parse,
                Duration.ofSeconds(10));
        TlsConfig.SessionCache sessionCache = bindSessionCache(tls.mapping("session_cache", SESSION_CACHE_KEYS,
                "a mapping such as {size: 10000, timeout: 300s}"));
        fileChecks.add(() -> checkServerKeyMaterial(certAt, cert, keyAt, key));
        fileChecks.add(() -> readCertificates(clientCaAt, clientCa));
        TlsConfig.SessionTickets sessionTickets = bindSessionTickets(tls.mapping("session_tickets",
                SESSION_TICKETS_KEYS, "a mapping such as {enabled: true, key_file: null, rotate: 1h}"));
        List<YamlScalar> crlAt = tls.list("crl", "a list of file paths such as [ca.crl]")
                .map(YamlList::items).orElse(List.of());
        TlsConfig.CrlStale crlStale = tls.get("crl_stale", "error or warn", text -> switch (text) {
            case "error" -> TlsConfig.CrlStale.ERROR;
            case "warn" -> TlsConfig.CrlStale.WARN;
            default -> throw ValueErrors.expected(text, "error or warn");
        }, TlsConfig.CrlStale.ERROR);
        List<Path> crl = new ArrayList<>();
        for (YamlScalar at : crlAt) {
            Path file = at.as(this::path);
            crl.add(file);
            fileChecks.add(() -> checkCrl(at, file, clientCaAt, clientCa, crlStale));
        }
        boolean reload = tls.get("reload", BOOLEAN, ConfigLoader::bool, true);
        return new TlsConfig(cert, key, clientCa, clientAuth, verifyDepth, protocols, handshakeTimeout,
                sessionCache, sessionTickets, crl, crlStale, reload);
    }

    private static TlsConfig.SessionCache bindSessionCache(YamlMapping cache) throws ConfigException {
        return new TlsConfig.SessionCache(
                cache.get("size", "an integer", integer(0, MAX_SESSION_CACHE_SIZE), 10_000),
                cache.get("timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(300)));
    }

    /** The key file is checked whether or not tickets are enabled: a file the config names must be usable. */
    private TlsConfig.SessionTickets bindSessionTickets(YamlMapping tickets) throws ConfigException {
        boolean enabled = tickets.get("enabled", BOOLEAN, ConfigLoader::bool, true);
        Optional<YamlScalar> keyFileAt = tickets.nullableScalar("key_file", "a file path or null");
        Optional<Path> keyFile = Optional.empty();
        if (keyFileAt.isPresent()) {
            YamlScalar at = keyFileAt.get();
            Path file = at.as(this::path);
            keyFile = Optional.of(file);
            fileChecks.add(() -> readTicketKeys(at, file));
        }
        Duration rotate = tickets.get("rotate", Durations.EXPECTED, Durations::parse, Duration.ofHours(1));
        return new TlsConfig.SessionTickets(enabled, keyFile, rotate);
    }

    private static List<String> bindProtocols(Optional<YamlList> list) throws ConfigException {
        if (list.isEmpty()) {
            return DEFAULT_PROTOCOLS;
        }
        if (list.get().items().isEmpty()) {
            throw list.get().error("empty list (expected: TLSv1.3, TLSv1.2 or both)");
        }
        List<String> protocols = new ArrayList<>();
        for (YamlScalar item : list.get().items()) {
            if (!DEFAULT_PROTOCOLS.contains(item.text())) {
                throw item.expected("TLSv1.3 or TLSv1.2");
            }
            if (protocols.contains(item.text())) {
                throw item.expected("each protocol once");
            }
            protocols.add(item.text());
        }
        return protocols;
    }

    private static UpstreamConfig bindUpstream(YamlMapping upstream) throws ConfigException {
        return new UpstreamConfig(
                upstream.get("url", UpstreamUrl.EXPECTED, UpstreamUrl::parse, DEFAULT_UPSTREAM),
                upstream.get("connect_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(2)),
                upstream.get("response_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(30)),
                upstream.get("max_connections", "an integer", integer(1, MAX_UPSTREAM_CONNECTIONS), 256),
                upstream.get("idle_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(60)));
    }

    private static IdentityConfig bindIdentity(YamlMapping identity) throws ConfigException {
        IdentityConfig.Format format = identity.get("format", "headers, xfcc or both", text -> switch (text) {
            case "headers" -> IdentityConfig.Format.HEADERS;
            case "xfcc" -> IdentityConfig.Format.XFCC;
            case "both" -> IdentityConfig.Format.BOTH;
            default -> throw ValueErrors.expected(text, "headers, xfcc or both");
        }, IdentityConfig.Format.HEADERS);
        IdentityHeaderNames headers = bindHeaderNames(identity.mapping("headers", HEADER_KEYS));
        List<String> strip = headerNames(identity, "strip", ConfigLoader::headerName, List.of());
        List<AllowRule> allow = new ArrayList<>();
        Optional<List<YamlMapping>> rules = identity.mappings("allow",
                "a list of rules such as [{san_uri: \"spiffe://example.org/ns/billing/*\"}]",
                "a rule, a mapping with " + ONE_RULE_KEY, ALLOW_RULE_KEYS);
        for (YamlMapping rule : rules.orElse(List.of())) {
            allow.add(bindAllowRule(rule));
        }
        return new IdentityConfig(format, headers, strip, allow);
    }

    /** One key per rule: rules are alternatives, so a rule with two keys would leave open whether both must match. */
    private static AllowRule bindAllowRule(YamlMapping rule) throws ConfigException {
        List<String> written = rule.written();
        if (written.isEmpty()) {
            throw YamlMapping.error(rule.path(), rule.line(), "empty rule (expected: " + ONE_RULE_KEY + ")");
        }
        if (written.size() > 1) {
            throw YamlMapping.error(rule.path(), rule.line(), "found " + and(written) + " in one rule (expected: "
                    + ONE_RULE_KEY + "; any rule that matches admits, so write one rule per key)");
        }
        return switch (written.get(0)) {
            case "subject" -> new AllowRule(AllowRule.Kind.SUBJECT,
                    rule.requiredScalar("subject", SUBJECT_DN).as(ConfigLoader::subjectPattern));
            case "san_uri" -> new AllowRule(AllowRule.Kind.SAN_URI,
                    rule.requiredScalar("san_uri", URI_PATTERN).as(ConfigLoader::uriPattern));
            case "san_dns" -> new AllowRule(AllowRule.Kind.SAN_DNS,
                    rule.requiredScalar("san_dns", DNS_PATTERN).as(ConfigLoader::dnsPattern));
            default -> new AllowRule(AllowRule.Kind.FINGERPRINT,
                    rule.requiredScalar("fingerprint", FINGERPRINT_HEX).as(ConfigLoader::fingerprint));
        };
    }

    /** Compared exactly with the rendered subject; a DN always has at least one {@code type=value}. */
    private static String subjectPattern(String text) {
        if (text.isBlank() || !text.contains("=")) {
            throw ValueErrors.expected(text, SUBJECT_DN);
        }
        return text;
    }

    /** Lowercase, as X-Client-Fingerprint renders it, so that matching is a plain comparison. */
    private static String fingerprint(String text) {
        if (!FINGERPRINT.matcher(text).matches()) {
            throw ValueErrors.expected(text, FINGERPRINT_HEX);
        }
        return text.toLowerCase(Locale.ROOT);
    }

    /**
     * A URI SAN pattern: {@code *} and {@code **} only as whole path segments after the scheme and
     * authority ({@code spiffe://example.org/ns/*}), so that a wildcard never spans a {@code /} or
     * reaches into the trust domain.
     */
    private static String uriPattern(String text) {
        Matcher prefix = URI_PREFIX.matcher(text);
        if (!prefix.lookingAt()) {
            throw ValueErrors.expected(text, URI_PATTERN);
        }
        if (prefix.group(2) == null || prefix.group().contains("*")) {
            if (text.contains("*")) {
                throw ValueErrors.expected(text, "* or ** only as whole path segments after scheme://authority/, "
                        + "such as spiffe://example.org/ns/*");
            }
            return text;
        }
        for (String segment : text.substring(prefix.end()).split("/", -1)) {
            if (segment.contains("*") && !isWildcard(segment)) {
                throw ValueErrors.expected(text, "* or ** only as a whole path segment, such as spiffe://example.org/ns/*");
            }
        }
        return text;
    }

    /** A DNS SAN pattern: non-empty labels, {@code *} and {@code **} only as whole labels. */
    private static String dnsPattern(String text) {
        for (String label : text.split("\\.", -1)) {
            if (label.isEmpty()) {
                throw ValueErrors.expected(text, DNS_PATTERN);
            }
            if (label.contains("*") && !isWildcard(label)) {
                throw ValueErrors.expected(text, "* or ** only as a whole label, such as *.billing.example.org");
            }
        }
        return text;
    }

    private static boolean isWildcard(String part) {
        return part.equals("*") || part.equals("**");
    }

    /** {@code a}, {@code a and b}, {@code a, b and c}. */
    private static String and(List<String> words) {
        int last = words.size() - 1;
        return last == 0 ? words.get(0) : String.join(", ", words.subList(0, last)) + " and " + words.get(last);
    }

    /** Each name must be a token and distinct from the others, as the proxy compares them (case, {@code _}). */
    private static IdentityHeaderNames bindHeaderNames(YamlMapping headers) throws ConfigException {
        List<String> fields = HEADER_KEYS.known();
        List<Optional<YamlScalar>> written = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            Optional<YamlScalar> at = headers.scalar(fields.get(i), HttpTokens.EXPECTED);
            String name = at.isPresent() ? at.get().as(ConfigLoader::identityHeaderName)
                    : IdentityHeaderNames.DEFAULTS.all().get(i);
            for (int j = 0; j < i; j++) {
                if (HttpTokens.canonical(names.get(j)).equals(HttpTokens.canonical(name))) {
                    // the defaults are distinct, so at least one of the two was written
                    boolean blameThis = at.isPresent();
                    YamlScalar blame = blameThis ? at.get() : written.get(j).orElseThrow();
                    String other = headers.path() + "." + fields.get(blameThis ? j : i);
                    throw blame.expected("a header name distinct from " + other);
                }
            }
            written.add(at);
            names.add(name);
        }
        return new IdentityHeaderNames(names.get(0), names.get(1), names.get(2), names.get(3), names.get(4),
                names.get(5), names.get(6));
    }

    private static TokensConfig bindTokens(YamlMapping tokens) throws ConfigException {
        List<String> queryParams = bindQueryParams(tokens.list("query_params",
                "a list of parameter names such as [access_token, api_key]"));
        TokensConfig.OnQueryToken onQueryToken = tokens.get("on_query_token", "reject or strip", text -> switch (text) {
            case "reject" -> TokensConfig.OnQueryToken.REJECT;
            case "strip" -> TokensConfig.OnQueryToken.STRIP;
            default -> throw ValueErrors.expected(text, "reject or strip");
        }, TokensConfig.OnQueryToken.REJECT);
        List<String> redactHeaders = headerNames(tokens, "redact_headers", ConfigLoader::anyHeaderName,
                TokensConfig.DEFAULT_REDACT_HEADERS);
        boolean forwardAuthorization = tokens.get("forward_authorization", BOOLEAN, ConfigLoader::bool, true);
        return new TokensConfig(queryParams, onQueryToken, redactHeaders, forwardAuthorization);
    }

    /**
     * Lower case and each once, as the proxy compares them with a decoded name; a name written twice
     * in another case is a mistake worth reporting. An empty list turns query scanning off.
     */
    private static List<String> bindQueryParams(Optional<YamlList> list) throws ConfigException {
        if (list.isEmpty()) {
            return TokensConfig.DEFAULT_QUERY_PARAMS;
        }
        List<YamlScalar> items = list.get().items();
        List<String> names = new ArrayList<>();
        for (YamlScalar item : items) {
            String name = item.as(ConfigLoader::queryParamName);
            int first = names.indexOf(name);
            if (first >= 0) {
                throw item.expected("a parameter name distinct from " + items.get(first).path() + ", ignoring case");
            }
            names.add(name);
        }
        return names;
    }

    /**
     * Visible ASCII, as the proxy compares names ASCII case-insensitively. Names are matched after
     * percent-decoding, so a {@code %} here means the name was written encoded and would never
     * match; {@code &}, {@code =}, {@code #}, spaces and control characters end or split a
     * parameter in a URL, so a name holding one is a mistake.
     */
    private static String queryParamName(String text) {
        if (text.isEmpty()) {
            throw ValueErrors.expected(text, QUERY_PARAM);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '!' || c > '~' || "&=#%".indexOf(c) >= 0) {
                throw ValueErrors.expected(text, QUERY_PARAM);
            }
        }
        return text.toLowerCase(Locale.ROOT);
    }

    /** {@code hsts} absent: the default; written as null ({@code null}, {@code ~} or nothing): never added. */
    private static ResponseConfig bindResponse(YamlMapping response) throws ConfigException {
        boolean secureCookies = response.get("secure_cookies", BOOLEAN, ConfigLoader::bool, true);
        Optional<String> hsts = Optional.of(ResponseConfig.DEFAULT_HSTS);
        if (response.has("hsts")) {
            Optional<YamlScalar> hstsAt = response.nullableScalar("hsts", HSTS);
            hsts = hstsAt.isPresent() ? Optional.of(hstsAt.get().as(ConfigLoader::hsts)) : Optional.empty();
        }
        List<String> removeHeaders = headerNames(response, "remove_headers", ConfigLoader::removableResponseHeader,
                ResponseConfig.DEFAULT_REMOVE_HEADERS);
        return new ResponseConfig(secureCookies, hsts, removeHeaders);
    }

    /**
     * A Strict-Transport-Security value as RFC 6797 §6.1 defines it: a valid field value (RFC 9110
     * §5.5), directives separated by {@code ;}, each name at most once (case-insensitive), and the
     * required {@code max-age} with delta-seconds. Kept as written: the proxy sends it verbatim.
     */
    private static String hsts(String text) {
        if (!isFieldValue(text)) {
            throw ValueErrors.expected(text, HSTS);
        }
        Set<String> names = new HashSet<>();
        for (String part : text.split(";", -1)) {
            String directive = part.strip();
            if (directive.isEmpty()) {
                continue; // the grammar allows empty directives: "max-age=1;;preload"
            }
            Matcher matcher = HSTS_DIRECTIVE.matcher(directive);
            if (!matcher.matches() || !names.add(matcher.group(1).toLowerCase(Locale.ROOT))) {
                throw ValueErrors.expected(text, HSTS);
            }
            if (matcher.group(1).equalsIgnoreCase("max-age")
                    && (matcher.group(2) == null || !DELTA_SECONDS.matcher(matcher.group(2)).matches())) {
                throw ValueErrors.expected(text, HSTS);
            }
        }
        if (!names.contains("max-age")) {
            throw ValueErrors.expected(text, HSTS);
        }
        return text;
    }

    /** Visible ASCII, spaces and tabs, neither first nor last: never a CR or LF that would split the header. */
    private static boolean isFieldValue(String text) {
        if (text.isEmpty() || isSpaceOrTab(text.charAt(0)) || isSpaceOrTab(text.charAt(text.length() - 1))) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= '!' && c <= '~') && !isSpaceOrTab(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSpaceOrTab(char c) {
        return c == ' ' || c == '\t';
    }

    private static LimitsConfig bindLimits(YamlMapping limits) throws ConfigException {
        return new LimitsConfig(
                limits.get("max_header_size", ByteSize.EXPECTED, ConfigLoader::intSize, ByteSize.parse("16KiB")),
                limits.get("max_uri_size", ByteSize.EXPECTED, ConfigLoader::intSize, ByteSize.parse("8KiB")),
                limits.get("max_body_size", ByteSize.EXPECTED, ConfigLoader::intSize, ByteSize.parse("10MiB")),
                limits.get("idle_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(60)),
                limits.get("max_connection_buffer", ByteSize.EXPECTED, ConfigLoader::intSize, ByteSize.parse("1MiB")),
                limits.get("max_connections", "an integer", integer(1, MAX_CLIENT_CONNECTIONS), 10_000),
                limits.get("request_header_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(10)),
                limits.get("max_requests_per_connection", "an integer", integer(1, Integer.MAX_VALUE), 10_000),
                limits.get("body_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(30)),
                limits.get("send_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(30)));
    }

    private static ShutdownConfig bindShutdown(YamlMapping shutdown) throws ConfigException {
        return new ShutdownConfig(
                shutdown.get("drain_timeout", Durations.EXPECTED, Durations::parse, Duration.ofSeconds(30)));
    }

    private static WebSocketConfig bindWebSocket(YamlMapping websocket) throws ConfigException {
        return new WebSocketConfig(
                websocket.get("enabled", BOOLEAN, ConfigLoader::bool, WebSocketConfig.DEFAULTS.enabled()),
                websocket.get("idle_timeout", Durations.EXPECTED, Durations::parse,
                        WebSocketConfig.DEFAULTS.idleTimeout()));
    }

    private static Http2Config bindHttp2(YamlMapping http2) throws ConfigException {
        return new Http2Config(
                http2.get("enabled", BOOLEAN, ConfigLoader::bool, Http2Config.DEFAULTS.enabled()),
                http2.get("max_concurrent_streams", "an integer", integer(1, MAX_CONCURRENT_STREAMS),
                        Http2Config.DEFAULTS.maxConcurrentStreams()));
    }

    private static AdminConfig bindAdmin(YamlMapping admin, HostPort listen, Optional<YamlScalar> listenAt)
            throws ConfigException {
        Optional<YamlScalar> adminAt = admin.scalar("listen", HostPort.EXPECTED);
        HostPort adminListen = adminAt.isPresent() ? adminAt.get().as(HostPort::parse) : DEFAULT_ADMIN_LISTEN;
        if (adminListen.port() != 0 && adminListen.port() == listen.port()) {
            throw adminAt.isPresent()
                    ? adminAt.get().expected("a port other than the TLS listen port " + listen.port())
                    : listenAt.orElseThrow().expected("a port other than admin.listen's " + adminListen.port());
        }
        return new AdminConfig(adminListen);
    }

    private AccessLogConfig bindAccessLog(Optional<YamlScalar> at) throws ConfigException {
        if (at.isEmpty()) {
            return AccessLogConfig.STDOUT;
        }
        AccessLogConfig accessLog = at.get().as(this::accessLog);
        accessLog.file().ifPresent(file -> fileChecks.add(() -> checkLogFile(at.get(), file)));
        return accessLog;
    }

    private AccessLogConfig accessLog(String text) {
        return switch (text) {
            case "stdout" -> AccessLogConfig.STDOUT;
            case "off" -> AccessLogConfig.OFF;
            default -> AccessLogConfig.file(path(text));
        };
    }

    /** Resolved against the config file's directory, absolute and normalized. */
    private Path path(String text) {
        if (text.isBlank()) {
            throw ValueErrors.expected(text, FILE);
        }
        try {
            return directory.resolve(text).normalize();
        } catch (InvalidPathException e) {
            throw ValueErrors.expected(text, "a valid file path");
        }
    }

    /** Only the two words: YAML 1.1's yes/no/on/off are a classic source of surprises. */
    private static boolean bool(String text) {
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ValueErrors.expected(text, BOOLEAN);
        };
    }

    private static Function<String, Integer> integer(int min, int max) {
        return text -> {
            int value = DECIMAL.matcher(text).matches() ? Integer.parseInt(text) : -1;
            if (value < min || value > max) {
                throw ValueErrors.expected(text, "an integer from " + min + " to " + max);
            }
            return value;
        };
    }

    /** Netty's decoder limits are ints, so a limit must be at least 1B and below 2GiB. */
    private static ByteSize intSize(String text) {
        ByteSize size = ByteSize.parse(text);
        if (size.bytes() < 1) {
            throw ValueErrors.expected(text, "a size of at least 1B");
        }
        if (size.bytes() > Integer.MAX_VALUE) {
            throw ValueErrors.expected(text, "a size below 2GiB");
        }
        return size;
    }

    /** The names in the list at {@code key}, each checked by {@code check}, or {@code otherwise} when it is absent. */
    private static List<String> headerNames(YamlMapping mapping, String key, Function<String, String> check,
            List<String> otherwise) throws ConfigException {
        Optional<YamlList> list = mapping.list(key, HEADER_NAMES);
        if (list.isEmpty()) {
            return otherwise;
        }
        List<String> names = new ArrayList<>();
        for (YamlScalar item : list.get().items()) {
            names.add(item.as(check));
        }
        return names;
    }

    /** A request header Portcullis sets or removes: never one that frames or routes the request. */
    private static String headerName(String text) {
        anyHeaderName(text);
        if (RESERVED_HEADERS.contains(HttpTokens.canonical(text))) {
            throw ValueErrors.expected(text, "a header other than Host, Content-Length and Transfer-Encoding");
        }
        return text;
    }

    /** An identity header's name: not one of the other headers Portcullis sets. */
    private static String identityHeaderName(String text) {
        headerName(text);
        if (FORWARDING_HEADERS.contains(HttpTokens.canonical(text))) {
            throw ValueErrors.expected(text, "a header other than X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host"
                    + " and X-Forwarded-Client-Cert, which Portcullis sets itself");
        }
        return text;
    }

    /** A response header Portcullis removes: never one that frames the response. */
    private static String removableResponseHeader(String text) {
        anyHeaderName(text);
        if (FRAMING_HEADERS.contains(HttpTokens.canonical(text))) {
            throw ValueErrors.expected(text,
                    "a header other than Content-Length and Transfer-Encoding, which frame the response");
        }
        return text;
    }

    private static String anyHeaderName(String text) {
        if (!HttpTokens.isToken(text)) {
            throw ValueErrors.expected(text, HttpTokens.EXPECTED);
        }
        return text;
    }

    private void checkServerKeyMaterial(YamlScalar certAt, Path cert, YamlScalar keyAt, Path key)
            throws ConfigException {
        X509Certificate leaf = readCertificates(certAt, cert).get(0);
        PrivateKey privateKey;
        try {
            privateKey = PemFiles.readPrivateKey(key);
        } catch (PemException e) {
            throw keyAt.error(e.getMessage());
        }
        try {
            PemFiles.checkKeyMatches(privateKey, leaf);
        } catch (PemException e) {
            throw keyAt.error("file " + ValueErrors.quoteWhole(key.toString()) + ": " + e.getMessage() + " in "
                    + ValueErrors.quoteWhole(cert.toString()));
        }
    }

    private static void readTicketKeys(YamlScalar at, Path file) throws ConfigException {
        try {
            TicketKeyFile.read(file);
        } catch (PemException e) {
            throw at.error(e.getMessage());
        }
    }

    /** Parses the file, then checks each CRL's signature and age against client_ca (read again: it is cheap). */
    private static void checkCrl(YamlScalar at, Path file, YamlScalar clientCaAt, Path clientCa,
            TlsConfig.CrlStale policy) throws ConfigException {
        List<X509CRL> crls;
        try {
            crls = CrlFiles.read(file);
        } catch (PemException e) {
            throw at.error(e.getMessage());
        }
        List<X509Certificate> anchors = readCertificates(clientCaAt, clientCa);
        try {
            CrlFiles.check(crls, anchors, policy, Instant.now()); // warnings: logged by the core when it builds the context
        } catch (PemException e) {
            throw at.error("file " + ValueErrors.quoteWhole(file.toString()) + ": " + e.getMessage());
        }
    }

    /** The log file is created on start; its directory must exist now, so that a typo fails here. */
    private static void checkLogFile(YamlScalar at, Path file) throws ConfigException {
        String name = "file " + ValueErrors.quoteWhole(file.toString()) + ": ";
        if (Files.isDirectory(file)) {
            throw at.error(name + "is a directory");
        }
        Path parent = file.getParent();
        if (!Files.isDirectory(parent)) {
            throw at.error(name + "directory " + ValueErrors.quoteWhole(parent.toString()) + " does not exist");
        }
        if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(parent)) {
            throw at.error(name + "not writable");
        }
    }

    private static List<X509Certificate> readCertificates(YamlScalar at, Path file) throws ConfigException {
        try {
            return PemFiles.readCertificates(file);
        } catch (PemException e) {
            throw at.error(e.getMessage());
        }
    }

    /** A check that reads the file system, run once every key is bound. */
    @FunctionalInterface
    private interface FileCheck {
        void run() throws ConfigException;
    }
}

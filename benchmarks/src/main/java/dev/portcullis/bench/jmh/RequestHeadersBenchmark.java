package dev.portcullis.bench.jmh;

import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityHeaderNames;
import dev.portcullis.core.http.RequestHeaderRules;
import dev.portcullis.core.tls.ClientIdentity;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link RequestHeaderRules#apply}, the per-request header rewrite (DESIGN.md steps 5 and 6), on
 * a realistic request's headers.
 *
 * <p>Each op starts from a fresh copy of a template ({@code headers.set(template)}), since apply
 * rewrites in place. That copy costs about what the decoder pays to build the headers, and
 * {@link #copyOnly} measures it alone: the rule cost is {@link #apply} minus {@link #copyOnly}.
 *
 * <ul>
 *   <li>{@code browser}: the twelve headers a browser sends for a page (Host, User-Agent, Accept,
 *       Accept-Language, Accept-Encoding, Referer, Cookie, Sec-Fetch-*, Upgrade-Insecure-Requests,
 *       {@code Connection: keep-alive}); only Connection is removed;</li>
 *   <li>{@code noConnection}: the same without Connection (HTTP/1.1 clients may leave it out):
 *       nothing is removed, and the Connection-listed check has nothing to parse;</li>
 *   <li>{@code curl}: curl's three (Host, User-Agent, Accept) and an Authorization;</li>
 *   <li>{@code spoofed}: the browser's headers, with {@code Connection: keep-alive, X-Debug},
 *       plus what a hostile client adds: X-Debug (listed in Connection), X-Client-DN,
 *       X_Client_DN, X-SSL-Client-Cert, X-Forwarded-Client-Cert, X-Forwarded-For (seven
 *       removals).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestHeadersBenchmark {

    private static final String CLIENT_IP = "203.0.113.7";
    private static final String HOST = "app.example.org";

    @Param({"HEADERS", "XFCC"})
    public IdentityConfig.Format format;

    @Param({"browser", "noConnection", "curl", "spoofed"})
    public String request;

    private RequestHeaderRules rules;
    private ClientIdentity identity;
    private HttpHeaders template;
    private HttpHeaders headers;

    @Setup(Level.Trial)
    public void setUp() {
        rules = new RequestHeaderRules(new IdentityConfig(format, IdentityHeaderNames.DEFAULTS, List.of()));
        identity = BenchCertificates.aliceIdentity();
        template = template(request);
        headers = new DefaultHttpHeaders();
    }

    /** The baseline: a fresh copy of the request's headers, as every op of {@link #apply} makes. */
    @Benchmark
    public HttpHeaders copyOnly() {
        HttpHeaders h = headers;
        h.set(template);
        return h;
    }

    /** The copy plus the rewrite: subtract {@link #copyOnly} for the cost of the rules. */
    @Benchmark
    public HttpHeaders apply() {
        HttpHeaders h = headers;
        h.set(template);
        rules.apply(h, identity, CLIENT_IP, HOST);
        return h;
    }

    static HttpHeaders template(String request) {
        HttpHeaders h = new DefaultHttpHeaders();
        switch (request) {
            case "browser" -> browser(h, "keep-alive");
            case "noConnection" -> browser(h, "keep-alive").remove("Connection");
            case "curl" -> h.add("Host", HOST)
                    .add("User-Agent", "curl/8.5.0")
                    .add("Accept", "*/*")
                    .add("Authorization", "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl");
            case "spoofed" -> browser(h, "keep-alive, X-Debug")
                    .add("X-Debug", "1")
                    .add("X-Client-DN", "CN=admin,O=Example")
                    .add("X_Client_DN", "CN=admin,O=Example")
                    .add("X-SSL-Client-Cert", "-----BEGIN CERTIFICATE-----MIIB...")
                    .add("X-Forwarded-Client-Cert", "Hash=00;Subject=\"CN=admin\"")
                    .add("X-Forwarded-For", "10.0.0.1");
            default -> throw new IllegalArgumentException("unknown request: " + request);
        }
        return h;
    }

    private static HttpHeaders browser(HttpHeaders h, String connection) {
        return h.add("Host", HOST)
                .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
                .add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .add("Accept-Language", "en-US,en;q=0.5")
                .add("Accept-Encoding", "gzip, deflate, br, zstd")
                .add("Referer", "https://app.example.org/dashboard")
                .add("Cookie", "session=7f3a9c1e2b4d6f80; theme=dark")
                .add("Upgrade-Insecure-Requests", "1")
                .add("Sec-Fetch-Dest", "document")
                .add("Sec-Fetch-Mode", "navigate")
                .add("Sec-Fetch-Site", "same-origin")
                .add("Connection", connection);
    }
}

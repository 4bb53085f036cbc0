package dev.portcullis.bench.jmh;

import dev.portcullis.config.ResponseConfig;
import dev.portcullis.core.http.ResponseHeaderRules;
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

import java.util.concurrent.TimeUnit;

/**
 * {@link ResponseHeaderRules#apply} with the default {@code response} section (hop-by-hop and
 * Server/X-Powered-By removal, Secure/HttpOnly cookies, HSTS), which every upstream response head
 * goes through on its way to the client. As in {@link RequestHeadersBenchmark}, each op copies a
 * template first and {@link #copyOnly} measures that copy alone.
 *
 * <ul>
 *   <li>{@code plain}: a typical JSON API response (Content-Type, Content-Length, Date, Cache-Control,
 *       ETag, Vary): nothing to remove, the common case;</li>
 *   <li>{@code keepAlive}: the same plus {@code Connection: keep-alive} and {@code Keep-Alive:
 *       timeout=5}, as many HTTP/1.1 servers send;</li>
 *   <li>{@code django}: the plain response as gunicorn and Django send it, with Server,
 *       X-Powered-By and two Set-Cookie headers lacking Secure and HttpOnly.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseHeadersBenchmark {

    @Param({"plain", "keepAlive", "django"})
    public String response;

    private final ResponseHeaderRules rules = new ResponseHeaderRules(ResponseConfig.DEFAULTS);

    private HttpHeaders template;
    private HttpHeaders headers;

    @Setup(Level.Trial)
    public void setUp() {
        template = new DefaultHttpHeaders()
                .add("Content-Type", "application/json")
                .add("Content-Length", "1234")
                .add("Date", "Tue, 25 Nov 2025 12:00:00 GMT")
                .add("Cache-Control", "no-store")
                .add("ETag", "\"5d8c72a5edda8d6a\"")
                .add("Vary", "Accept-Encoding");
        if (response.equals("keepAlive")) {
            template.add("Connection", "keep-alive").add("Keep-Alive", "timeout=5");
        }
        if (response.equals("django")) {
            template.add("Server", "gunicorn").add("X-Powered-By", "Django")
                    .add("Set-Cookie", "csrftoken=q7Ya3bKxP0; expires=Wed, 25 Nov 2026 12:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax")
                    .add("Set-Cookie", "sessionid=k2m9x8v7c6; expires=Tue, 09 Dec 2025 12:00:00 GMT; Max-Age=1209600; Path=/; SameSite=Lax");
        }
        headers = new DefaultHttpHeaders();
    }

    @Benchmark
    public HttpHeaders copyOnly() {
        HttpHeaders h = headers;
        h.set(template);
        return h;
    }

    @Benchmark
    public HttpHeaders apply() {
        HttpHeaders h = headers;
        h.set(template);
        rules.apply(h);
        return h;
    }
}

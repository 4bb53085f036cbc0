package dev.portcullis.bench.jmh;

import dev.portcullis.core.http.HopByHopHeaders;
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
 * {@link HopByHopHeaders#remove}, which every upstream response head goes through on its way to
 * the client (the exchange's response path). As in {@link RequestHeadersBenchmark}, each op
 * copies a template first and {@link #copyOnly} measures that copy alone.
 *
 * <ul>
 *   <li>{@code plain}: a typical JSON API response (Content-Type, Content-Length, Date, Cache-Control,
 *       ETag, Vary): nothing to remove, the common case;</li>
 *   <li>{@code keepAlive}: the same plus {@code Connection: keep-alive} and {@code Keep-Alive:
 *       timeout=5}, as many HTTP/1.1 servers send.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseHeadersBenchmark {

    @Param({"plain", "keepAlive"})
    public String response;

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
        headers = new DefaultHttpHeaders();
    }

    @Benchmark
    public HttpHeaders copyOnly() {
        HttpHeaders h = headers;
        h.set(template);
        return h;
    }

    @Benchmark
    public HttpHeaders remove() {
        HttpHeaders h = headers;
        h.set(template);
        HopByHopHeaders.remove(h);
        return h;
    }
}

package dev.portcullis.bench.jmh;

import dev.portcullis.config.TokensConfig;
import dev.portcullis.core.http.QueryTokens;
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
 * The query-token scan ({@link QueryTokens}) with the default names
 * ({@link TokensConfig#DEFAULT_QUERY_PARAMS}, six of them), over the request targets a proxy
 * mostly sees. Each request pays one of {@link #find} ({@code on_query_token: reject}, the
 * default) or {@link #strip} ({@code strip}) in {@code QueryTokenHandler}; each access-log line
 * pays {@link #redact} on the path it logs ({@code Redactor.uri}).
 *
 * <ul>
 *   <li>{@code noQuery}: {@code /api/v1/orders/123}: a search for {@code ?} and nothing else;</li>
 *   <li>{@code plain}: {@code /api/v1/orders?page=2&per_page=50&sort=-created_at}, three
 *       parameters, none a token;</li>
 *   <li>{@code jsonApi}: the same plus {@code filter%5Bstatus%5D=open} (JSON:API's and Rails'
 *       {@code filter[status]}), a percent-encoded name, which the scan decodes before
 *       comparing;</li>
 *   <li>{@code token}: {@code jsonApi} with {@code &access_token=...} (a 46-character value) at
 *       the end, so the scan reads every parameter before it finds one, and {@link #strip} and
 *       {@link #redact} rebuild the target.</li>
 * </ul>
 *
 * <p>Without a token, {@link #strip} and {@link #redact} are {@link #find} and return the target
 * itself.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class QueryTokensBenchmark {

    private static final String PLAIN = "/api/v1/orders?page=2&per_page=50&sort=-created_at";
    private static final String JSON_API = PLAIN + "&filter%5Bstatus%5D=open";

    @Param({"noQuery", "plain", "jsonApi", "token"})
    public String target;

    private final QueryTokens tokens = new QueryTokens(TokensConfig.DEFAULT_QUERY_PARAMS);
    private String uri;

    @Setup(Level.Trial)
    public void setUp() {
        uri = switch (target) {
            case "noQuery" -> "/api/v1/orders/123";
            case "plain" -> PLAIN;
            case "jsonApi" -> JSON_API;
            case "token" -> JSON_API + "&access_token=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
            default -> throw new IllegalArgumentException("unknown target: " + target);
        };
    }

    /** The reject path: the name of the first token parameter, or null. */
    @Benchmark
    public String find() {
        return tokens.find(uri);
    }

    /** The strip path: the target without its token parameters (the same String when there is none). */
    @Benchmark
    public String strip() {
        return tokens.strip(uri);
    }

    /** The access log's path: the target with each token's value replaced by {@code [REDACTED]}. */
    @Benchmark
    public String redact() {
        return tokens.redact(uri);
    }
}

package dev.portcullis.core.upstream;

import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.http.Redactor;
import dev.portcullis.core.logging.LogRateLimiter;
import io.netty.handler.codec.http.HttpRequest;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Logs exchanges the upstream failed (502, 504, or a response cut short) as one warning each:
 * the error code, what happened, the request line through the {@link Redactor}, the client and
 * how long the upstream had. At most 10 lines a second, so an upstream outage under load cannot
 * flood the log; the access log still has every exchange. Shared by all connections.
 */
public final class UpstreamFailureLog {

    private static final Logger LOG = LogManager.getLogger(UpstreamFailureLog.class);
    private static final int MAX_PER_SECOND = 10;

    private final Redactor redactor;
    private final LogRateLimiter limiter = new LogRateLimiter(MAX_PER_SECOND);

    public UpstreamFailureLog(Redactor redactor) {
        this.redactor = redactor;
    }

    void record(ErrorCode error, String what, HttpRequest request, SocketAddress peer, long elapsedNanos) {
        if (!LOG.isWarnEnabled()) {
            return;
        }
        long suppressedBefore = limiter.admit();
        if (suppressedBefore >= 0) {
            LOG.warn("upstream failed: {} ({}) for {} {} from peer={} after {} ms{}", error.code(), what,
                    request.method(), redactor.uri(request.uri()), peer,
                    TimeUnit.NANOSECONDS.toMillis(elapsedNanos), LogRateLimiter.suppressedSuffix(suppressedBefore));
        }
    }
}

package dev.portcullis.core.http;

import dev.portcullis.config.TokensConfig;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The only way a request target or a header value reaches a log line: token parameters
 * ({@code tokens.query_params}) keep their name and lose their value, the user-info of an
 * absolute-form target is dropped, and the values of {@code tokens.redact_headers} are never
 * written. Error bodies and metric labels carry no request data at all ({@link ErrorCode}).
 *
 * <p>Immutable; shared by every connection.
 */
public final class Redactor {

    public static final String REDACTED = "[REDACTED]";

    private final QueryTokens tokens;
    private final HeaderNames.NameSet redactedHeaders;

    public Redactor(QueryTokens tokens, List<String> redactedHeaders) {
        this.tokens = tokens;
        this.redactedHeaders = new HeaderNames.NameSet(redactedHeaders, List.of());
    }

    public static Redactor of(TokensConfig config) {
        return new Redactor(new QueryTokens(config.queryParams()), config.redactHeaders());
    }

    /** A request target, as the client sent it, with its secrets replaced. Null stays null. */
    public String uri(String uri) {
        return uri == null ? null : tokens.redact(withoutUserInfo(uri));
    }

    /** {@code name: value} pairs, one per line's worth, for debug logs; redacted values as {@link #REDACTED}. */
    public String headers(HttpHeaders headers) {
        StringBuilder out = new StringBuilder(256);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            if (!out.isEmpty()) {
                out.append(", ");
            }
            out.append(header.getKey()).append(": ")
                    .append(redactedHeaders.contains(header.getKey()) ? REDACTED : header.getValue());
        }
        return out.toString();
    }

    /** {@code scheme://user:password@host/...}: a 400 is logged with the target the client sent. */
    private static String withoutUserInfo(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return uri;
        }
        int authority = scheme + 3;
        int authorityEnd = authority;
        while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        int at = uri.lastIndexOf('@', authorityEnd - 1);
        if (at < authority) {
            return uri;
        }
        return uri.substring(0, authority) + REDACTED + uri.substring(at);
    }
}

package dev.portcullis.core.http;

import java.util.List;
import java.util.Locale;

/**
 * Finds credential parameters ({@code tokens.query_params}) in a request target's query: the
 * whole parameter name, ASCII case-insensitively, after percent-decoding the name, so
 * {@code ACCESS_TOKEN} and {@code access%5Ftoken} are {@code access_token} while
 * {@code my_token_count} is not. A parameter counts with or without a value, and every
 * occurrence of a repeated one counts.
 *
 * <p>The query is everything after the first {@code ?}, split on {@code &} and on {@code ;}
 * (DESIGN.md step 4): some backends split on both (Rack before 3.0, Perl's CGI.pm, Python's
 * {@code parse_qs} before the CVE-2021-23336 fix), so a token behind a {@code ;} must not slip
 * past the proxy to a backend that reads it. A name counts up to its first {@code [},
 * literal or decoded from {@code %5B}, as PHP and Rack read {@code access_token[]=x} and
 * {@code access_token[a]=x} as {@code access_token}. A {@code #} does not end the query, so a
 * token behind a fragment marker a client should not have sent is still found.
 *
 * <p>Immutable; {@link #find} takes linear time and allocates nothing unless a name is
 * percent-encoded.
 */
public final class QueryTokens {

    private final String[] names;
    private final int longestName;

    /** @param names parameter names; compared in lower case */
    public QueryTokens(List<String> names) {
        this.names = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toArray(String[]::new);
        this.longestName = names.stream().mapToInt(String::length).max().orElse(0);
    }

    /** @return the configured name of the first token parameter in {@code uri}, or null when there is none */
    public String find(String uri) {
        int query = queryStart(uri);
        if (query < 0) {
            return null;
        }
        for (int start = query; start <= uri.length(); ) {
            int end = segmentEnd(uri, start);
            String name = match(uri, start, nameEnd(uri, start, end));
            if (name != null) {
                return name;
            }
            start = end + 1;
        }
        return null;
    }

    /**
     * @return {@code uri} without its token parameters, every other parameter byte for byte in
     *         its original order, and without the {@code ?} when nothing is left of the query;
     *         {@code uri} itself when there is no token parameter
     */
    public String strip(String uri) {
        return rewrite(uri, false);
    }

    /** @return {@code uri} with each token parameter's value replaced by {@link Redactor#REDACTED} */
    public String redact(String uri) {
        return rewrite(uri, true);
    }

    /**
     * A kept parameter keeps the separator that preceded it ({@code &} or {@code ;}), except the
     * first one kept, which follows the {@code ?}.
     */
    private String rewrite(String uri, boolean redact) {
        if (find(uri) == null) {
            return uri;
        }
        int query = queryStart(uri);
        StringBuilder out = new StringBuilder(uri.length()).append(uri, 0, query - 1);
        boolean first = true;
        for (int start = query; start <= uri.length(); ) {
            int end = segmentEnd(uri, start);
            int nameEnd = nameEnd(uri, start, end);
            boolean token = match(uri, start, nameEnd) != null;
            if (!token || redact) {
                out.append(first ? '?' : uri.charAt(start - 1));
                first = false;
                if (token && nameEnd < end) {
                    out.append(uri, start, nameEnd + 1).append(Redactor.REDACTED);
                } else {
                    out.append(uri, start, end);
                }
            }
            start = end + 1;
        }
        return out.toString();
    }

    /** Index just after the {@code ?}, or -1 when there is no query or nothing to look for. */
    private int queryStart(String uri) {
        if (names.length == 0) {
            return -1;
        }
        int mark = uri.indexOf('?');
        return mark < 0 ? -1 : mark + 1;
    }

    /** The next {@code &} or {@code ;} from {@code start}, or the end of {@code uri}. */
    private static int segmentEnd(String uri, int start) {
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '&' || c == ';') {
                return i;
            }
        }
        return uri.length();
    }

    private static int nameEnd(String uri, int start, int end) {
        return indexOf(uri, '=', start, end);
    }

    /** Bounded by the segment, so that a query of many short parameters costs linear time. */
    private static int indexOf(String s, char c, int start, int end) {
        for (int i = start; i < end; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return end;
    }

    /**
     * The configured name {@code uri[start, end)} is, once decoded and cut at its first
     * {@code [}, or null. Without a {@code %} before the first literal {@code [} the name is
     * compared in place.
     */
    private String match(String uri, int start, int end) {
        int bracket = indexOf(uri, '[', start, end);
        if (indexOf(uri, '%', start, bracket) == bracket) {
            return candidate(uri, start, bracket);
        }
        String decoded = decodeName(uri, start, bracket);
        return decoded == null ? null : candidate(decoded, 0, decoded.length());
    }

    private String candidate(CharSequence name, int start, int end) {
        if (start == end) {
            return null;
        }
        for (String candidate : names) {
            if (equalsAsciiIgnoreCase(candidate, name, start, end)) {
                return candidate;
            }
        }
        return null;
    }

    /** ASCII only: Java's equalsIgnoreCase would take the long s for an s. */
    private static boolean equalsAsciiIgnoreCase(String lower, CharSequence s, int start, int end) {
        if (lower.length() != end - start) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            char c = s.charAt(start + i);
            if (lower.charAt(i) != (c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Percent-decodes {@code uri[start, end)} up to the first decoded {@code [}, bytes as Latin-1
     * chars: the configured names are ASCII, so a name with a non-ASCII byte never matches
     * whatever its charset. A malformed escape stays as it is, as the backends' decoders leave
     * it. Null once the name grows longer than any configured one: it is no token, whatever
     * follows, so decoding stops there and a long encoded name costs no more than the longest
     * configured name.
     */
    private String decodeName(String uri, int start, int end) {
        StringBuilder out = new StringBuilder(longestName + 1);
        for (int i = start; i < end; i++) {
            char c = uri.charAt(i);
            int hi;
            int lo;
            if (c == '%' && i + 2 < end
                    && (hi = Character.digit(uri.charAt(i + 1), 16)) >= 0
                    && (lo = Character.digit(uri.charAt(i + 2), 16)) >= 0) {
                c = (char) (hi << 4 | lo);
                i += 2;
            }
            if (c == '[') {
                break;
            }
            if (out.length() == longestName) {
                return null;
            }
            out.append(c);
        }
        return out.toString();
    }
}

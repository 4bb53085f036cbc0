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
 * <p>The query is everything after the first {@code ?}, split on {@code &} (as Django, Rack's
 * successors, Axum and Ring do); a {@code #} does not end it, so a token behind a fragment
 * marker a client should not have sent is still found.
 *
 * <p>Immutable; {@link #find} allocates nothing unless a name is percent-encoded.
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
                out.append(first ? '?' : '&');
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

    private static int segmentEnd(String uri, int start) {
        int amp = uri.indexOf('&', start);
        return amp < 0 ? uri.length() : amp;
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

    private static int count(String s, char c, int start, int end) {
        int n = 0;
        for (int i = start; i < end; i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }

    /** The configured name {@code uri[start, end)} is, once decoded, or null. */
    private String match(String uri, int start, int end) {
        if (start == end) {
            return null;
        }
        CharSequence name = uri;
        int escapes = count(uri, '%', start, end);
        if (escapes > 0) {
            // each escape decodes three chars into one: a name that stays too long is no token,
            // whatever it decodes to, and needs no decoding (JSON:API's filter%5Bstatus%5D)
            if (end - start - 2 * escapes > longestName) {
                return null;
            }
            name = decode(uri, start, end);
            start = 0;
            end = name.length();
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
     * Percent-decodes bytes as Latin-1 chars: the configured names are ASCII, so a name with a
     * non-ASCII byte never matches whatever its charset. A malformed escape stays as it is, as
     * the backends' decoders leave it.
     */
    private static String decode(String uri, int start, int end) {
        StringBuilder out = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = uri.charAt(i);
            int hi;
            int lo;
            if (c == '%' && i + 2 < end
                    && (hi = Character.digit(uri.charAt(i + 1), 16)) >= 0
                    && (lo = Character.digit(uri.charAt(i + 2), 16)) >= 0) {
                out.append((char) (hi << 4 | lo));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

package dev.portcullis.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Header names Portcullis strips from requests before they reach the upstream (DESIGN.md
 * "What happens to a request", step 5), and a set of names compared the way that step says:
 * ASCII case-insensitively with {@code _} treated as {@code -}, so {@code X_Client_DN},
 * {@code x-client_dn} and {@code X-Client-Dn} are one name. The underscore rule matters because
 * CGI-style backends (and nginx, Apache, PHP, WSGI) map {@code -} to {@code _}: a client-sent
 * {@code X_Client_DN} would otherwise reach them as the trusted {@code X-Client-DN}.
 *
 * <p>A {@link NameSet} is built once; {@link NameSet#contains} allocates nothing.
 */
final class HeaderNames {

    static final String X_FORWARDED_CLIENT_CERT = "X-Forwarded-Client-Cert";
    static final String X_FORWARDED_FOR = "X-Forwarded-For";
    static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    static final String X_FORWARDED_HOST = "X-Forwarded-Host";

    /**
     * RFC 9110 §7.6.1 connection options, plus the legacy ones proxies drop (RFC 9112 §9.6, RFC 7230
     * §6.1) and HTTP2-Settings, connection-specific by RFC 7540 §3.2.1 (it only ever travels with
     * {@code Upgrade: h2c}, which is never forwarded).
     */
    static final List<String> HOP_BY_HOP = List.of(
            "Connection", "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Proxy-Authorization",
            "HTTP2-Settings");

    /** Certificate headers other proxies set, which only Portcullis may assert to the upstream. */
    static final List<String> CERTIFICATE_HEADERS = List.of(
            X_FORWARDED_CLIENT_CERT, "Client-Cert", "Client-Cert-Chain", "X-Client-Cert");

    /** Prefixes of certificate headers: nginx/Apache style {@code X-SSL-Client-*}, Traefik's XFCC variants. */
    static final List<String> CERTIFICATE_HEADER_PREFIXES = List.of(
            "X-SSL-Client-", "SSL-Client-", "X-Forwarded-Tls-Client-Cert");

    /**
     * Connection tokens that never remove a header: the framing headers and the target (a client
     * must not unframe its own message), and {@code close}, which names no header.
     */
    private static final NameSet NOT_CONNECTION_OPTIONS = new NameSet(
            List.of("Content-Length", "Transfer-Encoding", "Host", "close"), List.of());

    /** Client-sent forwarding headers; Portcullis sets its own For, Proto and Host. */
    static final List<String> FORWARDING = List.of(
            X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST, "X-Forwarded-Port", "Forwarded");

    private HeaderNames() {
    }

    /**
     * The names a message's Connection headers list (RFC 9110 §7.6.1) that are not removed
     * anyway: usually none, since {@code keep-alive} is hop-by-hop itself and {@code close} names
     * no header. Parsed once per message, so the per-header check costs nothing in the common case.
     * Framing headers and Host are never options: a client must not unframe its own message.
     *
     * @param removedAnyway names the caller removes regardless
     * @return the extra names, or an empty list (no allocation) when there are none
     */
    static List<String> connectionOptions(HttpHeaders headers, NameSet removedAnyway) {
        List<String> options = List.of();
        for (Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(HttpHeaderNames.CONNECTION);
             values.hasNext(); ) {
            CharSequence value = values.next();
            for (int start = 0; start < value.length(); ) {
                int end = indexOf(value, ',', start);
                int tokenStart = tokenStart(value, start, end);
                int tokenEnd = tokenEnd(value, tokenStart, end);
                if (tokenEnd > tokenStart && !removedAnyway.contains(value, tokenStart, tokenEnd)
                        && !NOT_CONNECTION_OPTIONS.contains(value, tokenStart, tokenEnd)) {
                    if (options.isEmpty()) {
                        options = new ArrayList<>(2);
                    }
                    options.add(value.subSequence(tokenStart, tokenEnd).toString());
                }
                start = end + 1;
            }
        }
        return options;
    }

    /** Whether a comma-separated header ({@code Connection}, {@code Upgrade}; all its lines) lists {@code token}. */
    static boolean listsToken(HttpHeaders headers, CharSequence name, CharSequence token) {
        for (Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(name); values.hasNext(); ) {
            CharSequence value = values.next();
            for (int start = 0; start < value.length(); ) {
                int end = indexOf(value, ',', start);
                int tokenStart = tokenStart(value, start, end);
                if (matches(value, tokenStart, tokenEnd(value, tokenStart, end), token)) {
                    return true;
                }
                start = end + 1;
            }
        }
        return false;
    }

    private static int tokenStart(CharSequence value, int start, int end) {
        while (start < end && isOws(value.charAt(start))) {
            start++;
        }
        return start;
    }

    private static int tokenEnd(CharSequence value, int start, int end) {
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    /**
     * Removes every header in {@code names} and every header the message's Connection headers
     * list: one pass over the headers, and a list only when there is something to remove.
     */
    static void removeNamedOrListed(HttpHeaders headers, NameSet names) {
        List<String> connectionOptions = connectionOptions(headers, names);
        List<CharSequence> remove = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (names.contains(name) || isListed(connectionOptions, name)) {
                if (remove == null) {
                    remove = new ArrayList<>(4);
                }
                remove.add(name);
            }
        }
        if (remove != null) {
            // DefaultHttpHeaders.remove is case-insensitive and removes every value of the name.
            for (CharSequence name : remove) {
                headers.remove(name);
            }
        }
    }

    /** Whether {@code name} is one of {@code options} (as {@link #connectionOptions} returned them). */
    private static boolean isListed(List<String> options, CharSequence name) {
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            if (matches(option, 0, option.length(), name)) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(CharSequence s, char c, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return s.length();
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** {@code c} as the comparison sees it: ASCII lower case, {@code _} as {@code -}. */
    static char fold(char c) {
        if (c >= 'A' && c <= 'Z') {
            return (char) (c + ('a' - 'A'));
        }
        return c == '_' ? '-' : c;
    }

    static String normalize(CharSequence name) {
        StringBuilder folded = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            folded.append(fold(name.charAt(i)));
        }
        return folded.toString();
    }

    /** Whether {@code s[start, end)} and {@code name} are the same header name. */
    static boolean matches(CharSequence s, int start, int end, CharSequence name) {
        if (end - start != name.length()) {
            return false;
        }
        for (int i = start; i < end; i++) {
            if (fold(s.charAt(i)) != fold(name.charAt(i - start))) {
                return false;
            }
        }
        return true;
    }

    /** Header names and name prefixes, compared case-insensitively with {@code _} as {@code -}. */
    static final class NameSet {

        private final String[] table;
        private final int mask;
        private final String[] prefixes;

        NameSet(Collection<String> names, Collection<String> prefixes) {
            int size = Integer.highestOneBit(Math.max(4, names.size() * 4) - 1) << 1;
            this.table = new String[size];
            this.mask = size - 1;
            for (String name : names) {
                String normalized = normalize(name);
                int slot = hash(normalized, 0, normalized.length()) & mask;
                while (table[slot] != null && !table[slot].equals(normalized)) {
                    slot = (slot + 1) & mask;
                }
                table[slot] = normalized;
            }
            this.prefixes = prefixes.stream().map(HeaderNames::normalize).toArray(String[]::new);
        }

        boolean contains(CharSequence name) {
            return contains(name, 0, name.length());
        }

        /** Whether {@code name[start, end)} is in the set or starts with one of its prefixes. */
        boolean contains(CharSequence name, int start, int end) {
            for (int slot = hash(name, start, end) & mask; table[slot] != null; slot = (slot + 1) & mask) {
                if (matches(name, start, end, table[slot])) {
                    return true;
                }
            }
            for (String prefix : prefixes) {
                if (end - start >= prefix.length() && matches(name, start, start + prefix.length(), prefix)) {
                    return true;
                }
            }
            return false;
        }

        private static int hash(CharSequence s, int start, int end) {
            int h = 0;
            for (int i = start; i < end; i++) {
                h = 31 * h + fold(s.charAt(i));
            }
            return h ^ (h >>> 16);
        }
    }
}

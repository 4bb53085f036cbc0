package dev.portcullis.core.http;

import dev.portcullis.config.ResponseConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;

/**
 * What happens to an upstream response's headers before they are relayed (DESIGN.md step 7):
 * <ul>
 *   <li>removed, in one pass: the hop-by-hop headers of RFC 9110 §7.6.1 (Connection and every
 *       name it lists, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade) and
 *       {@code response.remove_headers}. Transfer-Encoding stays: the codec re-frames the
 *       streamed body from it;</li>
 *   <li>{@code response.secure_cookies}: {@code Secure} and {@code HttpOnly} appended to each
 *       Set-Cookie that lacks them (attribute names case-insensitive; the rest untouched);</li>
 *   <li>{@code response.hsts}: Strict-Transport-Security, unless the upstream sent one.</li>
 * </ul>
 * Immutable; shared by every connection.
 */
public final class ResponseHeaderRules {

    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("Strict-Transport-Security");

    private final HeaderNames.NameSet removed;
    private final boolean secureCookies;
    private final String hsts;

    public ResponseHeaderRules(ResponseConfig config) {
        List<String> names = new ArrayList<>(HeaderNames.HOP_BY_HOP);
        names.addAll(config.removeHeaders());
        this.removed = new HeaderNames.NameSet(names, List.of());
        this.secureCookies = config.secureCookies();
        this.hsts = config.hsts().orElse(null);
    }

    public void apply(HttpHeaders headers) {
        HeaderNames.removeNamedOrListed(headers, removed);
        if (secureCookies && headers.contains(HttpHeaderNames.SET_COOKIE)) {
            secureCookies(headers);
        }
        if (hsts != null && !headers.contains(STRICT_TRANSPORT_SECURITY)) {
            headers.set(STRICT_TRANSPORT_SECURITY, hsts);
        }
    }

    private static void secureCookies(HttpHeaders headers) {
        List<String> cookies = new ArrayList<>(headers.getAll(HttpHeaderNames.SET_COOKIE));
        boolean changed = false;
        for (ListIterator<String> it = cookies.listIterator(); it.hasNext(); ) {
            String cookie = it.next();
            String secured = secure(cookie);
            if (!secured.equals(cookie)) {
                it.set(secured);
                changed = true;
            }
        }
        if (changed) {
            headers.set(HttpHeaderNames.SET_COOKIE, cookies);
        }
    }

    /** {@code cookie} with {@code ; Secure} and {@code ; HttpOnly} appended where missing (RFC 6265 §4.1.1). */
    static String secure(String cookie) {
        boolean secure = false;
        boolean httpOnly = false;
        // the first part is name=value; attributes follow, each up to the next ';'
        for (int start = cookie.indexOf(';'); start >= 0; ) {
            int end = cookie.indexOf(';', start + 1);
            int segmentEnd = end < 0 ? cookie.length() : end;
            int nameStart = start + 1;
            while (nameStart < segmentEnd && isSpace(cookie.charAt(nameStart))) {
                nameStart++;
            }
            int nameEnd = nameStart;
            while (nameEnd < segmentEnd && cookie.charAt(nameEnd) != '=') {
                nameEnd++;
            }
            while (nameEnd > nameStart && isSpace(cookie.charAt(nameEnd - 1))) {
                nameEnd--;
            }
            secure |= isAttribute(cookie, nameStart, nameEnd, "Secure");
            httpOnly |= isAttribute(cookie, nameStart, nameEnd, "HttpOnly");
            start = end;
        }
        if (secure && httpOnly) {
            return cookie;
        }
        StringBuilder out = new StringBuilder(cookie.length() + 18).append(cookie);
        if (!secure) {
            out.append("; Secure");
        }
        if (!httpOnly) {
            out.append("; HttpOnly");
        }
        return out.toString();
    }

    private static boolean isAttribute(String cookie, int start, int end, String name) {
        return end - start == name.length() && cookie.regionMatches(true, start, name, 0, name.length());
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}

package dev.portcullis.config;

import java.util.Locale;

/**
 * Header-name rules for {@code identity.headers}, {@code identity.strip}, {@code tokens.redact_headers}
 * and {@code response.remove_headers}. A name that is not an RFC 9110 token (§5.1, §5.6.2) could
 * never match a header, so it is a config error.
 */
final class HttpTokens {

    static final String EXPECTED = "a header name made of letters, digits and !#$%&'*+-.^_`|~";

    private HttpTokens() {
    }

    /** Whether {@code name} is a non-empty RFC 9110 token. */
    static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * The form in which two names are the same header to Portcullis: case-insensitive, with
     * {@code _} equal to {@code -} (some servers and CGI gateways treat them alike).
     */
    static String canonical(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

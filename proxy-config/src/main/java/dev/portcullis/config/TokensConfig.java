package dev.portcullis.config;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * The {@code tokens} section: credentials that must not travel in URLs or reach logs.
 *
 * <table>
 *   <caption>tokens keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>query_params</td><td>access_token, token, api_key, apikey, id_token, refresh_token</td>
 *       <td>query parameter names that carry credentials: whole name, case-insensitive, after
 *       percent-decoding the name</td></tr>
 *   <tr><td>on_query_token</td><td>reject</td><td>reject (400 token_in_query) | strip</td></tr>
 *   <tr><td>redact_headers</td><td>Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key</td>
 *       <td>header values never written to a log</td></tr>
 *   <tr><td>forward_authorization</td><td>true</td><td>false: Authorization is removed before forwarding</td></tr>
 * </table>
 *
 * @param queryParams parameter names in lower case ({@link java.util.Locale#ROOT}), each once; empty:
 *        queries are not scanned
 * @param onQueryToken what happens to a request whose query carries one of {@code queryParams}
 * @param redactHeaders header names as written, each an RFC 9110 token
 * @param forwardAuthorization whether the client's Authorization header reaches the upstream
 */
public record TokensConfig(
        List<String> queryParams,
        OnQueryToken onQueryToken,
        List<String> redactHeaders,
        boolean forwardAuthorization) {

    public static final List<String> DEFAULT_QUERY_PARAMS =
            List.of("access_token", "token", "api_key", "apikey", "id_token", "refresh_token");
    public static final List<String> DEFAULT_REDACT_HEADERS =
            List.of("Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key");
    public static final TokensConfig DEFAULTS =
            new TokensConfig(DEFAULT_QUERY_PARAMS, OnQueryToken.REJECT, DEFAULT_REDACT_HEADERS, true);

    public TokensConfig {
        queryParams = List.copyOf(queryParams);
        requireNonNull(onQueryToken, "onQueryToken");
        redactHeaders = List.copyOf(redactHeaders);
    }

    /** What happens to a request whose query carries a token parameter. */
    public enum OnQueryToken {
        /** 400 {@code token_in_query}, naming the parameter. */
        REJECT,
        /** The parameter is removed; the rest of the URL reaches the upstream unchanged. */
        STRIP
    }
}

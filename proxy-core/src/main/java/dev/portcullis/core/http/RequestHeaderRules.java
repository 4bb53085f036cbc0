package dev.portcullis.core.http;

import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityHeaderNames;
import dev.portcullis.config.TokensConfig;
import dev.portcullis.core.tls.ClientIdentity;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Steps 5 and 6 of DESIGN.md "What happens to a request": removes every request header the
 * upstream must not believe from a client, then sets the ones only Portcullis may assert. Built
 * once from the {@code identity} config; immutable and safe to share across event loops.
 *
 * <p>Removed, names compared ASCII case-insensitively with {@code _} as {@code -}
 * ({@link HeaderNames}):
 * <ul>
 *   <li>hop-by-hop: Connection and every name it lists (in all Connection headers; never
 *       Content-Length, Transfer-Encoding or Host, so a client cannot unframe its own message),
 *       Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection, Proxy-Authorization (RFC 9110 §7.6.1),
 *       HTTP2-Settings; a WebSocket upgrade gets its Connection and Upgrade back
 *       ({@link WebSocketUpgrade});</li>
 *   <li>all seven configured identity header names, whatever the format, and
 *       X-Forwarded-Client-Cert;</li>
 *   <li>certificate headers other proxies use: Client-Cert, Client-Cert-Chain, X-Client-Cert and
 *       every name starting X-SSL-Client-, SSL-Client- or X-Forwarded-Tls-Client-Cert;</li>
 *   <li>{@code identity.strip} (exact names);</li>
 *   <li>Authorization when {@code tokens.forward_authorization} is false;</li>
 *   <li>X-Forwarded-For, -Proto, -Host, -Port and Forwarded.</li>
 * </ul>
 *
 * <p>Set, one copy each:
 * <ul>
 *   <li>format {@code headers}/{@code both}: the verify header always; the six others only for a
 *       verified client (so {@code NONE} sends {@code X-Client-Verify: NONE} alone); the SAN
 *       header is sent empty when the certificate has no SANs;</li>
 *   <li>format {@code xfcc}/{@code both}: X-Forwarded-Client-Cert for a verified client only.
 *       With {@code xfcc} and no client certificate nothing identity-related is sent, as Envoy
 *       does: its absence is the statement;</li>
 *   <li>X-Forwarded-For (the client IP alone), X-Forwarded-Proto: https, X-Forwarded-Host
 *       (the request's Host).</li>
 * </ul>
 *
 * <p>Cost per request: one pass over the header entries with allocation-free name matching; a
 * list only when something is to be removed, plus Netty's list of Connection values when there
 * is one.
 */
public final class RequestHeaderRules {

    private static final AsciiString X_FORWARDED_CLIENT_CERT = AsciiString.cached(HeaderNames.X_FORWARDED_CLIENT_CERT);
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached(HeaderNames.X_FORWARDED_FOR);
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached(HeaderNames.X_FORWARDED_PROTO);
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached(HeaderNames.X_FORWARDED_HOST);
    private static final AsciiString HTTPS = AsciiString.cached("https");

    private final boolean sendsHeaders;
    private final boolean sendsXfcc;
    private final AsciiString verify;
    private final AsciiString subject;
    private final AsciiString issuer;
    private final AsciiString fingerprint;
    private final AsciiString serial;
    private final AsciiString san;
    private final AsciiString notAfter;
    private final HeaderNames.NameSet removed;

    /** With the default {@code tokens}: Authorization is forwarded. */
    public RequestHeaderRules(IdentityConfig identity) {
        this(identity, TokensConfig.DEFAULTS);
    }

    public RequestHeaderRules(IdentityConfig identity, TokensConfig tokens) {
        requireNonNull(identity, "identity");
        IdentityHeaderNames names = identity.headers();
        this.sendsHeaders = identity.format().sendsHeaders();
        this.sendsXfcc = identity.format().sendsXfcc();
        this.verify = AsciiString.of(names.verify());
        this.subject = AsciiString.of(names.subject());
        this.issuer = AsciiString.of(names.issuer());
        this.fingerprint = AsciiString.of(names.fingerprint());
        this.serial = AsciiString.of(names.serial());
        this.san = AsciiString.of(names.san());
        this.notAfter = AsciiString.of(names.notAfter());

        List<String> exact = new ArrayList<>(HeaderNames.HOP_BY_HOP);
        exact.addAll(names.all());
        exact.addAll(HeaderNames.CERTIFICATE_HEADERS);
        exact.addAll(identity.strip());
        exact.addAll(HeaderNames.FORWARDING);
        if (!tokens.forwardAuthorization()) {
            exact.add(HttpHeaderNames.AUTHORIZATION.toString());
        }
        this.removed = new HeaderNames.NameSet(exact, HeaderNames.CERTIFICATE_HEADER_PREFIXES);
    }

    /**
     * Applies both steps to a request's headers in place.
     *
     * @param headers the request headers, as decoded from the client
     * @param identity the connection's client identity
     * @param clientIp the client's IP address, for X-Forwarded-For
     * @param forwardedHost the request's Host value for X-Forwarded-Host; null sends none
     */
    public void apply(HttpHeaders headers, ClientIdentity identity, String clientIp, String forwardedHost) {
        requireNonNull(identity, "identity");
        requireNonNull(clientIp, "clientIp");
        HeaderNames.removeNamedOrListed(headers, removed);
        // Every name added below was just removed: add() spares set()'s search for old values.
        addIdentity(headers, identity);
        headers.add(X_FORWARDED_FOR, clientIp);
        headers.add(X_FORWARDED_PROTO, HTTPS);
        if (forwardedHost != null) {
            headers.add(X_FORWARDED_HOST, forwardedHost);
        }
    }

    private void addIdentity(HttpHeaders headers, ClientIdentity identity) {
        if (sendsHeaders) {
            headers.add(verify, identity.verify());
            if (identity.verified()) {
                headers.add(subject, identity.subject());
                headers.add(issuer, identity.issuer());
                headers.add(fingerprint, identity.fingerprint());
                headers.add(serial, identity.serial());
                headers.add(san, identity.san());
                headers.add(notAfter, identity.notAfter());
            }
        }
        if (sendsXfcc && identity.verified()) {
            headers.add(X_FORWARDED_CLIENT_CERT, identity.xfcc());
        }
    }
}

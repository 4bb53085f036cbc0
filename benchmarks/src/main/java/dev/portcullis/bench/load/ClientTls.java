package dev.portcullis.bench.load;

import dev.portcullis.config.PemException;
import dev.portcullis.config.PemFiles;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The client {@link SslContext}: BoringSSL through tcnative (the stack Portcullis itself runs on,
 * so the driver costs what the proxy's side costs), the client certificate, and the CA the
 * server certificate must chain to. Hostname verification stays on (Netty 4.2's default).
 *
 * <p>How each mode gets the handshake it asks for: every engine is created with the target's
 * host and port, so SNI, hostname verification and the ClientHello are the same in all modes.
 * Netty's client session cache is keyed by that host and port; in {@link Mode#RESUME} it offers
 * the last session (TLS 1.2 session ID or ticket, TLS 1.3 PSK ticket) to the next connection. For
 * {@link Mode#HANDSHAKE} the context's session cache is switched off
 * ({@code SSL_SESS_CACHE_OFF}), so no session is ever stored and none can be offered: each
 * handshake is full. Either way the driver does not trust this reasoning but asks BoringSSL after
 * every handshake ({@code SSL_session_reused}) and reports the resumed fraction.
 *
 * <p>The h2 modes offer ALPN {@code h2} and nothing else; whether the server chose it is checked
 * after each handshake ({@link H2Slot}). The other modes offer no ALPN, as before, so the
 * server speaks HTTP/1.1.
 */
final class ClientTls {

    /** The only combination BoringSSL supports: nothing advertised on no overlap, and accepted. */
    private static final ApplicationProtocolConfig H2_ONLY = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2);

    private ClientTls() {
    }

    static SslContext build(Path cert, Path key, Path caCert, List<String> protocols, Mode mode)
            throws PemException, SSLException {
        if (!OpenSsl.isAvailable()) {
            throw new SSLException("BoringSSL (netty-tcnative) is not available on this platform",
                    OpenSsl.unavailabilityCause());
        }
        List<X509Certificate> chain = PemFiles.readCertificates(cert);
        PrivateKey privateKey = PemFiles.readPrivateKey(key);
        try {
            PemFiles.checkKeyMatches(privateKey, chain.get(0));
        } catch (PemException e) {
            throw new PemException("--key " + key + " and --cert " + cert + ": " + e.getMessage());
        }
        List<X509Certificate> anchors = PemFiles.readCertificates(caCert);
        SslContext context = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .keyManager(privateKey, chain.toArray(X509Certificate[]::new))
                .trustManager(anchors.toArray(X509Certificate[]::new))
                .protocols(protocols)
                .applicationProtocolConfig(mode.http2() ? H2_ONLY : ApplicationProtocolConfig.DISABLED)
                .build();
        if (mode == Mode.HANDSHAKE) {
            ((OpenSslSessionContext) context.sessionContext()).setSessionCacheEnabled(false);
        }
        return context;
    }
}

package dev.portcullis.core.tls;

import dev.portcullis.config.PemException;
import dev.portcullis.config.PemFiles;
import dev.portcullis.config.TlsConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Builds the server {@link SslContext} from the files {@code tls} names: BoringSSL through
 * tcnative, TLS 1.2/1.3 only, client certificates verified by {@link ClientCertVerifier}.
 *
 * <p>Keys are parsed with Bouncy Castle ({@link PemFiles}) because Netty's own PEM reader accepts
 * only PKCS#8. Passing a {@link PrivateKey} also lets Netty encode the key to native once per
 * context rather than once per handshake.
 */
public final class SslContexts {

    private SslContexts() {
    }

    /** Reads every file anew, so that the first load and a reload are the same code. */
    public static ServerTls load(TlsConfig tls) throws PemException, SSLException {
        if (!OpenSsl.isAvailable()) {
            throw new SSLException("BoringSSL (netty-tcnative) is not available on this platform", OpenSsl.unavailabilityCause());
        }
        List<X509Certificate> chain = PemFiles.readCertificates(tls.cert());
        PrivateKey key = PemFiles.readPrivateKey(tls.key());
        PemFiles.checkKeyMatches(key, chain.get(0));
        List<X509Certificate> clientCa = PemFiles.readCertificates(tls.clientCa());

        SslContext context = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.OPENSSL)
                .protocols(tls.protocols())
                .clientAuth(tls.clientAuth() == TlsConfig.ClientAuth.REQUIRE ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
                .trustManager(new ClientCertVerifier(clientCa, tls.verifyDepth()))
                .build();
        return new ServerTls(context, ServerUriSan.of(chain.get(0)));
    }
}

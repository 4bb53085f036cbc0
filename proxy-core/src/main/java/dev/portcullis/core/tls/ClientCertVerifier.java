package dev.portcullis.core.tls;

import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides whether a client certificate chain is trusted: every presented certificate within its
 * validity, the leaf carrying the clientAuth extended key usage, a PKIX path from the leaf to one
 * of the {@code client_ca} anchors with at most {@code verify_depth} intermediates, and no
 * certificate on that path revoked by a configured CRL.
 *
 * <p>BoringSSL calls this through tcnative's custom-verify callback on every full handshake
 * (resumed sessions skip it). Netty turns an {@link OpenSslCertificateException} into the TLS alert
 * that matches its error code, and keeps the exception as the cause of the handshake failure, where
 * {@link HandshakeFailure} reads the reason back. Netty's own verify depth is fixed at 10, so the
 * configured depth is enforced here.
 *
 * <p>Immutable and thread-safe; one instance per TLS context.
 */
final class ClientCertVerifier extends X509ExtendedTrustManager {

    private static final String CLIENT_AUTH_EKU = "1.3.6.1.5.5.7.3.2";

    private final Set<TrustAnchor> anchors;
    private final X509Certificate[] acceptedIssuers;
    private final int verifyDepth;
    private final RevocationIndex revocations;

    ClientCertVerifier(List<X509Certificate> clientCa, int verifyDepth, RevocationIndex revocations) {
        this.anchors = clientCa.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toUnmodifiableSet());
        this.acceptedIssuers = clientCa.toArray(X509Certificate[]::new);
        this.verifyDepth = verifyDepth;
        this.revocations = revocations;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    /** The CertificateRequest's CA list: clients pick a certificate that chains to one of these. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return acceptedIssuers.clone();
    }

    void verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new OpenSslCertificateException("no client certificate", CertificateVerifier.X509_V_ERR_UNSPECIFIED);
        }
        try {
            check(chain);
        } catch (OpenSslCertificateException e) {
            throw new OpenSslCertificateException(e.getMessage(), new RejectedCertificate(chain[0]), e.errorCode());
        }
    }

    private void check(X509Certificate[] chain) throws OpenSslCertificateException {
        for (X509Certificate certificate : chain) {
            checkValidity(certificate);
        }
        X509Certificate leaf = chain[0];
        checkClientAuthUsage(leaf);
        PKIXCertPathBuilderResult result = buildPath(chain);
        @SuppressWarnings("unchecked")
        List<X509Certificate> path = (List<X509Certificate>) result.getCertPath().getCertificates();
        int intermediates = path.size() - 1;
        if (intermediates > verifyDepth) {
            throw rejected("chain has " + intermediates + " intermediates, verify_depth is " + verifyDepth,
                    CertificateVerifier.X509_V_ERR_CERT_CHAIN_TOO_LONG);
        }
        checkRevocation(path, result.getTrustAnchor().getTrustedCert());
    }

    /** Leaf and every intermediate, each against its issuer's CRL (RFC 5280 §6.3). */
    private void checkRevocation(List<X509Certificate> path, X509Certificate anchor) throws OpenSslCertificateException {
        if (revocations.isEmpty()) {
            return;
        }
        for (int i = 0; i < path.size(); i++) {
            revocations.check(path.get(i), i + 1 < path.size() ? path.get(i + 1) : anchor);
        }
    }

    private static void checkValidity(X509Certificate certificate) throws OpenSslCertificateException {
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            throw rejected("certificate expired: " + certificate.getSubjectX500Principal().getName(),
                    CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED);
        } catch (CertificateNotYetValidException e) {
            throw rejected("certificate not yet valid: " + certificate.getSubjectX500Principal().getName(),
                    CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID);
        }
    }

    /** Required, not merely allowed: a server or code-signing certificate must not log in as a client. */
    private static void checkClientAuthUsage(X509Certificate leaf) throws OpenSslCertificateException {
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw rejected("unreadable extended key usage", CertificateVerifier.X509_V_ERR_INVALID_PURPOSE);
        }
        if (usages == null || !usages.contains(CLIENT_AUTH_EKU)) {
            throw rejected("certificate lacks the clientAuth extended key usage",
                    CertificateVerifier.X509_V_ERR_INVALID_PURPOSE);
        }
    }

    /**
     * Builds the path without a length limit so that "too deep" is told apart from "no path":
     * with {@code setMaxPathLength} the builder reports both as the same failure.
     */
    private PKIXCertPathBuilderResult buildPath(X509Certificate[] chain) throws OpenSslCertificateException {
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(chain[0]);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
            parameters.setRevocationEnabled(false);
            parameters.setMaxPathLength(-1);
            parameters.addCertStore(CertStore.getInstance("Collection",
                    new CollectionCertStoreParameters(Arrays.asList(chain))));
            return (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (CertPathBuilderException e) {
            throw rejected("no path to a client_ca anchor", CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        } catch (InvalidAlgorithmParameterException e) {
            throw rejected("invalid path parameters", CertificateVerifier.X509_V_ERR_UNSPECIFIED);
        } catch (GeneralSecurityException e) {
            throw rejected("path building failed", CertificateVerifier.X509_V_ERR_UNSPECIFIED);
        }
    }

    private static OpenSslCertificateException rejected(String message, int errorCode) {
        return new OpenSslCertificateException(message, errorCode);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a server trust decision is never asked of a client verifier");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a server trust decision is never asked of a client verifier");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a server trust decision is never asked of a client verifier");
    }
}

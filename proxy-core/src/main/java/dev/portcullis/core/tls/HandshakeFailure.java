package dev.portcullis.core.tls;

import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.internal.tcnative.CertificateVerifier;

import javax.net.ssl.SSLException;
import java.security.cert.CertificateRevokedException;
import java.util.Locale;

/**
 * Why a TLS handshake failed, as the bounded set of reasons in DESIGN.md's metrics table. The
 * reason is read back from the exception {@link ClientCertVerifier} threw (Netty keeps it as the
 * cause of the handshake failure) or, for failures inside BoringSSL, from the error text.
 */
public enum HandshakeFailure {
    NO_CERTIFICATE,
    UNKNOWN_CA,
    EXPIRED,
    NOT_YET_VALID,
    REVOKED,
    BAD_CERTIFICATE,
    DEPTH_EXCEEDED,
    PROTOCOL,
    TIMEOUT,
    OTHER;

    /** The label value: lowercase with underscores. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HandshakeFailure classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof CertificateRevokedException) {
                return REVOKED;
            }
            if (t instanceof OpenSslCertificateException e) {
                return fromVerifyError(e.errorCode());
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage()).toUpperCase(Locale.ROOT);
            if (message.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || message.contains("CERTIFICATE_REQUIRED")) {
                return NO_CERTIFICATE;
            }
            if (t instanceof SSLException) {
                return PROTOCOL;
            }
        }
        return OTHER;
    }

    private static HandshakeFailure fromVerifyError(int code) {
        if (code == CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED) {
            return EXPIRED;
        }
        if (code == CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID) {
            return NOT_YET_VALID;
        }
        if (code == CertificateVerifier.X509_V_ERR_CERT_REVOKED) {
            return REVOKED;
        }
        if (code == CertificateVerifier.X509_V_ERR_CERT_CHAIN_TOO_LONG) {
            return DEPTH_EXCEEDED;
        }
        if (code == CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) {
            return UNKNOWN_CA;
        }
        return BAD_CERTIFICATE;
    }
}

package dev.portcullis.core.pki;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import static java.util.Objects.requireNonNull;

/** A certificate together with its key pair, as {@link CertificateBuilder} issues it. */
public record IssuedCertificate(X509Certificate certificate, KeyPair keyPair) {

    public IssuedCertificate {
        requireNonNull(certificate, "certificate");
        requireNonNull(keyPair, "keyPair");
    }

    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }
}

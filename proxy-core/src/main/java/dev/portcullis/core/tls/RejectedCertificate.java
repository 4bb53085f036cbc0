package dev.portcullis.core.tls;

import java.security.cert.X509Certificate;

/**
 * Who presented a certificate that {@link ClientCertVerifier} refused: attached as the cause of
 * its exception so that the failure log can name the subject and fingerprint, never the
 * certificate itself. Stackless: it describes, it is not thrown.
 */
final class RejectedCertificate extends Exception {

    private final String subject;
    private final String fingerprint;

    RejectedCertificate(X509Certificate leaf) {
        super(null, null, false, false);
        this.subject = DistinguishedNames.rfc2253(leaf.getSubjectX500Principal());
        this.fingerprint = ClientIdentity.sha256Hex(leaf);
    }

    String subject() {
        return subject;
    }

    String fingerprint() {
        return fingerprint;
    }
}

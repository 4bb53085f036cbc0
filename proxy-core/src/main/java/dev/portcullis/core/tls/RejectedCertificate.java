package dev.portcullis.core.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

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
        this.fingerprint = sha256(leaf);
    }

    String subject() {
        return subject;
    }

    String fingerprint() {
        return fingerprint;
    }

    private static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return "unknown";
        }
    }
}

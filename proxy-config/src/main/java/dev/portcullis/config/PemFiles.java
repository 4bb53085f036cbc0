package dev.portcullis.config;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Reads PEM certificates and private keys. The config validator and the TLS context builder both
 * read through here, so that a file that validates is a file that loads.
 */
public final class PemFiles {

    private PemFiles() {
    }

    /** Every certificate in the file, in file order; at least one. */
    public static List<X509Certificate> readCertificates(Path file) throws PemException {
        throw new UnsupportedOperationException("TODO");
    }

    /** The private key: PKCS#8, PKCS#1 RSA or SEC1 EC. Encrypted keys are refused with a clear message. */
    public static PrivateKey readPrivateKey(Path file) throws PemException {
        throw new UnsupportedOperationException("TODO");
    }

    /** Fails when {@code key} is not the private half of {@code certificate}'s public key. */
    public static void checkKeyMatches(PrivateKey key, X509Certificate certificate) throws PemException {
        throw new UnsupportedOperationException("TODO");
    }
}

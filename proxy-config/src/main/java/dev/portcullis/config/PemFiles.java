package dev.portcullis.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import static java.util.Objects.requireNonNull;

/**
 * Reads PEM certificates and private keys. The config validator and the TLS context builder both
 * read through here, so that a file that validates is a file that loads.
 *
 * <p>Keys are parsed with Bouncy Castle because Netty's own reader takes only PKCS#8 (netty-facts
 * §1, §10). Messages start with {@code file "<path>": }, fit on one line and never carry key
 * material: parser exceptions from a key file are not echoed, since they may quote its content.
 */
public final class PemFiles {

    /** A PEM bundle of a few hundred certificates is far below this; a wrong file is often far above. */
    private static final long MAX_BYTES = 1 << 20;

    private static final String ENCRYPTED =
            "encrypted private keys are not supported; decrypt it with openssl pkey";

    private PemFiles() {
    }

    /** Every certificate in the file, in file order; at least one. Other PEM blocks are skipped. */
    public static List<X509Certificate> readCertificates(Path file) throws PemException {
        requireNonNull(file, "file");
        List<X509Certificate> certificates = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(readText(file)))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (CertificateException | IOException | RuntimeException e) {
            int read = certificates.size();
            throw new PemException(ConfigFiles.prefix(file) + "malformed PEM data" + (read == 0 ? "" : " after certificate " + read));
        }
        if (certificates.isEmpty()) {
            throw new PemException(ConfigFiles.prefix(file) + "no PEM certificate found");
        }
        return List.copyOf(certificates);
    }

    /** The private key: PKCS#8, PKCS#1 RSA or SEC1 EC. Encrypted keys are refused with a clear message. */
    public static PrivateKey readPrivateKey(Path file) throws PemException {
        requireNonNull(file, "file");
        PrivateKeyInfo found = null;
        try (PEMParser parser = new PEMParser(new StringReader(readText(file)))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                PrivateKeyInfo info = null;
                if (o instanceof PEMKeyPair pair) {
                    info = pair.getPrivateKeyInfo(); // PKCS#1 and SEC1; not getKeyPair: SEC1 may lack the public key
                } else if (o instanceof PrivateKeyInfo pkcs8) {
                    info = pkcs8;
                } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new PemException(ConfigFiles.prefix(file) + ENCRYPTED);
                }
                if (info != null && found != null) {
                    throw new PemException(ConfigFiles.prefix(file) + "more than one private key");
                }
                found = info != null ? info : found;
            }
        } catch (IOException | RuntimeException e) {
            throw new PemException(ConfigFiles.prefix(file) + "malformed PEM private key");
        }
        if (found == null) {
            throw new PemException(ConfigFiles.prefix(file) + "no PEM private key found");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(found);
        } catch (IOException | RuntimeException e) {
            throw new PemException(ConfigFiles.prefix(file) + "unsupported or malformed private key");
        }
    }

    /**
     * Fails when {@code key} is not the private half of {@code certificate}'s public key. The
     * message is {@code private key does not match the certificate}; callers add the file names.
     */
    public static void checkKeyMatches(PrivateKey key, X509Certificate certificate) throws PemException {
        requireNonNull(key, "key");
        requireNonNull(certificate, "certificate");
        if (!matches(key, certificate.getPublicKey())) {
            throw new PemException("private key does not match the certificate");
        }
    }

    /**
     * RSA compares moduli; other algorithms sign a random probe with the private key and verify it
     * with the public key, which needs no algorithm-specific math and proves the pair works.
     */
    private static boolean matches(PrivateKey key, PublicKey publicKey) throws PemException {
        if (key instanceof RSAKey rsa) {
            return publicKey instanceof RSAPublicKey rsaPublic && rsa.getModulus().equals(rsaPublic.getModulus());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> throw new PemException("private key algorithm " + key.getAlgorithm()
                    + " cannot be checked against the certificate");
        };
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())
                && !(algorithm.equals("EdDSA") && publicKey.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** The file as text; ISO-8859-1 so that any bytes decode and garbage fails as "no PEM found". */
    private static String readText(Path file) throws PemException {
        return new String(ConfigFiles.read(file, MAX_BYTES, size -> "larger than 1MiB, not a PEM file"),
                StandardCharsets.ISO_8859_1);
    }
}


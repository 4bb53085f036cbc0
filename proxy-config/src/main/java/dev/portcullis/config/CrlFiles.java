package dev.portcullis.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.openssl.PEMParser;

import static java.util.Objects.requireNonNull;

/**
 * Reads and checks the certificate revocation lists of {@code tls.crl}. The config validator and
 * the TLS context builder (first load and every reload) both go through here, so that a file that
 * validates is a file that loads.
 *
 * <p>Messages fit on one line. Those of {@link #read} start with {@code file "<path>": }; those of
 * {@link #check}, which sees CRLs and not files, do not, and the caller prefixes the file it read.
 */
public final class CrlFiles {

    /** A CRL of a large public CA runs to tens of MiB; anything above this is the wrong file. */
    private static final long MAX_BYTES = 64L << 20;

    /** The first byte of DER: a SEQUENCE. PEM starts with text. */
    private static final int DER_SEQUENCE = 0x30;

    /** Bit of {@link X509Certificate#getKeyUsage()} that allows signing CRLs (RFC 5280 §4.2.1.3). */
    private static final int CRL_SIGN = 6;

    private static final String EXPECTED = "expected PEM \"-----BEGIN X509 CRL-----\" blocks or one DER CRL";

    private CrlFiles() {
    }

    /**
     * Every CRL in the file, in file order; at least one. PEM files may hold several
     * {@code X509 CRL} blocks (other blocks and text around them are skipped); a file whose first
     * byte is a DER SEQUENCE is read as DER.
     *
     * @throws PemException when the file is missing, unreadable or holds no well-formed CRL
     */
    public static List<X509CRL> read(Path file) throws PemException {
        requireNonNull(file, "file");
        byte[] bytes = ConfigFiles.read(file, MAX_BYTES, size -> "larger than 64MiB, not a CRL file");
        if (bytes.length == 0) {
            throw new PemException(ConfigFiles.prefix(file) + "empty (" + EXPECTED + ")");
        }
        List<X509CRL> crls = (bytes[0] & 0xff) == DER_SEQUENCE ? readDer(file, bytes) : readPem(file, bytes);
        if (crls.isEmpty()) {
            throw new PemException(ConfigFiles.prefix(file) + "no CRL found (" + EXPECTED + ")");
        }
        return List.copyOf(crls);
    }

    /**
     * Checks CRLs against the {@code client_ca} anchors, as at load and at every reload.
     * <ul>
     *   <li>A CRL whose issuer is the subject of a {@code client_ca} certificate must verify with
     *       that certificate's public key (with any of them, when several share the subject, as in
     *       a CA rollover), and that certificate must allow {@code cRLSign} if it states a key
     *       usage at all.</li>
     *   <li>A CRL whose issuer is no {@code client_ca} subject (an intermediate's CRL) is accepted
     *       here unverified: the intermediate is only known from a client's chain, so the core
     *       verifies the CRL's signature against the intermediate of the client's validated chain
     *       when it is first used.</li>
     *   <li>A CRL past its nextUpdate is stale: an error under {@link TlsConfig.CrlStale#ERROR}, a
     *       returned warning under {@link TlsConfig.CrlStale#WARN}. A CRL without nextUpdate is
     *       never stale.</li>
     * </ul>
     *
     * @return one warning per stale CRL accepted under {@code WARN}; empty otherwise
     * @throws PemException naming the CRL by issuer, e.g.
     *     {@code CRL of "CN=Example CA" is stale (nextUpdate 2026-01-01T00:00:00Z); set tls.crl_stale: warn to use it anyway}
     */
    public static List<String> check(List<X509CRL> crls, List<X509Certificate> clientCa, TlsConfig.CrlStale policy,
            Instant now) throws PemException {
        requireNonNull(crls, "crls");
        requireNonNull(clientCa, "clientCa");
        requireNonNull(policy, "policy");
        requireNonNull(now, "now");
        List<String> warnings = new ArrayList<>();
        for (X509CRL crl : crls) {
            String issuer = issuerName(crl);
            checkSignature(crl, issuer, clientCa);
            Date nextUpdate = crl.getNextUpdate();
            if (nextUpdate != null && nextUpdate.toInstant().isBefore(now)) {
                String stale = "CRL of " + issuer + " is stale (nextUpdate " + nextUpdate.toInstant() + ")";
                if (policy == TlsConfig.CrlStale.ERROR) {
                    throw new PemException(stale + "; set tls.crl_stale: warn to use it anyway");
                }
                warnings.add(stale);
            }
        }
        return List.copyOf(warnings);
    }

    /** {@code "CN=Example CA"}: the issuer in RFC 2253, quoted, as messages name a CRL. */
    static String issuerName(X509CRL crl) {
        return ValueErrors.quoteWhole(crl.getIssuerX500Principal().getName(X500Principal.RFC2253));
    }

    private static void checkSignature(X509CRL crl, String issuer, List<X509Certificate> clientCa)
            throws PemException {
        List<X509Certificate> namesakes = clientCa.stream()
                .filter(c -> c.getSubjectX500Principal().equals(crl.getIssuerX500Principal()))
                .toList();
        if (namesakes.isEmpty()) {
            return; // an intermediate's CRL: verified against the client's chain at first use
        }
        List<X509Certificate> signers = namesakes.stream().filter(c -> verifies(crl, c)).toList();
        if (signers.isEmpty()) {
            throw new PemException("CRL of " + issuer
                    + " has a bad signature (it does not verify with the client_ca certificate of that subject)");
        }
        if (signers.stream().noneMatch(CrlFiles::maySignCrls)) {
            throw new PemException("CRL of " + issuer
                    + " is signed by a client_ca certificate whose key usage does not include cRLSign");
        }
    }

    private static boolean verifies(X509CRL crl, X509Certificate issuer) {
        try {
            crl.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static boolean maySignCrls(X509Certificate certificate) {
        boolean[] keyUsage = certificate.getKeyUsage();
        return keyUsage == null || (keyUsage.length > CRL_SIGN && keyUsage[CRL_SIGN]);
    }

    private static List<X509CRL> readDer(Path file, byte[] bytes) throws PemException {
        Collection<? extends CRL> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes));
        } catch (CRLException | CertificateException | RuntimeException e) {
            throw new PemException(ConfigFiles.prefix(file) + "malformed DER CRL");
        }
        List<X509CRL> crls = new ArrayList<>();
        for (CRL crl : parsed) {
            crls.add((X509CRL) crl);
        }
        return crls;
    }

    private static List<X509CRL> readPem(Path file, byte[] bytes) throws PemException {
        List<X509CRL> crls = new ArrayList<>();
        JcaX509CRLConverter converter = new JcaX509CRLConverter();
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof X509CRLHolder holder) {
                    crls.add(converter.getCRL(holder));
                }
            }
        } catch (CRLException | IOException | RuntimeException e) {
            int read = crls.size();
            throw new PemException(ConfigFiles.prefix(file) + "malformed PEM data" + (read == 0 ? "" : " after CRL " + read));
        }
        return crls;
    }
}

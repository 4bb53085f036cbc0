package dev.portcullis.core.tls;

import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import javax.security.auth.x500.X500Principal;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CRLReason;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The revoked serials of every configured CRL, indexed by issuer and serial, so that a lookup is
 * two hash probes whatever the CRL's size (the JDK's {@link X509CRL#getRevokedCertificate} walks a
 * tree). Built once per TLS generation; immutable apart from the one-time signature check below,
 * and thread-safe.
 *
 * <p>A CRL whose issuer is in {@code client_ca} was verified when it was loaded. One issued by an
 * intermediate that only clients present is verified here, against that intermediate's key, the
 * first time a validated chain brings it. If that signature is wrong, revocation for that issuer
 * cannot be decided, and its certificates are refused (fail closed) with one logged error.
 */
final class RevocationIndex {

    private static final Logger LOG = LogManager.getLogger(RevocationIndex.class);

    static final RevocationIndex EMPTY = new RevocationIndex(List.of(), Set.of());

    private final Map<X500Principal, IssuerCrl> byIssuer;

    /**
     * @param verifiedIssuers issuers whose CRL signatures were checked at load (those in client_ca)
     */
    RevocationIndex(List<X509CRL> crls, Set<X500Principal> verifiedIssuers) {
        Map<X500Principal, IssuerCrl> index = new HashMap<>();
        Map<X500Principal, X509CRL> newest = new HashMap<>();
        for (X509CRL crl : crls) {
            // An old and a new CRL of one issuer may both be configured during a rollover.
            newest.merge(crl.getIssuerX500Principal(), crl,
                    (a, b) -> b.getThisUpdate().after(a.getThisUpdate()) ? b : a);
        }
        for (X509CRL crl : newest.values()) {
            X500Principal issuer = crl.getIssuerX500Principal();
            index.put(issuer, new IssuerCrl(crl, verifiedIssuers.contains(issuer)));
        }
        this.byIssuer = Map.copyOf(index);
    }

    boolean isEmpty() {
        return byIssuer.isEmpty();
    }

    /**
     * Fails when {@code certificate} is revoked by its issuer's CRL.
     *
     * @param issuer the certificate that issued it, when known (verifies an intermediate's CRL
     *               on first use); null when only already-verified CRLs may be consulted
     */
    void check(X509Certificate certificate, X509Certificate issuer) throws OpenSslCertificateException {
        IssuerCrl crl = byIssuer.get(certificate.getIssuerX500Principal());
        if (crl == null || !crl.usable(issuer)) {
            return;
        }
        Revocation revocation = crl.revoked.get(certificate.getSerialNumber());
        if (revocation != null) {
            throw new OpenSslCertificateException("certificate serial " + certificate.getSerialNumber().toString(16)
                    + " revoked on " + revocation.date.toInstant() + " (" + revocation.reason + ")",
                    CertificateVerifier.X509_V_ERR_CERT_REVOKED);
        }
    }

    private record Revocation(Date date, CRLReason reason) {
    }

    private static final class IssuerCrl {

        private final X509CRL crl;
        private final Map<BigInteger, Revocation> revoked;
        private volatile boolean verified;
        private volatile boolean badSignatureLogged;

        IssuerCrl(X509CRL crl, boolean verified) {
            this.crl = crl;
            this.verified = verified;
            Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
            Map<BigInteger, Revocation> bySerial = new HashMap<>(entries == null ? 0 : entries.size() * 4 / 3 + 1);
            if (entries != null) {
                for (X509CRLEntry entry : entries) {
                    CRLReason reason = entry.getRevocationReason();
                    bySerial.put(entry.getSerialNumber(),
                            new Revocation(entry.getRevocationDate(), reason == null ? CRLReason.UNSPECIFIED : reason));
                }
            }
            this.revoked = bySerial;
        }

        /** @return whether the CRL may be consulted; throws when it must be and cannot */
        boolean usable(X509Certificate issuer) throws OpenSslCertificateException {
            if (verified) {
                return true;
            }
            if (issuer == null) {
                return false;
            }
            try {
                crl.verify(issuer.getPublicKey());
                verified = true;
                return true;
            } catch (GeneralSecurityException e) {
                if (!badSignatureLogged) {
                    badSignatureLogged = true;
                    LOG.error("CRL of \"{}\" is not signed by the CA of that name in a client's chain: "
                                    + "refusing certificates of that issuer until the CRL is replaced",
                            crl.getIssuerX500Principal().getName(X500Principal.RFC2253));
                }
                throw new OpenSslCertificateException("unverifiable CRL for the issuer",
                        CertificateVerifier.X509_V_ERR_CRL_SIGNATURE_FAILURE);
            }
        }
    }
}

package dev.portcullis.core.pki;

import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.security.auth.x500.X500Principal;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Issues X.509 certificates with Bouncy Castle: the dev PKI of {@code portcullis certs} and
 * {@code demo}, and every certificate the tests need (expired, no clientAuth EKU, deep chains).
 * Keys are EC P-256 unless {@link #rsa()} is asked for. Not thread-safe; one builder per cert.
 *
 * <pre>{@code
 * IssuedCertificate ca = CertificateBuilder.ca("CN=Dev CA").issue();
 * IssuedCertificate alice = CertificateBuilder.client("CN=alice").sanUri("spiffe://td/alice").issuedBy(ca).issue();
 * }</pre>
 */
public final class CertificateBuilder {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X500Principal subject;
    private final boolean ca;
    private final List<KeyPurposeId> extendedKeyUsages = new ArrayList<>();
    private final List<GeneralName> subjectAltNames = new ArrayList<>();
    private IssuedCertificate issuer;
    private Instant notBefore = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    private Instant notAfter = notBefore.plus(Duration.ofDays(365));
    private BigInteger serial = new BigInteger(64, RANDOM).add(BigInteger.ONE);
    private boolean rsa;

    private CertificateBuilder(String subjectDn, boolean ca) {
        // X500Principal keeps RFC 2253 order in the DER; BC's X500Name would reverse it.
        this.subject = new X500Principal(requireNonNull(subjectDn, "subjectDn"));
        this.ca = ca;
    }

    /** A CA certificate (root unless {@link #issuedBy} is called: then an intermediate). */
    public static CertificateBuilder ca(String subjectDn) {
        return new CertificateBuilder(subjectDn, true);
    }

    /** A leaf with the clientAuth extended key usage. */
    public static CertificateBuilder client(String subjectDn) {
        return new CertificateBuilder(subjectDn, false).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
    }

    /** A leaf with the serverAuth extended key usage. */
    public static CertificateBuilder server(String subjectDn) {
        return new CertificateBuilder(subjectDn, false).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
    }

    /** A leaf with no extended key usage extension unless one is added. */
    public static CertificateBuilder leaf(String subjectDn) {
        return new CertificateBuilder(subjectDn, false);
    }

    public CertificateBuilder issuedBy(IssuedCertificate issuer) {
        this.issuer = requireNonNull(issuer, "issuer");
        return this;
    }

    public CertificateBuilder validity(Instant notBefore, Instant notAfter) {
        this.notBefore = requireNonNull(notBefore, "notBefore");
        this.notAfter = requireNonNull(notAfter, "notAfter");
        return this;
    }

    public CertificateBuilder serial(BigInteger serial) {
        this.serial = requireNonNull(serial, "serial");
        return this;
    }

    public CertificateBuilder extendedKeyUsage(KeyPurposeId purpose) {
        extendedKeyUsages.add(requireNonNull(purpose, "purpose"));
        return this;
    }

    public CertificateBuilder sanDns(String name) {
        subjectAltNames.add(new GeneralName(GeneralName.dNSName, name));
        return this;
    }

    public CertificateBuilder sanIp(String address) {
        subjectAltNames.add(new GeneralName(GeneralName.iPAddress, address));
        return this;
    }

    public CertificateBuilder sanUri(String uri) {
        subjectAltNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        return this;
    }

    public CertificateBuilder sanEmail(String email) {
        subjectAltNames.add(new GeneralName(GeneralName.rfc822Name, email));
        return this;
    }

    /** Use an RSA 2048 key instead of EC P-256. */
    public CertificateBuilder rsa() {
        this.rsa = true;
        return this;
    }

    public IssuedCertificate issue() {
        try {
            KeyPair keyPair = newKeyPair(rsa);
            X500Principal issuerName = issuer == null ? subject : issuer.certificate().getSubjectX500Principal();
            KeyPair signingKeys = issuer == null ? keyPair : issuer.keyPair();
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();

            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, serial,
                    java.util.Date.from(notBefore), java.util.Date.from(notAfter), subject, keyPair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca
                    ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (!extendedKeyUsages.isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(extendedKeyUsages.toArray(KeyPurposeId[]::new)));
            }
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
            if (issuer != null) {
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        extensions.createAuthorityKeyIdentifier(issuer.certificate()));
            }
            String algorithm = signingKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            var signer = new JcaContentSignerBuilder(algorithm).build(signingKeys.getPrivate());
            return new IssuedCertificate(new JcaX509CertificateConverter().getCertificate(builder.build(signer)), keyPair);
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue certificate for " + subject, e);
        }
    }

    private static KeyPair newKeyPair(boolean rsa) throws GeneralSecurityException {
        if (rsa) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }
}

package dev.portcullis.testing;

import dev.portcullis.core.pki.IssuedCertificate;

import javax.security.auth.x500.X500Principal;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What a {@link TlsTestClient} presents and trusts: the client certificate (or none), the exact chain
 * it sends in its Certificate message (leaf first: leaf only, or leaf plus intermediates), and the
 * roots it trusts for the <em>server's</em> certificate. {@link TestPki} hands these out; the chain
 * presented is decided here, not by the server's CA list, so a test can present a leaf without
 * its intermediate, or a certificate the server never asked for.
 *
 * @param identity     the client certificate and its key, or null to present no certificate
 * @param chain        the certificates sent, leaf first; empty when {@code identity} is null
 * @param serverTrust  roots trusted for the server certificate; empty trusts any server
 */
public record ClientCredentials(IssuedCertificate identity, List<X509Certificate> chain,
                                List<X509Certificate> serverTrust) {

    public ClientCredentials {
        chain = List.copyOf(chain);
        serverTrust = List.copyOf(serverTrust);
        if (identity == null && !chain.isEmpty()) {
            throw new IllegalArgumentException("a chain without a key to prove it");
        }
        if (identity != null && (chain.isEmpty() || !chain.get(0).equals(identity.certificate()))) {
            throw new IllegalArgumentException("the chain must start with the identity's certificate");
        }
    }

    /** Presents {@code leaf} followed by {@code intermediates}, trusting {@code serverTrust}. */
    public static ClientCredentials of(IssuedCertificate leaf, List<X509Certificate> serverTrust,
                                       X509Certificate... intermediates) {
        requireNonNull(leaf, "leaf");
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf.certificate());
        chain.addAll(List.of(intermediates));
        return new ClientCredentials(leaf, chain, serverTrust);
    }

    /** Presents no client certificate, trusting {@code serverTrust}. */
    public static ClientCredentials anonymous(List<X509Certificate> serverTrust) {
        return new ClientCredentials(null, List.of(), serverTrust);
    }

    /** The same identity, presenting the leaf alone (its intermediates are left out). */
    public ClientCredentials leafOnly() {
        return identity == null ? this : new ClientCredentials(identity, List.of(identity.certificate()), serverTrust);
    }

    /** The same identity, presenting exactly {@code chain} (must start with the leaf). */
    public ClientCredentials presenting(List<X509Certificate> chain) {
        return new ClientCredentials(identity, chain, serverTrust);
    }

    /** Trusting other roots for the server certificate. */
    public ClientCredentials trusting(List<X509Certificate> roots) {
        return new ClientCredentials(identity, chain, roots);
    }

    public boolean presentsCertificate() {
        return identity != null;
    }

    /** The leaf certificate, when one is presented. */
    public Optional<X509Certificate> certificate() {
        return Optional.ofNullable(identity).map(IssuedCertificate::certificate);
    }

    public PrivateKey privateKey() {
        return identity == null ? null : identity.privateKey();
    }

    /** RFC 2253 subject of the leaf, as {@code X-Client-DN} must carry it. */
    public String subjectDn() {
        return leaf().getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** RFC 2253 issuer of the leaf, as {@code X-Client-Issuer-DN} must carry it. */
    public String issuerDn() {
        return leaf().getIssuerX500Principal().getName(X500Principal.RFC2253);
    }

    /** Lowercase hex SHA-256 of the leaf DER, as {@code X-Client-Fingerprint} must carry it. */
    public String fingerprint() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf().getEncoded()));
        } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lowercase hex serial without leading zeros, as {@code X-Client-Serial} must carry it. */
    public String serialHex() {
        return leaf().getSerialNumber().toString(16);
    }

    private X509Certificate leaf() {
        if (identity == null) {
            throw new IllegalStateException("no client certificate is presented");
        }
        return identity.certificate();
    }

    @Override
    public String toString() {
        return identity == null ? "ClientCredentials[no certificate]"
                : "ClientCredentials[" + subjectDn() + ", chain of " + chain.size() + "]";
    }
}

package dev.portcullis.testing;

import dev.portcullis.core.pki.CertificateBuilder;
import dev.portcullis.core.pki.IssuedCertificate;
import dev.portcullis.core.pki.PemWriter;

import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One standard test PKI, generated once per test class (EC P-256, a few milliseconds per key).
 *
 * <pre>
 * Portcullis Test Root CA                     (client_ca anchor; clients trust it for the server)
 * ├── Portcullis Test Client CA               (intermediate: issues alice and the other clients)
 * │   └── CN=alice,OU=eng,O=Example          validClient(): presents leaf + Client CA
 * └── Portcullis Test Server CA               (intermediate: issues only the server cert)
 *     └── CN=localhost                        server chain file: leaf + Server CA
 * </pre>
 *
 * The server certificate hangs off its own intermediate on purpose: no certificate the server
 * holds can accidentally complete a client chain, so "client left out its intermediate" tests
 * really test that ({@link #clientIssuedByIntermediateWithoutChain()} must fail with
 * {@code unknown_ca} while {@code client_ca} holds only the root).
 *
 * <p>Every certificate is issued lazily and cached, so repeated calls return the same
 * certificate. Thread-safe.
 */
public final class TestPki {

    public static final String VALID_CLIENT_DN = "CN=alice,OU=eng,O=Example";
    public static final String VALID_CLIENT_SAN_URI = "spiffe://example.org/alice";
    public static final String VALID_CLIENT_SAN_DNS = "alice.example.org";
    public static final String VALID_CLIENT_SAN_EMAIL = "alice@example.org";

    /** File names {@link #writeServerFiles} uses. */
    public static final String SERVER_CERT_FILE = "server.crt";
    public static final String SERVER_KEY_FILE = "server.key";
    public static final String CLIENT_CA_FILE = "client-ca.crt";

    private final IssuedCertificate root;
    private final IssuedCertificate clientCa;
    private final IssuedCertificate serverCa;
    private final IssuedCertificate server;
    private final Map<String, ClientCredentials> clients = new HashMap<>();
    private IssuedCertificate unknownRoot;

    private TestPki() {
        root = CertificateBuilder.ca("CN=Portcullis Test Root CA,O=Portcullis Tests").issue();
        clientCa = CertificateBuilder.ca("CN=Portcullis Test Client CA,O=Portcullis Tests").issuedBy(root).issue();
        serverCa = CertificateBuilder.ca("CN=Portcullis Test Server CA,O=Portcullis Tests").issuedBy(root).issue();
        server = CertificateBuilder.server("CN=localhost,O=Portcullis Tests")
                .sanDns("localhost").sanIp("127.0.0.1").issuedBy(serverCa).issue();
    }

    /** Generates a fresh PKI (root, two intermediates, server certificate). */
    public static TestPki create() {
        return new TestPki();
    }

    // ---- CAs and server -------------------------------------------------------------------

    /** The root: the client trust anchor and the root clients trust for the server. */
    public IssuedCertificate root() {
        return root;
    }

    /** The intermediate that issues the client certificates. */
    public IssuedCertificate intermediate() {
        return clientCa;
    }

    /** The intermediate that issues the server certificate (never a client). */
    public IssuedCertificate serverIntermediate() {
        return serverCa;
    }

    /** The server leaf: {@code CN=localhost}, SANs DNS:localhost and IP:127.0.0.1, serverAuth. */
    public IssuedCertificate server() {
        return server;
    }

    /** The chain in {@code tls.cert}: leaf then the Server CA (the root is not sent). */
    public List<X509Certificate> serverChain() {
        return List.of(server.certificate(), serverCa.certificate());
    }

    /** The roots a client trusts for the server: this PKI's root only. */
    public List<X509Certificate> serverTrust() {
        return List.of(root.certificate());
    }

    // ---- clients --------------------------------------------------------------------------

    /**
     * {@code CN=alice,OU=eng,O=Example}; SANs in this order: URI spiffe://example.org/alice,
     * DNS alice.example.org, email alice@example.org; issued by the Client CA; presents leaf +
     * Client CA.
     */
    public synchronized ClientCredentials validClient() {
        return clients.computeIfAbsent("valid", k -> ClientCredentials.of(alice(CertificateBuilder.client(VALID_CLIENT_DN))
                .issuedBy(clientCa).issue(), serverTrust(), clientCa.certificate()));
    }

    /** Presents no client certificate (still trusts the root for the server). */
    public ClientCredentials noClientCert() {
        return ClientCredentials.anonymous(serverTrust());
    }

    /** Alice-like, issued by a root the proxy does not know; presents the leaf alone. */
    public synchronized ClientCredentials clientFromUnknownCa() {
        return clients.computeIfAbsent("unknown-ca", k -> {
            IssuedCertificate leaf = alice(CertificateBuilder.client("CN=mallory,OU=eng,O=Example"))
                    .issuedBy(unknownRoot()).issue();
            return ClientCredentials.of(leaf, serverTrust());
        });
    }

    /** A self-signed client certificate (reason {@code unknown_ca}). */
    public synchronized ClientCredentials selfSignedClient() {
        return clients.computeIfAbsent("self-signed", k -> ClientCredentials.of(
                CertificateBuilder.client("CN=selfie,OU=eng,O=Example").issue(), serverTrust()));
    }

    /** Issued by the Client CA, expired yesterday (valid from 30 days ago); presents the chain. */
    public synchronized ClientCredentials expiredClient() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return clients.computeIfAbsent("expired", k -> issueClient("CN=expired,OU=eng,O=Example",
                b -> b.validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)))));
    }

    /** Issued by the Client CA, valid only from tomorrow; presents the chain. */
    public synchronized ClientCredentials notYetValidClient() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return clients.computeIfAbsent("not-yet-valid", k -> issueClient("CN=future,OU=eng,O=Example",
                b -> b.validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)))));
    }

    /** Issued by the Client CA with EKU serverAuth only (no clientAuth); presents the chain. */
    public synchronized ClientCredentials clientWithoutClientAuthEku() {
        return clients.computeIfAbsent("no-client-eku", k -> ClientCredentials.of(
                CertificateBuilder.server("CN=server-only,OU=eng,O=Example").issuedBy(clientCa).issue(),
                serverTrust(), clientCa.certificate()));
    }

    /** {@link #validClient()}'s certificate presented without the Client CA (client_ca = root only: unknown_ca). */
    public ClientCredentials clientIssuedByIntermediateWithoutChain() {
        return validClient().leafOnly();
    }

    /**
     * A client {@code CN=depth-N} under a chain of {@code intermediates} fresh CAs below the root
     * (0: issued by the root itself), presenting the leaf and every intermediate, nearest first.
     * With {@code tls.verify_depth: d}, depth {@code d} passes and {@code d + 1} fails.
     */
    public synchronized ClientCredentials clientChain(int intermediates) {
        if (intermediates < 0) {
            throw new IllegalArgumentException("intermediates: " + intermediates);
        }
        return clients.computeIfAbsent("chain-" + intermediates, k -> {
            IssuedCertificate issuer = root;
            List<X509Certificate> cas = new ArrayList<>();
            for (int i = 1; i <= intermediates; i++) {
                issuer = CertificateBuilder.ca("CN=Portcullis Test Chain CA " + i + " of " + intermediates
                        + ",O=Portcullis Tests").issuedBy(issuer).issue();
                cas.add(0, issuer.certificate());
            }
            IssuedCertificate leaf = CertificateBuilder.client("CN=depth-" + intermediates + ",OU=eng,O=Example")
                    .issuedBy(issuer).issue();
            return ClientCredentials.of(leaf, serverTrust(), cas.toArray(X509Certificate[]::new));
        });
    }

    /**
     * A new (uncached) client issued by the Client CA, presenting leaf + Client CA. The builder
     * starts as {@code CertificateBuilder.client(subjectDn).issuedBy(intermediate())}.
     */
    public ClientCredentials issueClient(String subjectDn, UnaryOperator<CertificateBuilder> customizer) {
        IssuedCertificate leaf = customizer.apply(CertificateBuilder.client(subjectDn).issuedBy(clientCa)).issue();
        return ClientCredentials.of(leaf, serverTrust(), clientCa.certificate());
    }

    private static CertificateBuilder alice(CertificateBuilder builder) {
        return builder.sanUri(VALID_CLIENT_SAN_URI).sanDns(VALID_CLIENT_SAN_DNS).sanEmail(VALID_CLIENT_SAN_EMAIL);
    }

    private IssuedCertificate unknownRoot() {
        if (unknownRoot == null) {
            unknownRoot = CertificateBuilder.ca("CN=Unknown Test Root CA,O=Elsewhere").issue();
        }
        return unknownRoot;
    }

    // ---- files ----------------------------------------------------------------------------

    /** Which anchors {@code client_ca} holds. */
    public enum ClientCaFile {
        /** The root alone: clients must send their intermediate. */
        ROOT_ONLY,
        /** Root and Client CA: a leaf-only client chain verifies too. */
        ROOT_AND_INTERMEDIATE
    }

    /** Paths of the files {@link #writeServerFiles} wrote. */
    public record ServerFiles(Path cert, Path key, Path clientCa) {
    }

    /** Writes {@code server.crt} (leaf + Server CA), {@code server.key} (PKCS#8) and {@code client-ca.crt}. */
    public ServerFiles writeServerFiles(Path dir, ClientCaFile clientCaFile) {
        return new ServerFiles(writeServerCertChain(dir.resolve(SERVER_CERT_FILE)),
                writeServerKey(dir.resolve(SERVER_KEY_FILE)),
                writeClientCa(dir.resolve(CLIENT_CA_FILE), clientCaFile));
    }

    public Path writeServerCertChain(Path file) {
        return write(file, PemWriter.certificates(serverChain()));
    }

    public Path writeServerKey(Path file) {
        try {
            PemWriter.writePrivateKey(file, server.privateKey());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path writeClientCa(Path file, ClientCaFile clientCaFile) {
        List<X509Certificate> anchors = clientCaFile == ClientCaFile.ROOT_ONLY
                ? List.of(root.certificate())
                : List.of(root.certificate(), clientCa.certificate());
        return write(file, PemWriter.certificates(anchors));
    }

    // ---- revocation -----------------------------------------------------------------------

    /** A PEM CRL signed by {@code issuer}, valid for a week, revoking {@code serials}. */
    public static Path writeCrl(Path file, IssuedCertificate issuer, BigInteger... serials) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return writeCrl(file, issuer, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7)), List.of(serials));
    }

    /** A PEM CRL signed by {@code issuer} with the given validity, revoking {@code serials}. */
    public static Path writeCrl(Path file, IssuedCertificate issuer, Instant thisUpdate, Instant nextUpdate,
                                Collection<BigInteger> serials) {
        try {
            JcaX509v2CRLBuilder builder = new JcaX509v2CRLBuilder(issuer.certificate(), Date.from(thisUpdate));
            builder.setNextUpdate(Date.from(nextUpdate));
            Date revokedAt = Date.from(thisUpdate);
            for (BigInteger serial : serials) {
                builder.addCRLEntry(serial, revokedAt, CRLReason.keyCompromise);
            }
            String algorithm = issuer.privateKey().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            X509CRL crl = new JcaX509CRLConverter().getCRL(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(issuer.privateKey())));
            StringWriter pem = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
                writer.writeObject(crl);
            }
            return write(file, pem.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build CRL", e);
        }
    }

    private static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

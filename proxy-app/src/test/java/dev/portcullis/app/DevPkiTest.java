package dev.portcullis.app;

import dev.portcullis.config.PemFiles;
import dev.portcullis.core.pki.DevPki;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.security.auth.x500.X500Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class DevPkiTest {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    @TempDir
    Path dir;

    @Test
    void writesSixPemFilesWithPrivateKeysReadableOnlyByTheOwner() throws Exception {
        DevPki pki = DevPki.write(dir.resolve("new/sub"));

        assertThat(pki.files()).extracting(f -> f.getFileName().toString())
                .containsExactly("ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key");
        assertThat(pki.files()).allMatch(Files::isRegularFile);
        for (Path key : List.of(pki.caKey(), pki.serverKey(), pki.clientKey())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                    .as("%s holds a private key", key.getFileName())
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void clientCertificateChainsToTheCaAndCarriesTheDocumentedIdentity() throws Exception {
        DevPki pki = DevPki.write(dir);
        X509Certificate ca = Pem.certificate(pki.caCert());
        X509Certificate client = Pem.certificate(pki.clientCert());

        validate(client, ca);
        assertThat(client.getSubjectX500Principal().getName(X500Principal.RFC2253))
                .isEqualTo("CN=dev-client,O=Portcullis Dev");
        assertThat(client.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(client.getSubjectAlternativeNames())
                .containsExactly(List.of(SAN_URI, "spiffe://portcullis.dev/client"));
        assertKeyMatches(Pem.privateKey(pki.clientKey()), client);
    }

    @Test
    void serverCertificateCoversLocalhostOverDnsIpv4AndIpv6() throws Exception {
        DevPki pki = DevPki.write(dir);
        X509Certificate ca = Pem.certificate(pki.caCert());
        List<X509Certificate> chain = Pem.certificates(pki.serverCert());

        assertThat(chain).as("the chain is the leaf; the root stays the client's trust anchor").hasSize(1);
        X509Certificate server = chain.get(0);
        validate(server, ca);
        assertThat(server.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(server.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(SAN_DNS, "localhost"), List.of(SAN_IP, "127.0.0.1"), List.of(SAN_IP, "0:0:0:0:0:0:0:1"));
        assertKeyMatches(Pem.privateKey(pki.serverKey()), server);
    }

    @Test
    void leavesLastAboutNinetyDaysAndTheCaAboutAYear() throws Exception {
        DevPki pki = DevPki.write(dir);

        assertThat(lifetime(Pem.certificate(pki.caCert()))).isBetween(Duration.ofDays(364), Duration.ofDays(366));
        assertThat(lifetime(Pem.certificate(pki.serverCert()))).isBetween(Duration.ofDays(89), Duration.ofDays(91));
        assertThat(lifetime(Pem.certificate(pki.clientCert()))).isBetween(Duration.ofDays(89), Duration.ofDays(91));
        assertThat(Pem.certificate(pki.serverCert()).getNotBefore().toInstant())
                .as("valid right away").isBefore(Instant.now());
    }

    @Test
    void writingAgainReplacesThePki() throws Exception {
        DevPki first = DevPki.write(dir);
        X509Certificate before = Pem.certificate(first.caCert());

        DevPki second = DevPki.write(dir);

        assertThat(Pem.certificate(second.caCert())).isNotEqualTo(before);
        validate(Pem.certificate(second.clientCert()), Pem.certificate(second.caCert()));
    }

    @Test
    void filesLoadThroughTheConfigPemReader() throws Exception {
        DevPki pki = DevPki.write(dir);
        try {
            PemFiles.checkKeyMatches(PemFiles.readPrivateKey(pki.serverKey()),
                    PemFiles.readCertificates(pki.serverCert()).get(0));
            PemFiles.checkKeyMatches(PemFiles.readPrivateKey(pki.clientKey()),
                    PemFiles.readCertificates(pki.clientCert()).get(0));
            assertThat(PemFiles.readCertificates(pki.caCert())).hasSize(1);
        } catch (UnsupportedOperationException notYet) {
            Assumptions.abort("PemFiles is not implemented yet");
        }
    }

    private static void validate(X509Certificate leaf, X509Certificate ca) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }

    private static void assertKeyMatches(PrivateKey key, X509Certificate certificate) throws Exception {
        byte[] data = "portcullis".getBytes();
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(data);
        assertThat(verifier.verify(signature)).as("key file belongs to the certificate").isTrue();
    }

    private static Duration lifetime(X509Certificate certificate) {
        return Duration.between(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
    }
}

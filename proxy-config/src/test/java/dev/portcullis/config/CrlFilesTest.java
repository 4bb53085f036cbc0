package dev.portcullis.config;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CrlFilesTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    static Path dir;

    static X509Certificate ca;
    static PrivateKey caKey;
    static PrivateKey otherKey;
    static X509CRL current;

    @BeforeAll
    static void writePki() throws Exception {
        TestPki.writeServerFiles(dir);
        ca = PemFiles.readCertificates(dir.resolve("ca.crt")).get(0);
        caKey = PemFiles.readPrivateKey(dir.resolve("ca.key"));
        otherKey = PemFiles.readPrivateKey(dir.resolve("other.key"));
        current = TestPki.crl(ca.getSubjectX500Principal(), caKey, NOW.minus(Duration.ofHours(1)),
                NOW.plus(Duration.ofDays(7)), BigInteger.valueOf(42));
    }

    @Test
    void pemAndDerReadToTheSameCrl() throws Exception {
        List<X509CRL> pem = CrlFiles.read(dir.resolve("ca.crl"));
        List<X509CRL> der = CrlFiles.read(dir.resolve("ca-crl.der"));

        assertThat(TestPki.read(dir.resolve("ca.crl"))).startsWith("-----BEGIN X509 CRL-----");
        assertThat(Files.readAllBytes(dir.resolve("ca-crl.der"))[0]).as("DER starts with a SEQUENCE").isEqualTo((byte) 0x30);
        assertThat(pem).hasSize(1);
        assertThat(der).hasSize(1);
        assertThat(der.get(0).getEncoded()).isEqualTo(pem.get(0).getEncoded());
        assertThat(pem.get(0).getRevokedCertificate(BigInteger.valueOf(0x1001))).as("the revoked serial survives").isNotNull();
    }

    @Test
    void aPemFileMayHoldSeveralCrlsAmongOtherText() throws Exception {
        X509CRL other = TestPki.crl(new X500Principal("CN=Intermediate"), otherKey, NOW, NOW.plus(Duration.ofDays(1)));
        Path file = Files.writeString(dir.resolve("bundle.crl"),
                "Certificate Revocation List (CRL):\n  text that openssl crl -text prints\n"
                        + TestPki.pem(current, other) + TestPki.read(dir.resolve("ca.crt")),
                StandardCharsets.US_ASCII);

        List<X509CRL> crls = CrlFiles.read(file);

        assertThat(crls).extracting(crl -> crl.getIssuerX500Principal().getName())
                .containsExactly("CN=Test Client CA", "CN=Intermediate");
    }

    @Test
    void aCertificateIsNotACrl() {
        Path file = dir.resolve("ca.crt");

        assertThatThrownBy(() -> CrlFiles.read(file))
                .isInstanceOf(PemException.class)
                .hasMessage("file \"" + file + "\": no CRL found (expected PEM \"-----BEGIN X509 CRL-----\" blocks or one DER CRL)");
    }

    @Test
    void aDerCertificateIsAMalformedDerCrl() throws Exception {
        Path file = Files.write(dir.resolve("ca.der"), ca.getEncoded());

        assertThatThrownBy(() -> CrlFiles.read(file)).hasMessage("file \"" + file + "\": malformed DER CRL");
    }

    @Test
    void brokenBase64InsideACrlBlockIsMalformedPem() throws Exception {
        Path file = Files.writeString(dir.resolve("broken.crl"),
                TestPki.pem(current) + "-----BEGIN X509 CRL-----\nMIIB!!notbase64\n-----END X509 CRL-----\n");

        assertThatThrownBy(() -> CrlFiles.read(file)).hasMessage("file \"" + file + "\": malformed PEM data after CRL 1");
    }

    @Test
    void emptyAndMissingFilesAreRefused() throws Exception {
        Path empty = Files.write(dir.resolve("empty.crl"), new byte[0]);

        assertThatThrownBy(() -> CrlFiles.read(empty)).hasMessage("file \"" + empty
                + "\": empty (expected PEM \"-----BEGIN X509 CRL-----\" blocks or one DER CRL)");
        assertThatThrownBy(() -> CrlFiles.read(dir.resolve("nope.crl")))
                .hasMessage("file \"" + dir.resolve("nope.crl") + "\": not found");
    }

    @Test
    void aCrlSignedByTheClientCaPasses() throws Exception {
        assertThat(CrlFiles.check(List.of(current), List.of(ca), TlsConfig.CrlStale.ERROR, NOW)).isEmpty();
    }

    @Test
    void aCrlClaimingTheClientCaSubjectButSignedByAnotherKeyIsRefused() throws Exception {
        X509CRL forged = TestPki.crl(ca.getSubjectX500Principal(), otherKey, NOW, NOW.plus(Duration.ofDays(1)));

        assertThatThrownBy(() -> CrlFiles.check(List.of(current, forged), List.of(ca), TlsConfig.CrlStale.WARN, NOW))
                .isInstanceOf(PemException.class)
                .hasMessage("CRL of \"CN=Test Client CA\" has a bad signature "
                        + "(it does not verify with the client_ca certificate of that subject)");
    }

    @Test
    void duringACaRolloverAnyCertificateWithTheSubjectMayHaveSignedTheCrl() throws Exception {
        TestPki.selfSigned(dir.resolve("other.key"), "/CN=Test Client CA", dir.resolve("rollover.crt"));
        X509Certificate newCa = PemFiles.readCertificates(dir.resolve("rollover.crt")).get(0);
        X509CRL byNewKey = TestPki.crl(ca.getSubjectX500Principal(), otherKey, NOW, NOW.plus(Duration.ofDays(1)));

        assertThat(CrlFiles.check(List.of(current, byNewKey), List.of(ca, newCa), TlsConfig.CrlStale.ERROR, NOW))
                .isEmpty();
    }

    @Test
    void aClientCaCertificateWhoseKeyUsageLacksCrlSignMayNotSignCrls() throws Exception {
        TestPki.selfSigned(dir.resolve("ca.key"), "/CN=Test Client CA", dir.resolve("no-crl-sign.crt"),
                "keyUsage=critical,keyCertSign");
        X509Certificate noCrlSign = PemFiles.readCertificates(dir.resolve("no-crl-sign.crt")).get(0);

        assertThat(noCrlSign.getKeyUsage()).as("fixture: keyCertSign only").isNotNull();
        assertThatThrownBy(() -> CrlFiles.check(List.of(current), List.of(noCrlSign), TlsConfig.CrlStale.ERROR, NOW))
                .hasMessage("CRL of \"CN=Test Client CA\" is signed by a client_ca certificate "
                        + "whose key usage does not include cRLSign");
    }

    @Test
    void aCrlOfAnIssuerNotInClientCaIsLeftForTheChainToVerify() throws Exception {
        X509CRL intermediate = TestPki.crl(new X500Principal("CN=Some Intermediate"), otherKey, NOW,
                NOW.plus(Duration.ofDays(1)));

        assertThat(CrlFiles.check(List.of(intermediate), List.of(ca), TlsConfig.CrlStale.ERROR, NOW)).isEmpty();
    }

    @Test
    void aStaleCrlFailsUnderErrorAndWarnsUnderWarn() throws Exception {
        X509CRL stale = TestPki.crl(ca.getSubjectX500Principal(), caKey, Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2026-02-01T00:00:00Z"));

        assertThatThrownBy(() -> CrlFiles.check(List.of(stale), List.of(ca), TlsConfig.CrlStale.ERROR, NOW))
                .hasMessage("CRL of \"CN=Test Client CA\" is stale (nextUpdate 2026-02-01T00:00:00Z); "
                        + "set tls.crl_stale: warn to use it anyway");
        assertThat(CrlFiles.check(List.of(stale), List.of(ca), TlsConfig.CrlStale.WARN, NOW))
                .containsExactly("CRL of \"CN=Test Client CA\" is stale (nextUpdate 2026-02-01T00:00:00Z)");
    }

    @Test
    void aCrlWithoutNextUpdateIsNeverStale() throws Exception {
        X509CRL open = TestPki.crl(ca.getSubjectX500Principal(), caKey, Instant.parse("2020-01-01T00:00:00Z"), null);

        assertThat(open.getNextUpdate()).isNull();
        assertThat(CrlFiles.check(List.of(open), List.of(ca), TlsConfig.CrlStale.ERROR, NOW)).isEmpty();
    }
}

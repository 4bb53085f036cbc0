package dev.portcullis.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PemFilesTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pkcs8-ec", "pkcs1-rsa", "sec1-ec-with-parameters", "sec1-ec-without-parameters"})
    void everyUnencryptedKeyFormatLoadsAndMatchesItsCertificate(String format) throws Exception {
        Path key = dir.resolve("tls.key");
        keyWriter(format).accept(key);
        TestPki.selfSigned(key, "/CN=localhost", dir.resolve("tls.crt"));
        Files.copy(dir.resolve("tls.crt"), dir.resolve("ca.crt"));
        Path config = Files.writeString(dir.resolve("portcullis.yaml"),
                "tls:\n  cert: tls.crt\n  key: tls.key\n  client_ca: ca.crt\n");

        PrivateKey privateKey = PemFiles.readPrivateKey(key);

        assertThat(privateKey.getAlgorithm()).isEqualTo(format.endsWith("rsa") ? "RSA" : "EC");
        PemFiles.checkKeyMatches(privateKey, PemFiles.readCertificates(dir.resolve("tls.crt")).get(0));
        assertThat(ConfigLoader.load(config, name -> null).tls().key()).isEqualTo(key);
    }

    @Test
    void keyFormatsReallyDifferOnDisk() {
        TestPki.pkcs1Rsa(dir.resolve("rsa.key"));
        TestPki.sec1Ec(dir.resolve("ec.key"), true);
        TestPki.pkcs8Ec(dir.resolve("p8.key"));

        assertThat(TestPki.read(dir.resolve("rsa.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(TestPki.read(dir.resolve("ec.key"))).startsWith("-----BEGIN EC PARAMETERS-----")
                .contains("-----BEGIN EC PRIVATE KEY-----");
        assertThat(TestPki.read(dir.resolve("p8.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void anRsaKeyFromAnotherPairDoesNotMatch() throws Exception {
        TestPki.pkcs1Rsa(dir.resolve("a.key"));
        TestPki.pkcs1Rsa(dir.resolve("b.key"));
        TestPki.selfSigned(dir.resolve("a.key"), "/CN=a", dir.resolve("a.crt"));
        X509Certificate certificate = PemFiles.readCertificates(dir.resolve("a.crt")).get(0);

        assertThatThrownBy(() -> PemFiles.checkKeyMatches(PemFiles.readPrivateKey(dir.resolve("b.key")), certificate))
                .isInstanceOf(PemException.class)
                .hasMessage("private key does not match the certificate");
    }

    @Test
    void anEcKeyDoesNotMatchAnRsaCertificate() throws Exception {
        TestPki.pkcs1Rsa(dir.resolve("rsa.key"));
        TestPki.selfSigned(dir.resolve("rsa.key"), "/CN=rsa", dir.resolve("rsa.crt"));
        TestPki.pkcs8Ec(dir.resolve("ec.key"));

        assertThatThrownBy(() -> PemFiles.checkKeyMatches(PemFiles.readPrivateKey(dir.resolve("ec.key")),
                PemFiles.readCertificates(dir.resolve("rsa.crt")).get(0)))
                .hasMessage("private key does not match the certificate");
    }

    @Test
    void aChainIsReadInFileOrder() throws Exception {
        TestPki.pkcs8Ec(dir.resolve("a.key"));
        TestPki.selfSigned(dir.resolve("a.key"), "/CN=leaf", dir.resolve("a.crt"));
        TestPki.selfSigned(dir.resolve("a.key"), "/CN=next", dir.resolve("b.crt"));
        Path chain = Files.writeString(dir.resolve("chain.crt"),
                TestPki.read(dir.resolve("a.crt")) + TestPki.read(dir.resolve("b.crt")));

        List<X509Certificate> certificates = PemFiles.readCertificates(chain);

        assertThat(certificates).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=leaf", "CN=next");
    }

    @Test
    void garbageIsNoCertificateAndNoKey() throws Exception {
        Path garbage = Files.write(dir.resolve("garbage.pem"), new byte[] {0, 1, 2, (byte) 0xff, '\n'});

        assertThatThrownBy(() -> PemFiles.readCertificates(garbage))
                .hasMessage("file \"" + garbage + "\": no PEM certificate found");
        assertThatThrownBy(() -> PemFiles.readPrivateKey(garbage))
                .hasMessage("file \"" + garbage + "\": no PEM private key found");
    }

    @Test
    void aCorruptKeyBlockIsReportedWithoutItsContent() throws Exception {
        Path corrupt = Files.writeString(dir.resolve("corrupt.key"),
                "-----BEGIN PRIVATE KEY-----\nTUlJQ1NFQ1JFVA==\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> PemFiles.readPrivateKey(corrupt))
                .isInstanceOf(PemException.class)
                .message().startsWith("file \"" + corrupt + "\": ").doesNotContain("TUlJ");
    }

    private static Consumer<Path> keyWriter(String format) {
        return switch (format) {
            case "pkcs8-ec" -> TestPki::pkcs8Ec;
            case "pkcs1-rsa" -> TestPki::pkcs1Rsa;
            case "sec1-ec-with-parameters" -> key -> TestPki.sec1Ec(key, true);
            default -> key -> TestPki.sec1Ec(key, false);
        };
    }
}

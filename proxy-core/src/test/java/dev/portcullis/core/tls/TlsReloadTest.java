package dev.portcullis.core.tls;

import dev.portcullis.core.pki.CertificateBuilder;
import dev.portcullis.core.pki.IssuedCertificate;
import dev.portcullis.core.pki.PemWriter;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.TestPki;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Certificates rotate without a restart: a good change is served to new handshakes within
 * seconds, a bad one keeps the old material serving, is logged once naming the file, and counted.
 */
class TlsReloadTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().runForEachTest(true).build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void replacedServerCertificateIsServedToNewHandshakes() throws Exception {
        IssuedCertificate renewed = renewedServerCertificate(Instant.now().plus(Duration.ofDays(30)));
        Path cert = proxy.config().tls().cert();
        Path key = proxy.config().tls().key();

        writeAtomically(key, PemWriter.privateKey(renewed.privateKey()));
        writeAtomically(cert, PemWriter.certificates(java.util.List.of(renewed.certificate(), proxy.pki().serverIntermediate().certificate())));

        awaitServedCertificate(renewed.certificate());
        assertThat(Meters.counter(proxy.registry(), "portcullis.tls.reloads", "result", "ok")).isGreaterThanOrEqualTo(1);
        assertThat(Meters.gauge(proxy.registry(), "portcullis.tls.certificate.expiry.timestamp.seconds", "cert", "server"))
                .isEqualTo((double) renewed.certificate().getNotAfter().toInstant().getEpochSecond());
    }

    @Test
    void kubernetesSecretSymlinkSwapIsPickedUp() throws Exception {
        Path dir = proxy.configFile().getParent().resolve("secret");
        Path first = Files.createDirectories(dir.resolve("..2026_01"));
        proxy.pki().writeServerCertChain(first.resolve("tls.crt"));
        proxy.pki().writeServerKey(first.resolve("tls.key"));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));
        proxy.restart(b -> b.set("tls.cert", dir.resolve("tls.crt").toString()).set("tls.key", dir.resolve("tls.key").toString()));

        IssuedCertificate renewed = renewedServerCertificate(Instant.now().plus(Duration.ofDays(30)));
        Path second = Files.createDirectories(dir.resolve("..2026_02"));
        Files.writeString(second.resolve("tls.crt"), PemWriter.certificates(
                java.util.List.of(renewed.certificate(), proxy.pki().serverIntermediate().certificate())));
        PemWriter.writePrivateKey(second.resolve("tls.key"), renewed.privateKey());
        // What the kubelet does: a new ..data_tmp link renamed over ..data in one step.
        Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

        awaitServedCertificate(renewed.certificate());
    }

    @Test
    void garbageCertificateKeepsTheOldOneServing() throws Exception {
        assertBrokenChangeKeepsServing(() -> Files.writeString(proxy.config().tls().cert(), "not a certificate\n"),
                proxy.config().tls().cert().toString());
    }

    @Test
    void keyThatDoesNotMatchTheCertificateKeepsTheOldOneServing() throws Exception {
        IssuedCertificate other = renewedServerCertificate(Instant.now().plus(Duration.ofDays(30)));
        assertBrokenChangeKeepsServing(() -> PemWriter.writePrivateKey(proxy.config().tls().key(), other.privateKey()),
                "does not match");
    }

    @Test
    void expiredServerCertificateKeepsTheOldOneServing() throws Exception {
        IssuedCertificate expired = renewedServerCertificate(Instant.now().minus(Duration.ofDays(1)));
        assertBrokenChangeKeepsServing(() -> {
            PemWriter.writePrivateKey(proxy.config().tls().key(), expired.privateKey());
            Files.writeString(proxy.config().tls().cert(), PemWriter.certificates(java.util.List.of(expired.certificate())));
        }, "expired");
    }

    @Test
    void halfWrittenCertificateKeepsTheOldOneServing() throws Exception {
        String pem = Files.readString(proxy.config().tls().cert());
        assertBrokenChangeKeepsServing(() -> Files.writeString(proxy.config().tls().cert(), pem.substring(0, pem.length() / 2)),
                proxy.config().tls().cert().toString());
    }

    @Test
    void reloadOnRequestAppliesAllowRulesFromTheConfigFile() throws Exception {
        proxy.restart(b -> b.set("tls.reload", false));
        assertThat(proxy.get("/").status()).isEqualTo(200);

        String config = Files.readString(proxy.configFile());
        Files.writeString(proxy.configFile(), config + "\nidentity:\n  allow:\n    - { subject: \"CN=somebody-else\" }\n");
        Thread.sleep(1200);
        assertThat(proxy.get("/").status()).as("reload: false does not watch").isEqualTo(200);

        proxy.server().reload();
        awaitOkReloads(1);
        assertThat(proxy.get("/").status()).as("SIGHUP-style reload applied the allow rule").isEqualTo(403);
    }

    private void assertBrokenChangeKeepsServing(ThrowingRunnable breakIt, String expectedInLog) throws Exception {
        X509Certificate serving = servedCertificate();
        breakIt.run();

        for (long deadline = System.nanoTime() + 5_000_000_000L;
             Meters.counter(proxy.registry(), "portcullis.tls.reloads", "result", "failed") < 1; Thread.sleep(50)) {
            assertThat(System.nanoTime()).as("a failed reload within 5 s").isLessThan(deadline);
        }
        assertThat(servedCertificate()).isEqualTo(serving);
        assertThat(proxy.get("/").status()).isEqualTo(200);
        assertThat(logs.linesContaining("TLS reload failed")).hasSize(1).allMatch(l -> l.contains(expectedInLog));
        assertThat(logs.lines()).noneMatch(l -> l.contains("PRIVATE KEY") || l.contains("BEGIN CERTIFICATE"));
    }

    private static void awaitServedCertificate(X509Certificate expected) throws Exception {
        for (long deadline = System.nanoTime() + 3_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            if (servedCertificate().equals(expected)) {
                return;
            }
        }
        throw new AssertionError("the renewed certificate was not served within 3 s");
    }

    private static void awaitOkReloads(int count) throws InterruptedException {
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            if (Meters.counter(proxy.registry(), "portcullis.tls.reloads", "result", "ok") >= count) {
                return;
            }
        }
        throw new AssertionError("no TLS reload within 5 s");
    }

    private static X509Certificate servedCertificate() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            return (X509Certificate) client.session().getPeerCertificates()[0];
        }
    }

    private static IssuedCertificate renewedServerCertificate(Instant notAfter) {
        Instant notBefore = notAfter.minus(Duration.ofDays(60)).truncatedTo(ChronoUnit.SECONDS);
        return CertificateBuilder.server("CN=localhost,O=Portcullis Tests Renewed")
                .sanDns("localhost").sanIp("127.0.0.1")
                .validity(notBefore, notAfter.truncatedTo(ChronoUnit.SECONDS))
                .issuedBy(proxy.pki().serverIntermediate()).issue();
    }

    private static void writeAtomically(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}

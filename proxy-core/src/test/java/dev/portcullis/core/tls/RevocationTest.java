package dev.portcullis.core.tls;

import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.TestPki;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.HandshakeResult;
import dev.portcullis.testing.TlsTestClient.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Revoked certificates are refused on full handshakes and on resumption, and CRL updates apply without a restart. */
class RevocationTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().build();

    @Test
    void revokedLeafFailsWithCertificateRevoked() throws Exception {
        ClientCredentials alice = proxy.pki().validClient();
        Path crl = TestPki.writeCrl(dir().resolve("client-ca.crl"), proxy.pki().intermediate(), serial(alice));
        proxy.restart(b -> b.set("tls.crl", List.of(crl.toString())));

        HandshakeResult result = proxy.handshake(alice);

        assertThat(result.succeeded()).isFalse();
        assertThat(result.alert()).isEqualTo("certificate_revoked");
        assertThat(Meters.handshakesFailed(proxy.registry(), "revoked")).isEqualTo(1);
        assertThat(proxy.upstream().pollRequest(Duration.ofMillis(100))).isNull();
    }

    @Test
    void revokedIntermediateFailsEveryClientItIssued() throws Exception {
        BigInteger clientCaSerial = proxy.pki().intermediate().certificate().getSerialNumber();
        Path crl = TestPki.writeCrl(dir().resolve("root.crl"), proxy.pki().root(), clientCaSerial);
        proxy.restart(b -> b.set("tls.crl", List.of(crl.toString())));

        assertThat(proxy.handshake(proxy.pki().validClient()).alert()).isEqualTo("certificate_revoked");
        assertThat(proxy.handshake(proxy.pki().clientChain(1)).succeeded())
                .as("a client under another intermediate is unaffected")
                .isTrue();
    }

    @Test
    void otherClientsOfTheSameIssuerStillConnect() throws Exception {
        ClientCredentials bob = proxy.pki().issueClient("CN=bob,OU=eng,O=Example", b -> b);
        Path crl = TestPki.writeCrl(dir().resolve("client-ca.crl"), proxy.pki().intermediate(), serial(bob));
        proxy.restart(b -> b.set("tls.crl", List.of(crl.toString())));

        assertThat(proxy.get("/").status()).isEqualTo(200);
        assertThat(proxy.handshake(bob).succeeded()).isFalse();
    }

    /** Timing is printed, not asserted (shared CI machines are noisy); see benchmarks/README.md. */
    @Test
    void crlWithHundredThousandEntriesLoadsAndHandshakesStillSucceed() throws Exception {
        SecureRandom random = new SecureRandom();
        List<BigInteger> serials = new ArrayList<>(100_000);
        for (int i = 0; i < 100_000; i++) {
            serials.add(new BigInteger(64, random));
        }
        Instant now = Instant.now();
        Path crl = TestPki.writeCrl(dir().resolve("big.crl"), proxy.pki().intermediate(),
                now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), serials);
        double withoutCrl = millisPerFullHandshake();
        proxy.restart(b -> b.set("tls.crl", List.of(crl.toString())));

        double withCrl = millisPerFullHandshake();

        System.out.printf("full mTLS handshake + request: %.2f ms without a CRL, %.2f ms with a 100k-entry CRL%n",
                withoutCrl, withCrl);
    }

    private static double millisPerFullHandshake() throws Exception {
        int rounds = 50;
        for (int i = 0; i < 10; i++) {
            assertThat(proxy.get("/").status()).isEqualTo(200);
        }
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            assertThat(proxy.get("/").status()).isEqualTo(200);
        }
        return (System.nanoTime() - start) / 1e6 / rounds;
    }

    @Test
    void aCrlUpdateStopsAResumedSessionFromResumingAgain() throws Exception {
        Path keyFile = Files.write(dir().resolve("tickets.keys"), randomBytes(48));
        Path crl = TestPki.writeCrl(dir().resolve("client-ca.crl"), proxy.pki().intermediate());
        proxy.restart(b -> b.set("tls.crl", List.of(crl.toString())).set("tls.session_tickets.key_file", keyFile.toString()));
        ClientCredentials alice = proxy.pki().validClient();
        SSLContext client = TlsTestClient.sslContext(alice);

        assertThat(request(client)).isEqualTo(200);
        assertThat(request(client)).isEqualTo(200);
        assertThat(Meters.sessionsResumed(proxy.registry())).as("the client resumes").isEqualTo(1);

        TestPki.writeCrl(dir().resolve("client-ca.crl.tmp"), proxy.pki().intermediate(), serial(alice));
        Files.move(dir().resolve("client-ca.crl.tmp"), crl, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        awaitReloads(1);

        HandshakeResult resumedAfterRevocation = TlsTestClient.handshakeOnly(proxy.address(), alice,
                Options.defaults().sslContext(client));
        assertThat(resumedAfterRevocation.succeeded())
                .as("ticket keys survive the swap, so the resumed chain is re-checked against the new CRL")
                .isFalse();
        assertThat(Meters.handshakesFailed(proxy.registry(), "revoked")).isEqualTo(1);
    }

    private static int request(SSLContext client) throws Exception {
        try (TlsTestClient connection = proxy.client(proxy.pki().validClient(), Options.defaults().sslContext(client))) {
            return connection.get("/").status();
        }
    }

    private static void awaitReloads(int count) throws InterruptedException {
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            if (Meters.counter(proxy.registry(), "portcullis.tls.reloads", "result", "ok") >= count) {
                return;
            }
        }
        throw new AssertionError("no TLS reload within 5 s");
    }

    private static Path dir() {
        return proxy.configFile().getParent();
    }

    private static BigInteger serial(ClientCredentials credentials) {
        return credentials.certificate().orElseThrow().getSerialNumber();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}

package dev.portcullis.core;

import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A failed handshake is logged as one line naming the peer, the reason and who tried; never the certificate. */
class HandshakeFailureLogTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().verifyDepth(1).build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void expiredCertificateIsLoggedWithReasonSubjectAndFingerprintButNotTheCertificate() throws Exception {
        ClientCredentials expired = proxy.pki().expiredClient();
        proxy.handshake(expired);

        String line = awaitFailureLine("reason=expired");
        assertThat(line)
                .contains("peer=/127.0.0.1:")
                .contains("subject=\"CN=expired,OU=eng,O=Example\"")
                .contains("fingerprint=" + expired.fingerprint());
        String der = Base64.getEncoder().encodeToString(expired.certificate().orElseThrow().getEncoded());
        assertThat(logs.lines()).noneMatch(l -> l.contains("BEGIN CERTIFICATE") || l.contains(der.substring(0, 40)));
    }

    @Test
    void eachFailureKindIsLoggedWithItsReason() throws Exception {
        proxy.handshake(proxy.pki().noClientCert());
        awaitFailureLine("reason=no_certificate");
        proxy.handshake(proxy.pki().clientFromUnknownCa());
        awaitFailureLine("reason=unknown_ca");
        proxy.handshake(proxy.pki().clientIssuedByIntermediateWithoutChain());
        assertThat(logs.linesContaining("reason=unknown_ca")).hasSizeGreaterThanOrEqualTo(1);
        proxy.handshake(proxy.pki().notYetValidClient());
        awaitFailureLine("reason=not_yet_valid");
        proxy.handshake(proxy.pki().clientChain(2));
        awaitFailureLine("reason=depth_exceeded");
        proxy.handshake(proxy.pki().clientWithoutClientAuthEku());
        awaitFailureLine("reason=bad_certificate");
    }

    @Test
    void eachFailureIsCountedOnceUnderItsReasonAndSuccessUnderNone() throws Exception {
        assertCountedOnce("no_certificate", proxy.pki().noClientCert());
        assertCountedOnce("unknown_ca", proxy.pki().clientFromUnknownCa());
        assertCountedOnce("unknown_ca", proxy.pki().selfSignedClient());
        assertCountedOnce("expired", proxy.pki().expiredClient());
        assertCountedOnce("not_yet_valid", proxy.pki().notYetValidClient());
        assertCountedOnce("depth_exceeded", proxy.pki().clientChain(2));
        assertCountedOnce("bad_certificate", proxy.pki().clientWithoutClientAuthEku());

        double ok = Meters.counter(proxy.registry(), "portcullis.tls.handshakes", "result", "ok", "reason", "none");
        proxy.handshake(proxy.pki().validClient());
        assertThat(Meters.counter(proxy.registry(), "portcullis.tls.handshakes", "result", "ok", "reason", "none") - ok)
                .isEqualTo(1);
    }

    private static void assertCountedOnce(String reason, ClientCredentials credentials) throws Exception {
        double before = Meters.handshakesFailed(proxy.registry(), reason);
        assertThat(proxy.handshake(credentials).succeeded()).isFalse();
        for (long deadline = System.nanoTime() + 2_000_000_000L;
             Meters.handshakesFailed(proxy.registry(), reason) == before && System.nanoTime() < deadline; ) {
            Thread.sleep(10);
        }
        assertThat(Meters.handshakesFailed(proxy.registry(), reason) - before).as(reason).isEqualTo(1);
    }

    @Test
    void handshakeTimeoutIsLoggedAsTimeout() throws Exception {
        proxy.restart(b -> b.set("tls.handshake_timeout", "200ms"));
        try (TlsTestClient plain = TlsTestClient.connectPlain(proxy.address())) {
            plain.isClosedByPeer(Duration.ofSeconds(5));
        }
        awaitFailureLine("reason=timeout");
    }

    private String awaitFailureLine(String reason) throws InterruptedException {
        List<String> lines = logs.linesContaining(reason);
        for (long deadline = System.nanoTime() + 5_000_000_000L; lines.isEmpty() && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
            lines = logs.linesContaining(reason);
        }
        assertThat(lines).as("a log line with %s in %s", reason, logs.lines()).isNotEmpty();
        assertThat(lines.get(0)).startsWith("WARN ").contains("TLS handshake failed");
        return lines.get(0);
    }
}

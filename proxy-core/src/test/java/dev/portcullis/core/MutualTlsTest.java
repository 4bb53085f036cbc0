package dev.portcullis.core;

import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.HandshakeResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Which clients complete the mTLS handshake, end to end through the real proxy. */
class MutualTlsTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().verifyDepth(2).build();

    @Test
    void validClientGets200AndTheUpstreamSeesItsIdentity() throws Exception {
        RawResponse response = proxy.get("/hello");

        assertThat(response.status()).isEqualTo(200);
        assertThat(proxy.upstream().takeRequest().header("X-Client-Verify")).contains("SUCCESS");
    }

    @Test
    void noCertificateUnderRequireFailsTheHandshakeAndUpstreamSeesNothing() throws Exception {
        assertRefused(proxy.pki().noClientCert());
    }

    @Test
    void certificateFromAnUnknownCaIsRefused() throws Exception {
        assertRefused(proxy.pki().clientFromUnknownCa());
    }

    @Test
    void selfSignedCertificateIsRefused() throws Exception {
        assertRefused(proxy.pki().selfSignedClient());
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        HandshakeResult result = assertRefused(proxy.pki().expiredClient());
        assertThat(result.failureMessage()).containsIgnoringCase("expired");
    }

    @Test
    void notYetValidCertificateIsRefused() throws Exception {
        assertRefused(proxy.pki().notYetValidClient());
    }

    @Test
    void leafWithoutItsIntermediateIsRefusedWhenClientCaHoldsOnlyTheRoot() throws Exception {
        assertRefused(proxy.pki().clientIssuedByIntermediateWithoutChain());
    }

    @Test
    void certificateWithoutClientAuthUsageIsRefused() throws Exception {
        assertRefused(proxy.pki().clientWithoutClientAuthEku());
    }

    @Test
    void chainWithinVerifyDepthIsAccepted() throws Exception {
        try (TlsTestClient client = proxy.client(proxy.pki().clientChain(2))) {
            assertThat(client.get("/").status()).isEqualTo(200);
        }
    }

    @Test
    void chainDeeperThanVerifyDepthIsRefused() throws Exception {
        assertRefused(proxy.pki().clientChain(3));
    }

    @Test
    void tls12AndTls13AreBothOffered() throws Exception {
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            try (TlsTestClient client = proxy.client(proxy.pki().validClient(),
                    TlsTestClient.Options.defaults().protocols(protocol))) {
                assertThat(client.get("/").status()).isEqualTo(200);
                assertThat(client.session().getProtocol()).isEqualTo(protocol);
            }
        }
    }

    @Test
    void tls11IsNotOffered() throws Exception {
        HandshakeResult result = TlsTestClient.handshakeOnly(proxy.address(), proxy.pki().validClient(),
                TlsTestClient.Options.defaults().protocols("TLSv1.1"));
        assertThat(result.succeeded()).isFalse();
    }

    @Test
    void optionalModeForwardsClientsWithoutCertificateAsNone() throws Exception {
        proxy.restart(b -> b.clientAuth("optional"));
        try (TlsTestClient client = proxy.client(proxy.pki().noClientCert())) {
            assertThat(client.get("/").status()).isEqualTo(200);
        }
        var received = proxy.upstream().takeRequest();
        assertThat(received.headers("X-Client-Verify")).containsExactly("NONE");
        assertThat(received.headerNames()).noneMatch(n -> n.regionMatches(true, 0, "X-Client-", 0, 9)
                && !n.equalsIgnoreCase("X-Client-Verify"));
    }

    @Test
    void optionalModeStillRefusesACertificateThatFailsVerification() throws Exception {
        proxy.restart(b -> b.clientAuth("optional"));
        assertRefused(proxy.pki().expiredClient());
    }

    @Test
    void handshakeThatNeverFinishesIsClosedAfterHandshakeTimeout() throws Exception {
        proxy.restart(b -> b.set("tls.handshake_timeout", "300ms"));
        try (TlsTestClient plain = TlsTestClient.connectPlain(proxy.address())) {
            assertThat(plain.isClosedByPeer(Duration.ofSeconds(5)))
                    .as("a client that never sends a ClientHello must not hold a connection")
                    .isTrue();
        }
    }

    private static HandshakeResult assertRefused(ClientCredentials credentials) throws Exception {
        HandshakeResult result = proxy.handshake(credentials);
        assertThat(result.succeeded()).as("handshake with %s", credentials).isFalse();
        assertThat(proxy.upstream().pollRequest(Duration.ofMillis(200)))
                .as("nothing may reach the upstream from a refused client")
                .isNull();
        return result;
    }
}

package dev.portcullis.core.tls;

import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.LogCapture;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** identity.allow: any matching rule admits; everyone else gets 403 client_not_allowed and reaches nothing. */
class AllowListTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .yaml("""
                    identity:
                      allow:
                        - { subject: "CN=bob,OU=eng,O=Example" }
                        - { san_uri: "spiffe://example.org/ns/*/billing" }
                        - { san_dns: "*.payments.example.org" }
                    """)
            .build();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void exactSubjectIsAdmitted() throws Exception {
        assertThat(status(proxy.pki().issueClient("CN=bob,OU=eng,O=Example", b -> b))).isEqualTo(200);
    }

    @Test
    void uriGlobStarMatchesExactlyOneSegment() throws Exception {
        assertThat(status(client(b -> b.sanUri("spiffe://example.org/ns/prod/billing")))).isEqualTo(200);
        assertThat(status(client(b -> b.sanUri("spiffe://example.org/ns/prod/eu/billing")))).isEqualTo(403);
    }

    @Test
    void dnsGlobStarMatchesOneLabel() throws Exception {
        assertThat(status(client(b -> b.sanDns("api.payments.example.org")))).isEqualTo(200);
        assertThat(status(client(b -> b.sanDns("a.b.payments.example.org")))).isEqualTo(403);
    }

    @Test
    void dnsGlobIgnoresAsciiCase() throws Exception {
        assertThat(status(client(b -> b.sanDns("API.Payments.EXAMPLE.org"))))
                .as("DNS names compare case-insensitively (RFC 4343), so a CA's capitals must not lock a client out")
                .isEqualTo(200);
        assertThat(status(client(b -> b.sanDns("API.A.Payments.example.org"))))
                .as("ignoring case must not widen * beyond one label")
                .isEqualTo(403);
    }

    @Test
    void uriGlobStaysCaseSensitive() throws Exception {
        assertThat(status(client(b -> b.sanUri("spiffe://example.org/NS/prod/billing"))))
                .as("a URI path is case-sensitive, so /NS/ is another workload than /ns/")
                .isEqualTo(403);
    }

    @Test
    void fingerprintRuleAdmitsThatCertificateOnly() throws Exception {
        ClientCredentials carol = client(b -> b);
        proxy.restart(b -> b.yaml("identity:\n  allow:\n    - { fingerprint: \"" + carol.fingerprint() + "\" }"));

        assertThat(status(carol)).isEqualTo(200);
        assertThat(status(client(b -> b))).isEqualTo(403);
    }

    @Test
    void doubleStarMatchesAnyDepth() throws Exception {
        proxy.restart(b -> b.yaml("identity:\n  allow:\n    - { san_uri: \"spiffe://example.org/**\" }"));
        assertThat(status(client(b -> b.sanUri("spiffe://example.org/a/b/c")))).isEqualTo(200);
        assertThat(status(client(b -> b.sanUri("spiffe://other.org/a")))).isEqualTo(403);
    }

    @Test
    void clientMatchingNoRuleGets403JsonIsLoggedAndCountedAndTheUpstreamSeesNothing() throws Exception {
        ClientCredentials alice = proxy.pki().validClient();
        double rejectedBefore = Meters.counter(proxy.registry(), "portcullis.requests.rejected", "reason", "client_not_allowed");
        RawResponse response;
        try (TlsTestClient client = proxy.client(alice)) {
            response = client.get("/secret");
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }

        assertThat(response.status()).isEqualTo(403);
        assertThat(response.bodyText()).contains("\"error\":\"client_not_allowed\"");
        assertThat(proxy.upstream().pollRequest(Duration.ofMillis(100))).isNull();
        assertThat(Meters.counter(proxy.registry(), "portcullis.requests.rejected", "reason", "client_not_allowed")
                - rejectedBefore).isEqualTo(1);
        assertThat(logs.linesContaining("client not allowed")).hasSize(1)
                .allMatch(l -> l.contains("CN=alice,OU=eng,O=Example") && l.contains(alice.fingerprint()));
    }

    private static int status(ClientCredentials credentials) throws Exception {
        try (TlsTestClient client = proxy.client(credentials)) {
            return client.get("/").status();
        }
    }

    private static ClientCredentials client(java.util.function.UnaryOperator<dev.portcullis.core.pki.CertificateBuilder> sans) {
        return proxy.pki().issueClient("CN=svc-" + System.nanoTime() + ",O=Example", sans);
    }
}

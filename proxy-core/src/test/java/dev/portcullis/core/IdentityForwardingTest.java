package dev.portcullis.core;

import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.cert.X509Certificate;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** What the upstream learns about the client, and what a client cannot make it believe. */
class IdentityForwardingTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().build();

    private static final String[] SPOOFED = {
            "X-Client-Verify", "SUCCESS",
            "X-Client-DN", "CN=admin",
            "X_Client_DN", "CN=admin",
            "x_client_dn", "CN=admin",
            "X-Client-Issuer-DN", "CN=evil",
            "X-Client-Fingerprint", "00",
            "X_Client_Fingerprint", "00",
            "X-Client-Serial", "1",
            "X-Client-SAN", "URI:spiffe://evil",
            "X-Client-Not-After", "2999-01-01T00:00:00Z",
            "X-Forwarded-Client-Cert", "Hash=00",
            "X_Forwarded_Client_Cert", "Hash=00",
            "SSL_CLIENT_CERT", "-----BEGIN CERTIFICATE-----",
            "SSL-Client-Verify", "SUCCESS",
            "X-SSL-Client-DN", "CN=admin",
            "X-SSL-Client-Cert", "x",
            "Client-Cert", ":abc:",
            "Client-Cert-Chain", ":abc:",
            "X-Client-Cert", "x",
            "X-Forwarded-Tls-Client-Cert", "x",
            "X-Forwarded-Tls-Client-Cert-Info", "x",
            "X-Forwarded-For", "10.9.9.9",
            "X-Forwarded-Proto", "http",
            "X-Forwarded-Host", "evil.example",
            "X-Forwarded-Port", "80",
            "Forwarded", "for=10.9.9.9",
    };

    @Test
    void everyIdentityHeaderArrivesExactlyOnceWithTheVerifiedValues() throws Exception {
        ClientCredentials alice = proxy.pki().validClient();
        X509Certificate leaf = alice.certificate().orElseThrow();

        try (TlsTestClient client = proxy.client(alice)) {
            assertThat(client.get("/who", SPOOFED).status()).isEqualTo(200);
        }

        RecordedRequest received = proxy.upstream().takeRequest();
        assertThat(received.headers("X-Client-Verify")).containsExactly("SUCCESS");
        assertThat(received.headers("X-Client-DN")).containsExactly("CN=alice,OU=eng,O=Example");
        assertThat(received.headers("X-Client-Issuer-DN")).containsExactly(alice.issuerDn());
        assertThat(received.headers("X-Client-Fingerprint")).containsExactly(alice.fingerprint());
        assertThat(received.headers("X-Client-Serial")).containsExactly(leaf.getSerialNumber().toString(16));
        assertThat(received.headers("X-Client-SAN"))
                .containsExactly("URI:spiffe://example.org/alice, DNS:alice.example.org, email:alice@example.org");
        assertThat(received.headers("X-Client-Not-After")).containsExactly(
                DateTimeFormatter.ISO_INSTANT.format(leaf.getNotAfter().toInstant().atOffset(ZoneOffset.UTC)));
        assertThat(received.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(received.headers("X-Forwarded-Proto")).containsExactly("https");
        assertThat(received.headers("X-Forwarded-Host")).hasSize(1);
    }

    @Test
    void spoofedCertificateAndForwardingHeadersNeverReachTheUpstreamInAnySpelling() throws Exception {
        proxy.get("/who", SPOOFED);

        RecordedRequest received = proxy.upstream().takeRequest();
        assertThat(received.headerNames())
                .as("underscore variants map to the same WSGI variable as the real header")
                .noneMatch(name -> name.contains("_"))
                .noneMatch(name -> name.equalsIgnoreCase("X-Forwarded-Client-Cert"))
                .noneMatch(name -> name.toLowerCase().startsWith("ssl-client"))
                .noneMatch(name -> name.toLowerCase().startsWith("x-ssl-client"))
                .noneMatch(name -> name.equalsIgnoreCase("Client-Cert") || name.equalsIgnoreCase("Client-Cert-Chain"))
                .noneMatch(name -> name.equalsIgnoreCase("X-Client-Cert"))
                .noneMatch(name -> name.toLowerCase().startsWith("x-forwarded-tls-client-cert"))
                .noneMatch(name -> name.equalsIgnoreCase("X-Forwarded-Port") || name.equalsIgnoreCase("Forwarded"));
        assertThat(received.headers("X-Client-DN")).containsExactly("CN=alice,OU=eng,O=Example");
        assertThat(received.headers("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(received.headers("X-Forwarded-Proto")).containsExactly("https");
        assertThat(received.headers("X-Forwarded-Host")).doesNotContain("evil.example");
    }

    @Test
    void hopByHopHeadersAndTheNamesConnectionListsAreRemoved() throws Exception {
        proxy.get("/", "Connection", "keep-alive, X-Secret-Hop", "X-Secret-Hop", "1", "Keep-Alive", "timeout=5",
                "TE", "trailers", "Trailer", "X-T", "Upgrade", "websocket", "Proxy-Connection", "keep-alive",
                "Proxy-Authorization", "Basic Zm9vOmJhcg==", "X-Kept", "yes");

        RecordedRequest received = proxy.upstream().takeRequest();
        assertThat(received.headerNames()).noneMatch(name -> name.equalsIgnoreCase("X-Secret-Hop")
                || name.equalsIgnoreCase("Keep-Alive") || name.equalsIgnoreCase("TE")
                || name.equalsIgnoreCase("Trailer") || name.equalsIgnoreCase("Upgrade")
                || name.equalsIgnoreCase("Proxy-Connection") || name.equalsIgnoreCase("Proxy-Authorization"));
        assertThat(received.headers("X-Kept")).containsExactly("yes");
    }

    @Test
    void configuredStripListIsRemovedToo() throws Exception {
        proxy.restart(b -> b.yaml("identity:\n  strip: [X-Internal-Role]"));
        proxy.get("/", "X-Internal-Role", "admin", "X_Internal_Role", "admin");

        assertThat(proxy.upstream().takeRequest().headerNames())
                .noneMatch(name -> name.replace('_', '-').equalsIgnoreCase("X-Internal-Role"));
    }

    @Test
    void xfccFormatSendsOneEnvoyStyleHeaderInsteadOfTheClientHeaders() throws Exception {
        proxy.restart(b -> b.identityFormat("xfcc"));
        ClientCredentials alice = proxy.pki().validClient();
        proxy.get("/", "X-Forwarded-Client-Cert", "By=evil;Hash=00");

        RecordedRequest received = proxy.upstream().takeRequest();
        assertThat(received.headers("X-Forwarded-Client-Cert")).containsExactly(
                "Hash=" + alice.fingerprint() + ";Subject=\"CN=alice,OU=eng,O=Example\""
                        + ";URI=spiffe://example.org/alice;DNS=alice.example.org");
        assertThat(received.headerNames()).noneMatch(name -> name.equalsIgnoreCase("X-Client-DN"));
    }

    @Test
    void bothFormatSendsClientHeadersAndXfcc() throws Exception {
        proxy.restart(b -> b.identityFormat("both"));
        proxy.get("/");

        RecordedRequest received = proxy.upstream().takeRequest();
        assertThat(received.headers("X-Forwarded-Client-Cert")).hasSize(1);
        assertThat(received.headers("X-Client-DN")).containsExactly("CN=alice,OU=eng,O=Example");
    }
}

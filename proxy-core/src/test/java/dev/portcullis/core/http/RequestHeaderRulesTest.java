package dev.portcullis.core.http;

import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityConfig.Format;
import dev.portcullis.config.IdentityHeaderNames;
import dev.portcullis.core.pki.CertificateBuilder;
import dev.portcullis.core.pki.IssuedCertificate;
import dev.portcullis.core.tls.ClientIdentity;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RequestHeaderRulesTest {

    private static final IssuedCertificate CA = CertificateBuilder.ca("CN=Test CA").issue();
    private static final ClientIdentity ALICE = ClientIdentity.verified(
            CertificateBuilder.client("CN=alice,O=Example").sanUri("spiffe://td/alice").sanDns("alice.example")
                    .issuedBy(CA).issue().certificate(),
            "spiffe://td/portcullis");
    private static final List<String> IDENTITY_HEADERS = IdentityHeaderNames.DEFAULTS.all();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "X-Client-DN", "X_Client_DN", "x_client_dn", "X-Client-Dn", "x-client_dn", "X-CLIENT-VERIFY",
            "X_Client_Verify", "x-client-issuer-dn", "X-Client-Fingerprint", "X-Client-Serial", "X-Client-SAN",
            "X-Client-Not-After", "X_Client_Not_After",
            "X-Forwarded-Client-Cert", "x_forwarded_client_cert", "Client-Cert", "Client_Cert", "Client-Cert-Chain",
            "X-Client-Cert", "X-SSL-Client-Verify", "X-SSL-Client-S-DN", "x_ssl_client_cert", "SSL_CLIENT_CERT",
            "Ssl-Client-Cert", "SSL-Client-Verify", "X-Forwarded-Tls-Client-Cert", "X-Forwarded-Tls-Client-Cert-Info",
            "x_forwarded_tls_client_cert_info",
            "X-Forwarded-For", "X_Forwarded_For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port",
            "Forwarded",
            "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Proxy_Connection", "Proxy-Authorization"})
    void spoofedHeaderNeverReachesTheUpstream(String name) {
        HttpHeaders headers = request().add(name, "spoofed");

        rules(Format.BOTH).apply(headers, ClientIdentity.none(), "192.0.2.7", "app.example");

        assertThat(headers.entries()).as("a client-sent %s must not survive", name)
                .noneMatch(entry -> entry.getValue().equals("spoofed"));
    }

    @Test
    void namesListedInConnectionAreRemovedFromEveryConnectionHeader() {
        HttpHeaders headers = request()
                .add("X-Custom-Hop", "1").add("x_other_hop", "2").add("X-Third", "3").add("X-Kept", "4")
                .add("Connection", "keep-alive, X-Custom-Hop ,\tX-Other-Hop")
                .add("Connection", "x-third");

        rules(Format.HEADERS).apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(headers.names()).doesNotContain("Connection", "X-Custom-Hop", "x_other_hop", "X-Third");
        assertThat(headers.get("X-Kept")).isEqualTo("4");
    }

    @Test
    void connectionCannotRemoveFramingOrHost() {
        HttpHeaders headers = request().add("Content-Length", "5").add("Connection", "Content-Length, Host");

        rules(Format.HEADERS).apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(headers.get("Content-Length")).as("removing it would let the body be read as a new request")
                .isEqualTo("5");
        assertThat(headers.get("Host")).isEqualTo("app.example");
    }

    @Test
    void headersFormatSetsEachIdentityHeaderExactlyOnce() {
        HttpHeaders headers = request().add("X-Client-DN", "CN=admin").add("x_client_dn", "CN=root");

        rules(Format.HEADERS).apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(headers.getAll("X-Client-Verify")).containsExactly("SUCCESS");
        assertThat(headers.getAll("X-Client-DN")).containsExactly("CN=alice,O=Example");
        assertThat(headers.getAll("X-Client-Issuer-DN")).containsExactly("CN=Test CA");
        assertThat(headers.getAll("X-Client-Fingerprint")).containsExactly(ALICE.fingerprint());
        assertThat(headers.getAll("X-Client-Serial")).containsExactly(ALICE.serial());
        assertThat(headers.getAll("X-Client-SAN")).containsExactly("URI:spiffe://td/alice, DNS:alice.example");
        assertThat(headers.getAll("X-Client-Not-After")).containsExactly(ALICE.notAfter());
        assertThat(headers.contains("X-Forwarded-Client-Cert")).as("headers format sends no XFCC").isFalse();
        assertThat(names(headers)).as("no underscore variant may sit next to the real header")
                .doesNotContain("x_client_dn");
    }

    @Test
    void xfccFormatReplacesClientXfccAndSendsNoClientHeaders() {
        HttpHeaders headers = request().add("X-Forwarded-Client-Cert", "Hash=evil;Subject=\"CN=admin\"");

        rules(Format.XFCC).apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(headers.getAll("X-Forwarded-Client-Cert")).as("replaced, never appended to")
                .containsExactly(ALICE.xfcc());
        assertThat(IDENTITY_HEADERS).allSatisfy(name -> assertThat(headers.contains(name)).isFalse());
    }

    @Test
    void bothFormatSendsHeadersAndXfcc() {
        HttpHeaders headers = request();

        rules(Format.BOTH).apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(IDENTITY_HEADERS).allSatisfy(name -> assertThat(headers.getAll(name)).hasSize(1));
        assertThat(headers.getAll("X-Forwarded-Client-Cert")).containsExactly(ALICE.xfcc());
    }

    @Test
    void clientWithoutCertificateGetsVerifyNoneAlone() {
        HttpHeaders headers = request().add("X-Client-DN", "CN=admin");

        rules(Format.BOTH).apply(headers, ClientIdentity.none(), "192.0.2.7", "app.example");

        assertThat(headers.getAll("X-Client-Verify")).containsExactly("NONE");
        assertThat(IDENTITY_HEADERS.subList(1, IDENTITY_HEADERS.size()))
                .allSatisfy(name -> assertThat(headers.contains(name)).as(name).isFalse());
        assertThat(headers.contains("X-Forwarded-Client-Cert")).isFalse();
    }

    @Test
    void xfccFormatSendsNothingIdentityRelatedWithoutCertificate() {
        HttpHeaders headers = request();

        rules(Format.XFCC).apply(headers, ClientIdentity.none(), "192.0.2.7", "app.example");

        assertThat(names(headers)).containsExactlyInAnyOrder(
                "Host", "User-Agent", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host");
    }

    @Test
    void forwardingHeadersAreReplacedWithPortcullisOwn() {
        HttpHeaders headers = request()
                .add("X-Forwarded-For", "10.0.0.1").add("x_forwarded_for", "10.0.0.2")
                .add("X-Forwarded-Proto", "http").add("X-Forwarded-Host", "evil.example")
                .add("X-Forwarded-Port", "80").add("Forwarded", "for=10.0.0.1");

        rules(Format.HEADERS).apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(headers.getAll("X-Forwarded-For")).as("the client IP alone, no client-sent chain")
                .containsExactly("192.0.2.7");
        assertThat(headers.getAll("X-Forwarded-Proto")).containsExactly("https");
        assertThat(headers.getAll("X-Forwarded-Host")).containsExactly("app.example");
        assertThat(names(headers)).doesNotContain("X-Forwarded-Port", "Forwarded", "x_forwarded_for");
    }

    @Test
    void configuredNamesAndStripListAreRemoved() {
        IdentityHeaderNames custom = new IdentityHeaderNames("Ssl-Verify", "Ssl-Dn", "Ssl-Issuer", "Ssl-Fp",
                "Ssl-Serial", "Ssl-San", "Ssl-Until");
        RequestHeaderRules rules = new RequestHeaderRules(
                new IdentityConfig(Format.HEADERS, custom, List.of("X-Internal-Role", "X-User")));
        HttpHeaders headers = request().add("ssl_dn", "CN=admin").add("X-Internal-Role", "admin")
                .add("x_user", "root").add("X-Client-DN", "CN=admin");

        rules.apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(headers.getAll("Ssl-Dn")).containsExactly("CN=alice,O=Example");
        assertThat(names(headers)).doesNotContain("ssl_dn", "X-Internal-Role", "x_user");
        assertThat(headers.contains("X-Client-DN"))
                .as("X-Client-DN is not configured here, but it is not an identity header the client may set either")
                .isTrue();
    }

    @Test
    void unrelatedHeadersAndAuthorizationAreKept() {
        HttpHeaders headers = request().add("X-Client-Data", "keep").add("Authorization", "Bearer t")
                .add("X-SSL", "keep").add("Client-Certificate-Hint", "keep").add("Accept", "*/*");

        rules(Format.BOTH).apply(headers, ALICE, "192.0.2.7", "app.example");

        assertThat(headers.get("X-Client-Data")).isEqualTo("keep");
        assertThat(headers.get("Authorization")).as("token rules decide about Authorization").isEqualTo("Bearer t");
        assertThat(headers.get("X-SSL")).isEqualTo("keep");
        assertThat(headers.get("Client-Certificate-Hint")).isEqualTo("keep");
        assertThat(headers.get("Accept")).isEqualTo("*/*");
        assertThat(headers.get("User-Agent")).isEqualTo("curl/8");
    }

    @Test
    void nameSetMatchesExactNamesAndPrefixesIgnoringCaseAndUnderscores() {
        HeaderNames.NameSet set = new HeaderNames.NameSet(List.of("X-Client-DN", "TE"), List.of("X-SSL-Client-"));

        assertThat(set.contains("x_CLIENT_dn")).isTrue();
        assertThat(set.contains("te")).isTrue();
        assertThat(set.contains("X_SSL_CLIENT_ANYTHING")).isTrue();
        assertThat(set.contains("X-SSL-Client")).as("the prefix includes its dash").isFalse();
        assertThat(set.contains("X-Client-DN2")).isFalse();
        assertThat(set.contains("X-Client-D")).isFalse();
        assertThat(set.contains("")).isFalse();
    }

    private static RequestHeaderRules rules(Format format) {
        return new RequestHeaderRules(new IdentityConfig(format, IdentityHeaderNames.DEFAULTS, List.of()));
    }

    private static HttpHeaders request() {
        return new DefaultHttpHeaders().add("Host", "app.example").add("User-Agent", "curl/8");
    }

    private static List<String> names(HttpHeaders headers) {
        return headers.entries().stream().map(Map.Entry::getKey).toList();
    }
}

package dev.portcullis.core.tls;

import dev.portcullis.core.pki.CertificateBuilder;
import dev.portcullis.core.pki.IssuedCertificate;
import dev.portcullis.core.pki.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ClientIdentityTest {

    private static final Path OPENSSL = Path.of("/usr/bin/openssl");
    private static final IssuedCertificate CA = CertificateBuilder.ca("CN=Test CA,O=Portcullis\\, Inc.").issue();

    @Test
    void verifiedIdentityRendersEveryHeaderValue() throws Exception {
        IssuedCertificate alice = CertificateBuilder.client("CN=alice,OU=payments,O=Example")
                .sanDns("alice.example")
                .sanUri("spiffe://td/ns/billing/sa/alice")
                .sanEmail("alice@example.org")
                .sanIp("10.0.0.1")
                .sanIp("2001:db8:0:0:0:0:0:1")
                .sanDns("alt.example")
                .serial(new BigInteger("00ff01", 16))
                .validity(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2027-01-31T00:00:00Z"))
                .issuedBy(CA)
                .issue();

        ClientIdentity identity = ClientIdentity.verified(alice.certificate(), null);

        assertThat(identity.verified()).isTrue();
        assertThat(identity.verify()).isEqualTo("SUCCESS");
        assertThat(identity.subject()).isEqualTo("CN=alice,OU=payments,O=Example");
        assertThat(identity.issuer()).isEqualTo("CN=Test CA,O=Portcullis\\, Inc.");
        assertThat(identity.fingerprint()).hasSize(64)
                .isEqualTo(HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(alice.certificate().getEncoded())));
        assertThat(identity.serial()).as("lowercase hex without leading zeros").isEqualTo("ff01");
        assertThat(identity.san()).as("certificate order; IPv6 in RFC 5952 form").isEqualTo(
                "DNS:alice.example, URI:spiffe://td/ns/billing/sa/alice, email:alice@example.org, "
                        + "IP:10.0.0.1, IP:2001:db8::1, DNS:alt.example");
        assertThat(identity.notAfter()).isEqualTo("2027-01-31T00:00:00Z");
        assertThat(identity.uriSans()).containsExactly("spiffe://td/ns/billing/sa/alice");
        assertThat(identity.dnsSans()).containsExactly("alice.example", "alt.example");
    }

    @Test
    void xfccFollowsEnvoyGrammarWithOnePairPerSanInCertificateOrder() {
        IssuedCertificate client = CertificateBuilder.client("CN=billing")
                .sanDns("a.example").sanUri("spiffe://td/billing").sanEmail("x@y").sanDns("b.example")
                .issuedBy(CA).issue();

        ClientIdentity identity = ClientIdentity.verified(client.certificate(), "spiffe://td/portcullis");

        assertThat(identity.xfcc()).isEqualTo("By=spiffe://td/portcullis;Hash=" + identity.fingerprint()
                + ";Subject=\"CN=billing\";DNS=a.example;URI=spiffe://td/billing;DNS=b.example");
    }

    @Test
    void xfccOmitsByWithoutServerUriSanAndNeverCarriesCertOrChain() {
        IssuedCertificate client = CertificateBuilder.client("CN=bob").issuedBy(CA).issue();

        ClientIdentity identity = ClientIdentity.verified(client.certificate(), null);

        assertThat(identity.xfcc()).isEqualTo("Hash=" + identity.fingerprint() + ";Subject=\"CN=bob\"");
        assertThat(identity.san()).as("no SANs: empty value").isEmpty();
    }

    @Test
    void xfccQuotesSubjectAlwaysAndOtherValuesHoldingSeparators() {
        IssuedCertificate client = CertificateBuilder.client("CN=q\\\"uote,O=Portcullis\\, Inc.,OU=back\\\\slash")
                .sanUri("urn:x;y=z,w").sanUri("spiffe://td/plain")
                .issuedBy(CA).issue();

        ClientIdentity identity = ClientIdentity.verified(client.certificate(), "spiffe://td/a=b");

        assertThat(identity.subject()).isEqualTo("CN=q\\\"uote,O=Portcullis\\, Inc.,OU=back\\\\slash");
        assertThat(identity.xfcc()).as("the Subject's \" and \\ are escaped once more inside the quotes")
                .isEqualTo("By=\"spiffe://td/a=b\";Hash=" + identity.fingerprint()
                        + ";Subject=\"CN=q\\\\\\\"uote,O=Portcullis\\\\, Inc.,OU=back\\\\\\\\slash\""
                        + ";URI=\"urn:x;y=z,w\";URI=spiffe://td/plain");
    }

    @Test
    void sanValuesThatAreNotVisibleAsciiAreLeftOutEverywhere() {
        IssuedCertificate client = CertificateBuilder.client("CN=evil")
                .sanUri("spiffe://td/a, DNS:admin.example")
                .sanDns("ok.example")
                .sanDns("bad\r\nX-Client-DN: CN=admin")
                .sanEmail("tab\tx@y")
                .issuedBy(CA).issue();

        ClientIdentity identity = ClientIdentity.verified(client.certificate(), "spiffe://td/with space");

        assertThat(identity.san()).as("a value with a space could fake another SAN after \", \"")
                .isEqualTo("DNS:ok.example");
        assertThat(identity.uriSans()).isEmpty();
        assertThat(identity.dnsSans()).containsExactly("ok.example");
        assertThat(identity.xfcc()).isEqualTo("Hash=" + identity.fingerprint() + ";Subject=\"CN=evil\";DNS=ok.example");
    }

    @Test
    void ipv4MappedAndCompressibleIpv6AddressesUseRfc5952Form() {
        IssuedCertificate client = CertificateBuilder.client("CN=ip")
                .sanIp("::ffff:192.0.2.1").sanIp("2001:0DB8:0000:0000:0001:0000:0000:0000").sanIp("::1")
                .issuedBy(CA).issue();

        ClientIdentity identity = ClientIdentity.verified(client.certificate(), null);

        assertThat(identity.san()).isEqualTo("IP:::ffff:192.0.2.1, IP:2001:db8:0:0:1::, IP:::1");
    }

    @Test
    void noCertificateIsVerifyNoneAndNothingElse() {
        ClientIdentity none = ClientIdentity.none();

        assertThat(none.verified()).isFalse();
        assertThat(none.verify()).isEqualTo("NONE");
        assertThat(none.subject()).isNull();
        assertThat(none.fingerprint()).isNull();
        assertThat(none.xfcc()).isNull();
        assertThat(none.uriSans()).isEmpty();
    }

    @Test
    void fingerprintSerialAndNamesMatchOpenssl(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(OPENSSL), "needs " + OPENSSL);
        IssuedCertificate client = CertificateBuilder.client("CN=Jörg,L=Zürich,EMAILADDRESS=j@example.org")
                .serial(new BigInteger("0a0b0c0d0e0f", 16))
                .issuedBy(CA).issue();
        Path pem = dir.resolve("client.pem");
        PemWriter.writeCertificates(pem, client.certificate());

        ClientIdentity identity = ClientIdentity.verified(client.certificate(), null);

        String[] lines = openssl(pem, "-fingerprint", "-sha256", "-serial", "-subject", "-issuer",
                "-nameopt", "RFC2253").split("\n");
        assertThat(lines[0]).isEqualTo("sha256 Fingerprint="
                + identity.fingerprint().toUpperCase(Locale.ROOT).replaceAll("(..)(?!$)", "$1:"));
        assertThat(lines[1]).isEqualTo("serial=" + "0" + identity.serial().toUpperCase(Locale.ROOT));
        assertThat(lines[2]).isEqualTo("subject=" + identity.subject());
        assertThat(lines[3]).isEqualTo("issuer=" + identity.issuer());
    }

    private static String openssl(Path pem, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(OPENSSL.toString(), "x509", "-noout", "-in", pem.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }
}

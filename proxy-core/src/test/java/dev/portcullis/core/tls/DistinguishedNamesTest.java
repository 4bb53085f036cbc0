package dev.portcullis.core.tls;

import dev.portcullis.core.pki.CertificateBuilder;
import dev.portcullis.core.pki.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DistinguishedNamesTest {

    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    /** Subjects as X500Principal strings, covering every escaping and naming rule. */
    private static final List<String> SUBJECTS = List.of(
            "CN=alice,O=Portcullis\\, Inc.,C=US",
            "EMAILADDRESS=a@b.example,CN=x",
            "1.2.840.113549.1.9.1=a@b.example,CN=x",
            "CN=Jörg,L=Zürich,C=CH",
            "CN=😀",
            "CN=a+UID=b,O=x",
            "O=x+CN=y+UID=z,C=DE",
            "CN=\\ lead,O=trail\\ ,OU=mid dle",
            "CN=\\#hash,OU=a#b",
            "CN=\\#",
            "CN=\\ ",
            "CN=q\\\"uote,O=semi\\;colon,OU=\\<angle\\>,L=plus\\+sign",
            "CN=back\\\\slash,O=eq=uals",
            "CN=x,DC=example,DC=org",
            "CN=a\\0D\\0Ab,O=tab\\09x,OU=del\\7Fx,L=nul\\00x",
            "CN=a,SERIALNUMBER=123,STREET=Main St,ST=CA,T=Dr,SURNAME=S,GIVENNAME=G,INITIALS=I,GENERATION=III,DNQ=q",
            "CN=x,OID.2.5.4.97=VAT-1,OID.1.3.6.1.4.1.311.60.2.1.3=DE,OID.2.5.4.15=Private Organization",
            "1.2.840.113549.1.9.2=host,0.9.2342.19200300.100.1.1=u1",
            "1.2.3.4=#130568656C6C6F,CN=x",
            "1.2.3.4=#0C03C3BC41",
            "CN=#1403C4FC41,O=#1602C441,OU=#1203313233",
            "CN=#1E0400FC0041,O=#1E022020",
            "CN=#1C0800000041000000FC",
            "CN=#0C022320,O=#0C022023,OU=#0C0122,L=#0C00",
            "CN=#0C0161+CN=#0C0162");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            CN=alice,O=Portcullis\\, Inc.,C=US            | CN=alice,O=Portcullis\\, Inc.,C=US
            EMAILADDRESS=a@b.example,CN=x                  | emailAddress=a@b.example,CN=x
            CN=Jörg,L=Zürich                               | CN=J\\C3\\B6rg,L=Z\\C3\\BCrich
            CN=a+UID=b,O=x                                 | UID=b+CN=a,O=x
            CN=\\#hash                                     | CN=\\#hash
            CN=\\#                                         | CN=#
            CN=q\\"uote,O=semi\\;colon,OU=\\<angle\\>      | CN=q\\"uote,O=semi\\;colon,OU=\\<angle\\>
            CN=eq=uals                                     | CN=eq=uals
            CN=x,DC=example,DC=org                         | CN=x,DC=example,DC=org
            CN=a\\0D\\0Ab                                  | CN=a\\0D\\0Ab
            SERIALNUMBER=1,STREET=s,T=t,GIVENNAME=g        | serialNumber=1,street=s,title=t,GN=g
            1.2.3.4=#130568656C6C6F,CN=x                   | 1.2.3.4=#130568656C6C6F,CN=x
            CN=#1403C4FC41                                 | CN=\\C3\\84\\C3\\BCA
            """)
    void rendersAsOpensslRfc2253Does(String subject, String expected) {
        X509Certificate certificate = CertificateBuilder.ca(subject).issue().certificate();

        assertThat(DistinguishedNames.rfc2253(certificate.getSubjectX500Principal()))
                .as("backends compare this string with what openssl prints")
                .isEqualTo(expected);
    }

    @Test
    void leadingAndTrailingSpacesAreEscapedButInnerOnesAreNot() {
        X509Certificate certificate = CertificateBuilder.ca("CN=\\ lead,O=trail\\ ,OU=mid dle").issue().certificate();

        assertThat(DistinguishedNames.rfc2253(certificate.getSubjectX500Principal()))
                .isEqualTo("CN=\\ lead,O=trail\\ ,OU=mid dle");
    }

    @Test
    void emptyNameIsEmptyString() {
        assertThat(DistinguishedNames.rfc2253(new X500Principal(""))).isEmpty();
    }

    @Test
    void matchesOpensslForEveryRuleAndForEveryAsciiAndLatin1Character(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(OPENSSL), "needs " + OPENSSL);
        List<String> subjects = new ArrayList<>(SUBJECTS);
        subjects.addAll(characterSweeps());

        for (int i = 0; i < subjects.size(); i++) {
            X509Certificate certificate = CertificateBuilder.ca(subjects.get(i)).issue().certificate();
            Path pem = dir.resolve(i + ".pem");
            PemWriter.writeCertificates(pem, certificate);

            List<String> printed = openssl(pem);

            assertThat(List.of(
                    "subject=" + DistinguishedNames.rfc2253(certificate.getSubjectX500Principal()),
                    "issuer=" + DistinguishedNames.rfc2253(certificate.getIssuerX500Principal())))
                    .as("openssl's rendering of %s", subjects.get(i))
                    .isEqualTo(printed);
        }
    }

    @Test
    void outputIsPrintableAsciiForEveryByte() {
        StringBuilder subject = new StringBuilder("CN=#0C820100");
        for (int b = 0; b < 128; b++) {
            subject.append(String.format("%02X", b));
        }
        for (int b = 128; b < 256; b++) {
            subject.append(String.format("%02X", b));
        }
        X509Certificate certificate = CertificateBuilder.ca(subject.toString()).issue().certificate();

        String rendered = DistinguishedNames.rfc2253(certificate.getSubjectX500Principal());

        assertThat(rendered.chars()).as("a header value must not carry CR, LF or other controls")
                .allMatch(c -> c >= 0x20 && c < 0x7F);
    }

    /**
     * Every ASCII byte alone, first, last and in the middle of a UTF8String (escaping depends on
     * the position), and every Latin-1 byte in a T61String (converted to UTF-8 by openssl).
     */
    private static List<String> characterSweeps() {
        List<String> subjects = new ArrayList<>();
        for (int from = 0; from < 128; from += 16) {
            List<String> rdns = new ArrayList<>();
            for (int c = from; c < from + 16; c++) {
                rdns.add(utf8("" + (char) c));
                rdns.add(utf8((char) c + "x"));
                rdns.add(utf8("x" + (char) c));
                rdns.add(utf8("x" + (char) c + "x"));
            }
            subjects.add(String.join(",", rdns));
        }
        List<String> latin1 = new ArrayList<>();
        for (int c = 128; c < 256; c++) {
            latin1.add("CN=#1402" + String.format("%02X", c) + "78");
        }
        subjects.add(String.join(",", latin1));
        return subjects;
    }

    private static String utf8(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return "CN=#0C" + String.format("%02X", bytes.length) + HexFormat.of().withUpperCase().formatHex(bytes);
    }

    private static List<String> openssl(Path pem) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(OPENSSL.toString(), "x509", "-noout", "-subject", "-issuer",
                "-nameopt", "RFC2253", "-in", pem.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return List.of(output.split("\n", -1)).subList(0, 2);
    }
}

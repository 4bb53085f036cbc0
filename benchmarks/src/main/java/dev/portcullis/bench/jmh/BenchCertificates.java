package dev.portcullis.bench.jmh;

import dev.portcullis.core.pki.CertificateBuilder;
import dev.portcullis.core.pki.IssuedCertificate;
import dev.portcullis.core.tls.ClientIdentity;

import java.security.cert.X509Certificate;

/**
 * The certificates the benchmarks use, issued fresh in {@code @Setup}: a dev CA and a typical
 * client leaf ({@code CN=alice,OU=eng,O=Example}, EC P-256, three SANs), as a mesh or an internal
 * API client would present.
 */
final class BenchCertificates {

    /** The server certificate's URI SAN, which XFCC names as {@code By=}. */
    static final String SERVER_URI_SAN = "spiffe://example.org/portcullis";

    private BenchCertificates() {
    }

    static IssuedCertificate ca() {
        return CertificateBuilder.ca("CN=Bench CA,O=Example").issue();
    }

    /** The typical client: a short DN and three SANs (URI, DNS, email). */
    static X509Certificate alice(IssuedCertificate ca) {
        return CertificateBuilder.client("CN=alice,OU=eng,O=Example")
                .sanUri("spiffe://example.org/ns/default/sa/alice")
                .sanDns("alice.eng.example.org")
                .sanEmail("alice@example.org")
                .issuedBy(ca)
                .issue()
                .certificate();
    }

    /** The identity the handshake computes for {@link #alice}, as per-request code reads it. */
    static ClientIdentity aliceIdentity() {
        return ClientIdentity.verified(alice(ca()), SERVER_URI_SAN);
    }
}

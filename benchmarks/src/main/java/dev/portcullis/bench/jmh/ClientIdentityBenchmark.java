package dev.portcullis.bench.jmh;

import dev.portcullis.core.pki.CertificateBuilder;
import dev.portcullis.core.pki.IssuedCertificate;
import dev.portcullis.core.tls.ClientIdentity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * {@link ClientIdentity#verified}: what a connection pays once, after its handshake, to render
 * every identity header value (both DNs in openssl's RFC 2253 form, the SHA-256 fingerprint, the
 * serial, the SAN list, not-after, XFCC). The DN renderer ({@code DistinguishedNames}) is
 * package-private, so its cost shows only through {@link #verified} and how it grows with the
 * longer DN of {@link #verifiedLongDn}.
 *
 * <p>The leaf comes from the JDK's X.509 factory ({@code X509CertImpl}), as Bouncy Castle's
 * converter yields it. With the OpenSSL provider the handshake hands over Netty's lazy
 * certificate, which parses the peer's DER with the same JDK factory on first use; that parse is
 * not in these figures.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClientIdentityBenchmark {

    private X509Certificate alice;
    private X509Certificate longDn;

    @Setup(Level.Trial)
    public void setUp() {
        IssuedCertificate ca = BenchCertificates.ca();
        alice = BenchCertificates.alice(ca);
        longDn = CertificateBuilder.client(
                        "CN=alice.smith,OU=payments,OU=eng,O=Example Corp\\, Inc.,L=Berlin,ST=Berlin,C=DE")
                .sanUri("spiffe://example.org/ns/payments/sa/alice")
                .sanDns("alice.payments.example.org")
                .sanEmail("alice.smith@example.org")
                .issuedBy(ca)
                .issue()
                .certificate();
    }

    /** The typical client: CN=alice,OU=eng,O=Example, three SANs, XFCC with By=. */
    @Benchmark
    public ClientIdentity verified() {
        return ClientIdentity.verified(alice, BenchCertificates.SERVER_URI_SAN);
    }

    /** A seven-attribute DN with an escaped comma: how the DN rendering scales. */
    @Benchmark
    public ClientIdentity verifiedLongDn() {
        return ClientIdentity.verified(longDn, BenchCertificates.SERVER_URI_SAN);
    }

    /**
     * One component of {@link #verified}, done the way ClientIdentity does it: the fingerprint
     * (DER copy, SHA-256, hex), to show how much of the per-connection cost is hashing.
     */
    @Benchmark
    public String fingerprintComponent() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(alice.getEncoded()));
    }
}

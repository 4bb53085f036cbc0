package dev.portcullis.core.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A throwaway development PKI in one directory: a root CA, a server certificate for
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1}, and one client certificate. It exists so
 * that {@code portcullis certs} and {@code portcullis demo} give a working mTLS setup in one
 * command, without openssl recipes; nothing here is meant for production.
 *
 * <table>
 *   <caption>Files</caption>
 *   <tr><th>file</th><th>content</th><th>config key</th></tr>
 *   <tr><td>ca.crt</td><td>root CA, 1 year</td><td>{@code tls.client_ca}; curl {@code --cacert}</td></tr>
 *   <tr><td>ca.key</td><td>CA key (to issue more certificates)</td><td>-</td></tr>
 *   <tr><td>server.crt</td><td>server chain (the leaf, issued by the CA), serverAuth, 90 days</td><td>{@code tls.cert}</td></tr>
 *   <tr><td>server.key</td><td>server key</td><td>{@code tls.key}</td></tr>
 *   <tr><td>client.crt</td><td>{@code CN=dev-client,O=Portcullis Dev}, URI SAN
 *       {@code spiffe://portcullis.dev/client}, clientAuth, 90 days</td><td>curl {@code --cert}</td></tr>
 *   <tr><td>client.key</td><td>client key</td><td>curl {@code --key}</td></tr>
 * </table>
 * Keys are unencrypted PKCS#8 with mode 0600. Existing files are overwritten; callers that must not
 * overwrite check {@link #files()} of {@link #at} first.
 */
public final class DevPki {

    public static final String CLIENT_SUBJECT = "CN=dev-client,O=Portcullis Dev";
    public static final String CLIENT_SAN_URI = "spiffe://portcullis.dev/client";

    private static final String CA_SUBJECT = "CN=Portcullis Dev CA,O=Portcullis Dev";
    private static final String SERVER_SUBJECT = "CN=localhost,O=Portcullis Dev";
    private static final Duration CA_VALIDITY = Duration.ofDays(365);
    private static final Duration LEAF_VALIDITY = Duration.ofDays(90);

    private final Path dir;

    private DevPki(Path dir) {
        this.dir = requireNonNull(dir, "dir");
    }

    /** The file layout in {@code dir}, without writing anything. */
    public static DevPki at(Path dir) {
        return new DevPki(dir);
    }

    /** Creates {@code dir} if needed and writes a fresh PKI into it, replacing any earlier one. */
    public static DevPki write(Path dir) throws IOException {
        DevPki pki = new DevPki(dir);
        Files.createDirectories(dir);
        // Back-date by a minute so a client with a slightly slow clock still accepts the certs.
        Instant notBefore = Instant.now().minus(1, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);

        IssuedCertificate ca = CertificateBuilder.ca(CA_SUBJECT)
                .validity(notBefore, notBefore.plus(CA_VALIDITY))
                .issue();
        IssuedCertificate server = CertificateBuilder.server(SERVER_SUBJECT)
                .sanDns("localhost")
                .sanIp("127.0.0.1")
                .sanIp("::1")
                .validity(notBefore, notBefore.plus(LEAF_VALIDITY))
                .issuedBy(ca)
                .issue();
        IssuedCertificate client = CertificateBuilder.client(CLIENT_SUBJECT)
                .sanUri(CLIENT_SAN_URI)
                .validity(notBefore, notBefore.plus(LEAF_VALIDITY))
                .issuedBy(ca)
                .issue();

        PemWriter.writeCertificates(pki.caCert(), ca.certificate());
        PemWriter.writePrivateKey(pki.caKey(), ca.privateKey());
        // The root is the trust anchor and stays out of the served chain.
        PemWriter.writeCertificates(pki.serverCert(), server.certificate());
        PemWriter.writePrivateKey(pki.serverKey(), server.privateKey());
        PemWriter.writeCertificates(pki.clientCert(), client.certificate());
        PemWriter.writePrivateKey(pki.clientKey(), client.privateKey());
        return pki;
    }

    public Path dir() {
        return dir;
    }

    public Path caCert() {
        return dir.resolve("ca.crt");
    }

    public Path caKey() {
        return dir.resolve("ca.key");
    }

    public Path serverCert() {
        return dir.resolve("server.crt");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    public Path clientCert() {
        return dir.resolve("client.crt");
    }

    public Path clientKey() {
        return dir.resolve("client.key");
    }

    /** All six files, in the order they are written. */
    public List<Path> files() {
        return List.of(caCert(), caKey(), serverCert(), serverKey(), clientCert(), clientKey());
    }
}

package dev.portcullis.core.tls;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.core.ProxyServer;
import dev.portcullis.core.pki.PemWriter;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Sessions resume only as configured, are counted by Portcullis itself, and stay bounded. */
class SessionResumptionTest {

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().build();

    @Test
    void tls13ResumesThroughTicketsAndIsCounted() throws Exception {
        SSLContext client = TlsTestClient.sslContext(proxy.pki().validClient());
        double before = Meters.sessionsResumed(proxy.registry());

        assertThat(request(client, "TLSv1.3")).isEqualTo(200);
        assertThat(request(client, "TLSv1.3")).isEqualTo(200);

        assertThat(Meters.sessionsResumed(proxy.registry()) - before).isEqualTo(1);
        assertThat(Meters.gauge(proxy.registry(), "portcullis.tls.session.cache.entries"))
                .as("TLS 1.3 resumes through tickets only: the session-id cache stays empty")
                .isZero();
    }

    @Test
    void resumedConnectionStillCarriesTheClientIdentity() throws Exception {
        SSLContext client = TlsTestClient.sslContext(proxy.pki().validClient());
        request(client, "TLSv1.3");
        proxy.upstream().drainRequests();
        request(client, "TLSv1.3");

        assertThat(proxy.upstream().takeRequest().headers("X-Client-DN")).containsExactly("CN=alice,OU=eng,O=Example");
    }

    @Test
    void randomTicketKeysRotateAndThePreviousKeyStillDecrypts() throws Exception {
        proxy.restart(b -> b.yaml("tls:\n  session_tickets:\n    rotate: 700ms"));
        SSLContext client = TlsTestClient.sslContext(proxy.pki().validClient());

        request(client, "TLSv1.3");
        Thread.sleep(1000);
        request(client, "TLSv1.3");
        assertThat(Meters.sessionsResumed(proxy.registry()))
                .as("one rotation later the ticket still decrypts with the previous key")
                .isEqualTo(1);

        Thread.sleep(1600);
        request(client, "TLSv1.3");
        assertThat(Meters.sessionsResumed(proxy.registry()))
                .as("two rotations later the key that sealed the newest ticket is gone")
                .isEqualTo(1);
    }

    @Test
    void tls12WithTicketsOffResumesThroughTheSessionIdCache() throws Exception {
        proxy.restart(b -> b.yaml("tls:\n  session_tickets:\n    enabled: false"));
        SSLContext client = TlsTestClient.sslContext(proxy.pki().validClient());

        request(client, "TLSv1.2");
        request(client, "TLSv1.2");

        assertThat(Meters.sessionsResumed(proxy.registry())).isEqualTo(1);
        assertThat(Meters.gauge(proxy.registry(), "portcullis.tls.session.cache.entries")).isEqualTo(1);
    }

    @Test
    void sessionIdCacheStaysWithinItsSizeUnderThreeTimesAsManySessions() throws Exception {
        proxy.restart(b -> b.yaml("tls:\n  session_cache:\n    size: 5\n  session_tickets:\n    enabled: false"));
        for (int i = 0; i < 15; i++) {
            request(TlsTestClient.sslContext(proxy.pki().validClient()), "TLSv1.2");
        }

        assertThat(Meters.gauge(proxy.registry(), "portcullis.tls.session.cache.capacity")).isEqualTo(5);
        assertThat(Meters.gauge(proxy.registry(), "portcullis.tls.session.cache.entries")).isBetween(1.0, 5.0);
    }

    @Test
    void sessionCacheSizeZeroTurnsTheCacheOff() throws Exception {
        proxy.restart(b -> b.yaml("tls:\n  session_cache:\n    size: 0\n  session_tickets:\n    enabled: false"));
        SSLContext client = TlsTestClient.sslContext(proxy.pki().validClient());

        request(client, "TLSv1.2");
        request(client, "TLSv1.2");

        assertThat(Meters.sessionsResumed(proxy.registry())).isZero();
        assertThat(Meters.gauge(proxy.registry(), "portcullis.tls.session.cache.entries")).isZero();
    }

    @Test
    void ticketsDisabledRefusesAnOfferedTicketInTls13AndTls12() throws Exception {
        Path keyFile = writeTicketKeys(proxy.configFile().getParent().resolve("tickets.keys"));
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            proxy.restart(b -> b.set("tls.session_tickets.key_file", keyFile.toString()));
            SSLContext client = TlsTestClient.sslContext(proxy.pki().validClient());
            request(client, protocol);
            assertThat(request(client, protocol)).isEqualTo(200);
            assertThat(Meters.sessionsResumed(proxy.registry())).as("%s resumes with tickets on", protocol).isEqualTo(1);

            // Same port and same ticket keys, so the client offers its ticket and only the switch differs.
            proxy.restart(b -> b.set("tls.session_tickets.key_file", keyFile.toString())
                    .yaml("tls:\n  session_cache:\n    size: 0\n  session_tickets:\n    enabled: false"));
            assertThat(request(client, protocol)).isEqualTo(200);
            assertThat(Meters.sessionsResumed(proxy.registry()))
                    .as("%s: an offered ticket must get a full handshake when tickets are off", protocol)
                    .isZero();
        }
    }

    /**
     * The JDK client files sessions under the server's host and port, so it would never offer one
     * instance's ticket to another; openssl s_client carries the session in a file instead.
     */
    @Test
    void twoInstancesSharingAKeyFileResumeEachOthersSessions() throws Exception {
        Path dir = proxy.configFile().getParent();
        Path keyFile = writeTicketKeys(dir.resolve("shared.keys"));
        proxy.restart(b -> b.set("tls.session_tickets.key_file", keyFile.toString()));
        ClientCredentials alice = proxy.pki().validClient();
        Path cert = dir.resolve("alice.crt");
        Path chain = dir.resolve("alice-chain.crt");
        Path key = dir.resolve("alice.key");
        Path trust = dir.resolve("root.crt");
        PemWriter.writeCertificates(cert, alice.certificate().orElseThrow());
        PemWriter.writeCertificates(chain, alice.chain().subList(1, alice.chain().size()).toArray(X509Certificate[]::new));
        PemWriter.writePrivateKey(key, alice.privateKey());
        PemWriter.writeCertificates(trust, proxy.pki().root().certificate());
        Path session = dir.resolve("alice.session");

        try (ProxyServer second = ProxyServer.start(ConfigLoader.load(proxy.configFile()))) {
            String first = sClient(proxy.address().getPort(), cert, chain, key, trust, "-sess_out", session);
            assertThat(first).contains("New, TLSv1.3").contains("HTTP/1.1 200");

            String resumed = sClient(second.address().getPort(), cert, chain, key, trust, "-sess_in", session);
            assertThat(resumed).as("the second instance resumed a ticket the first one issued")
                    .contains("Reused, TLSv1.3").contains("HTTP/1.1 200");
            assertThat(Meters.sessionsResumed(second.metrics().registry())).isEqualTo(1);
        }
    }

    private static String sClient(int port, Path cert, Path chain, Path key, Path trust, String sessionFlag, Path session)
            throws Exception {
        Process process = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-tls1_3", "-cert", cert.toString(), "-cert_chain", chain.toString(), "-key", key.toString(),
                "-CAfile", trust.toString(), sessionFlag, session.toString(), "-ign_eof")
                .redirectErrorStream(true)
                .start();
        try (var stdin = process.getOutputStream()) {
            stdin.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("openssl s_client finished").isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static int request(SSLContext client, String protocol) throws Exception {
        try (TlsTestClient connection = proxy.client(proxy.pki().validClient(),
                Options.defaults().sslContext(client).protocols(protocol))) {
            return connection.get("/").status();
        }
    }

    private static Path writeTicketKeys(Path file) throws Exception {
        byte[] keys = new byte[96];
        new SecureRandom().nextBytes(keys);
        return Files.write(file, keys);
    }
}

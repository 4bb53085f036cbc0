package dev.portcullis.core.tls;

import dev.portcullis.config.AllowRule;
import dev.portcullis.config.CrlFiles;
import dev.portcullis.config.PemException;
import dev.portcullis.config.PemFiles;
import dev.portcullis.config.TicketKeyFile;
import dev.portcullis.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import javax.net.ssl.SSLException;
import javax.security.auth.x500.X500Principal;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Builds a {@link ServerTls} generation from the files {@code tls} names: BoringSSL through
 * tcnative, TLS 1.2/1.3 only, client certificates verified by {@link ClientCertVerifier} with the
 * configured CRLs, a bounded session cache, and ticket keys from the key file or random and
 * rotating. The first load and every reload run this same code, and nothing is swapped in unless
 * all of it succeeds.
 *
 * <p>Keys are parsed with Bouncy Castle ({@link PemFiles}) because Netty's own PEM reader accepts
 * only PKCS#8. Passing a {@link PrivateKey} also lets Netty encode the key to native once per
 * context rather than once per handshake.
 */
public final class SslContexts {

    private static final Logger LOG = LogManager.getLogger(SslContexts.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private SslContexts() {
    }

    /**
     * Reads every file anew and builds a generation.
     *
     * @param http2     {@code http2.enabled}: ALPN offers {@code h2} before {@code http/1.1}
     * @param scheduler rotates random ticket keys every {@code session_tickets.rotate}
     * @throws PemException with a one-line message naming the file, for anything unusable
     */
    public static ServerTls load(TlsConfig tls, List<AllowRule> allow, boolean http2, ScheduledExecutorService scheduler)
            throws PemException, SSLException {
        if (!OpenSsl.isAvailable()) {
            throw new SSLException("BoringSSL (netty-tcnative) is not available on this platform", OpenSsl.unavailabilityCause());
        }
        List<X509Certificate> chain = PemFiles.readCertificates(tls.cert());
        X509Certificate leaf = chain.get(0);
        checkValidity(leaf, tls.cert());
        PrivateKey key = PemFiles.readPrivateKey(tls.key());
        try {
            PemFiles.checkKeyMatches(key, leaf);
        } catch (PemException e) {
            throw new PemException("file \"" + tls.key() + "\": " + e.getMessage() + " in \"" + tls.cert() + "\"", e);
        }
        List<X509Certificate> clientCa = PemFiles.readCertificates(tls.clientCa());
        RevocationIndex revocations = revocations(tls, clientCa);

        SslContext context = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.OPENSSL)
                .protocols(tls.protocols())
                .clientAuth(tls.clientAuth() == TlsConfig.ClientAuth.REQUIRE ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
                .trustManager(new ClientCertVerifier(clientCa, tls.verifyDepth(), revocations))
                .sessionCacheSize(tls.sessionCache().size())
                .sessionTimeout(tls.sessionCache().timeout().toSeconds())
                .applicationProtocolConfig(alpn(http2))
                .build();
        OpenSslServerSessionContext sessions = (OpenSslServerSessionContext) context.sessionContext();
        if (tls.sessionCache().size() == 0) {
            sessions.setSessionCacheEnabled(false);
        }
        Future<?> rotation = installTicketKeys(tls.sessionTickets(), sessions, scheduler);
        return new ServerTls(context, revocations, AllowList.of(allow), !tls.sessionTickets().enabled(),
                tls.sessionCache().size(), leaf, rotation);
    }

    /**
     * The server picks from what it offers, in its order; a client that offers nothing in common,
     * or no ALPN at all, gets HTTP/1.1 (the OpenSSL provider supports only these two behaviours).
     */
    private static ApplicationProtocolConfig alpn(boolean http2) {
        List<String> protocols = http2
                ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols);
    }

    /** An expired or not yet valid server certificate is refused, so a reload never installs one. */
    private static void checkValidity(X509Certificate leaf, Path file) throws PemException {
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new PemException("file \"" + file + "\": the certificate expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new PemException("file \"" + file + "\": the certificate is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
    }

    private static RevocationIndex revocations(TlsConfig tls, List<X509Certificate> clientCa) throws PemException {
        if (tls.crl().isEmpty()) {
            return RevocationIndex.EMPTY;
        }
        List<X509CRL> crls = new ArrayList<>();
        Instant now = Instant.now();
        for (Path file : tls.crl()) {
            List<X509CRL> fromFile = CrlFiles.read(file);
            try {
                for (String warning : CrlFiles.check(fromFile, clientCa, tls.crlStale(), now)) {
                    LOG.warn("file \"{}\": {}", file, warning);
                }
            } catch (PemException e) {
                throw new PemException("file \"" + file + "\": " + e.getMessage(), e);
            }
            crls.addAll(fromFile);
        }
        Set<X500Principal> anchors = clientCa.stream().map(X509Certificate::getSubjectX500Principal)
                .collect(Collectors.toUnmodifiableSet());
        return new RevocationIndex(crls, anchors);
    }

    /**
     * Tickets on: keys from the key file (first encrypts, all decrypt) or a random key rotated
     * every {@code rotate}, the previous one kept for decryption. Every {@code setTicketKeys} call
     * turns tickets on, so nothing is called here when they are off.
     */
    private static Future<?> installTicketKeys(TlsConfig.SessionTickets tickets, OpenSslServerSessionContext sessions,
                                               ScheduledExecutorService scheduler) throws PemException {
        if (!tickets.enabled()) {
            return null;
        }
        if (tickets.keyFile().isPresent()) {
            sessions.setTicketKeys(TicketKeyFile.read(tickets.keyFile().get()).stream()
                    .map(SslContexts::ticketKey).toArray(OpenSslSessionTicketKey[]::new));
            return null;
        }
        OpenSslSessionTicketKey[] keys = {randomTicketKey()};
        sessions.setTicketKeys(keys);
        long rotateMillis = tickets.rotate().toMillis();
        return scheduler.scheduleAtFixedRate(() -> {
            keys[0] = ticketKeyRotation(sessions, keys[0]);
        }, rotateMillis, rotateMillis, TimeUnit.MILLISECONDS);
    }

    private static OpenSslSessionTicketKey ticketKeyRotation(OpenSslServerSessionContext sessions,
                                                             OpenSslSessionTicketKey previous) {
        OpenSslSessionTicketKey next = randomTicketKey();
        sessions.setTicketKeys(next, previous);
        return next;
    }

    private static OpenSslSessionTicketKey randomTicketKey() {
        byte[] bytes = new byte[48];
        RANDOM.nextBytes(bytes);
        return ticketKey(bytes);
    }

    /** A 48-byte record: name 16 | hmac 16 | aes 16. */
    private static OpenSslSessionTicketKey ticketKey(byte[] record) {
        return new OpenSslSessionTicketKey(Arrays.copyOfRange(record, 0, 16), Arrays.copyOfRange(record, 16, 32),
                Arrays.copyOfRange(record, 32, 48));
    }
}

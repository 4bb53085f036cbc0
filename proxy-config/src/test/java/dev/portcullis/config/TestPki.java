package dev.portcullis.config;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Writes PEM files with the openssl CLI, so tests read keys in exactly the formats operators have
 * (PKCS#1 and SEC1 come from openssl, not from a library that might write them differently).
 * CRLs are built with Bouncy Castle ({@code openssl ca -gencrl} needs a CA database). Nothing
 * secret is committed: every key is made in a test's temporary directory.
 */
final class TestPki {

    private static final String OPENSSL = "/usr/bin/openssl";

    /** When the CRL in {@code stale.crl} says the next one is due: long past. */
    static final Instant STALE_NEXT_UPDATE = Instant.parse("2020-01-02T00:00:00Z");

    private TestPki() {
    }

    /**
     * The files the error fixtures and the reference config name: {@code tls.crt} + {@code tls.key}
     * (a matching pair, SEC1 with EC PARAMETERS), {@code ca.crt}, {@code other.key} (PKCS#8, matches
     * nothing), {@code encrypted.key} (PKCS#8 encrypted), {@code encrypted-legacy.key} (PEM
     * Proc-Type encryption); {@code ticket.keys} (two 48-byte keys), {@code ticket-50.keys} (50
     * bytes); CRLs of {@code ca.crt}: {@code ca.crl} (PEM, current), {@code ca-crl.der} (DER,
     * current), {@code stale.crl} (nextUpdate {@link #STALE_NEXT_UPDATE}), {@code forged.crl}
     * (claims ca.crt's subject, signed by other.key), {@code garbage.crl} (starts like DER, is not).
     */
    static void writeServerFiles(Path dir) {
        Path key = dir.resolve("tls.key");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", key.toString());
        selfSigned(key, "/CN=localhost", dir.resolve("tls.crt"));
        Path caKey = dir.resolve("ca.key");
        pkcs8Ec(caKey);
        selfSigned(caKey, "/CN=Test Client CA", dir.resolve("ca.crt"));
        pkcs8Ec(dir.resolve("other.key"));
        openssl("pkey", "-in", key.toString(), "-aes256", "-passout", "pass:test-only",
                "-out", dir.resolve("encrypted.key").toString());
        openssl("pkey", "-in", key.toString(), "-traditional", "-aes256", "-passout", "pass:test-only",
                "-out", dir.resolve("encrypted-legacy.key").toString());
        write(dir.resolve("ticket.keys"), randomBytes(2 * TicketKeyFile.KEY_BYTES));
        write(dir.resolve("ticket-50.keys"), randomBytes(50));
        writeCrlFiles(dir);
    }

    private static void writeCrlFiles(Path dir) {
        try {
            X500Principal ca = PemFiles.readCertificates(dir.resolve("ca.crt")).get(0).getSubjectX500Principal();
            PrivateKey caKey = PemFiles.readPrivateKey(dir.resolve("ca.key"));
            PrivateKey otherKey = PemFiles.readPrivateKey(dir.resolve("other.key"));
            Instant now = Instant.now();
            X509CRL current = crl(ca, caKey, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)),
                    BigInteger.valueOf(0x1001));
            write(dir.resolve("ca.crl"), pem(current).getBytes(StandardCharsets.US_ASCII));
            write(dir.resolve("ca-crl.der"), current.getEncoded());
            X509CRL stale = crl(ca, caKey, Instant.parse("2020-01-01T00:00:00Z"), STALE_NEXT_UPDATE);
            write(dir.resolve("stale.crl"), pem(stale).getBytes(StandardCharsets.US_ASCII));
            X509CRL forged = crl(ca, otherKey, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
            write(dir.resolve("forged.crl"), pem(forged).getBytes(StandardCharsets.US_ASCII));
            byte[] garbage = randomBytes(200);
            garbage[0] = 0x30;
            write(dir.resolve("garbage.crl"), garbage);
        } catch (GeneralSecurityException | PemException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A CRL issued by {@code issuer}, signed with {@code signingKey} (ECDSA), listing
     * {@code revoked}; {@code nextUpdate} may be null.
     */
    static X509CRL crl(X500Principal issuer, PrivateKey signingKey, Instant thisUpdate, Instant nextUpdate,
            BigInteger... revoked) throws GeneralSecurityException {
        JcaX509v2CRLBuilder builder = new JcaX509v2CRLBuilder(issuer, Date.from(thisUpdate));
        if (nextUpdate != null) {
            builder.setNextUpdate(Date.from(nextUpdate));
        }
        for (BigInteger serial : revoked) {
            builder.addCRLEntry(serial, Date.from(thisUpdate), CRLReason.keyCompromise);
        }
        try {
            String algorithm = signingKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CRLConverter().getCRL(builder.build(new JcaContentSignerBuilder(algorithm).build(signingKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** {@code -----BEGIN X509 CRL-----} text for each CRL, in order. */
    static String pem(X509CRL... crls) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (X509CRL crl : crls) {
                writer.writeObject(crl);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PKCS#8 {@code PRIVATE KEY} on P-256. */
    static void pkcs8Ec(Path key) {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
    }

    /** A SEC1 {@code EC PRIVATE KEY}, with or without the {@code EC PARAMETERS} block before it. */
    static void sec1Ec(Path key, boolean withParameters) {
        List<String> args = new ArrayList<>(List.of("ecparam", "-name", "prime256v1", "-genkey", "-out", key.toString()));
        if (!withParameters) {
            args.add("-noout");
        }
        openssl(args.toArray(String[]::new));
    }

    /** A PKCS#1 {@code RSA PRIVATE KEY}, 2048 bits. */
    static void pkcs1Rsa(Path key) {
        openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
    }

    /** A self-signed certificate for {@code key}, valid for a day, with any {@code -addext} extensions. */
    static void selfSigned(Path key, String subject, Path cert, String... extensions) {
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-new", "-key", key.toString(), "-subj", subject,
                "-days", "1", "-out", cert.toString()));
        for (String extension : extensions) {
            args.add("-addext");
            args.add(extension);
        }
        openssl(args.toArray(String[]::new));
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(OPENSSL);
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + OPENSSL, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

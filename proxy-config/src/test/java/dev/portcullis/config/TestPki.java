package dev.portcullis.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes PEM files with the openssl CLI, so tests read keys in exactly the formats operators have
 * (PKCS#1 and SEC1 come from openssl, not from a library that might write them differently).
 * Nothing secret is committed: every key is made in a test's temporary directory.
 */
final class TestPki {

    private static final String OPENSSL = "/usr/bin/openssl";

    private TestPki() {
    }

    /**
     * The files the error fixtures and the reference config name: {@code tls.crt} + {@code tls.key}
     * (a matching pair, SEC1 with EC PARAMETERS), {@code ca.crt}, {@code other.key} (PKCS#8, matches
     * nothing), {@code encrypted.key} (PKCS#8 encrypted), {@code encrypted-legacy.key} (PEM
     * Proc-Type encryption).
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

    /** A self-signed certificate for {@code key}, valid for a day. */
    static void selfSigned(Path key, String subject, Path cert) {
        openssl("req", "-x509", "-new", "-key", key.toString(), "-subj", subject, "-days", "1",
                "-out", cert.toString());
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

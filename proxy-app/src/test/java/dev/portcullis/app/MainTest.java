package dev.portcullis.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands that return, run in-process; the blocking ones are covered by the *IT tests. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

    @Test
    void versionFallsBackToDevOutsideTheJar() {
        assertThat(execute("--version")).isZero();
        assertThat(out()).isEqualTo("portcullis dev\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void helpGoesToStdoutAndExitsZero() {
        assertThat(execute("--help")).isZero();
        assertThat(out()).startsWith("Usage:\n").contains("portcullis validate --config FILE");
        assertThat(err()).isEmpty();
    }

    @Test
    void usageErrorIsOneLineOnStderrAndExitsTwo() {
        assertThat(execute("valdate", "--config", "x.yaml")).isEqualTo(2);
        assertThat(out()).isEmpty();
        assertThat(err()).isEqualTo("portcullis: unknown command \"valdate\" (did you mean \"validate\"?)\n");
    }

    @Test
    void certsListsTheFilesItWrote() {
        Path pki = dir.resolve("pki");

        assertThat(execute("certs", "--out", pki.toString())).isZero();

        assertThat(out().lines()).containsExactly(
                pki.resolve("ca.crt").toString(), pki.resolve("ca.key").toString(),
                pki.resolve("server.crt").toString(), pki.resolve("server.key").toString(),
                pki.resolve("client.crt").toString(), pki.resolve("client.key").toString());
        assertThat(err()).isEmpty();
    }

    @Test
    void certsRefusesToOverwriteWithoutForce() throws Exception {
        Files.writeString(dir.resolve("server.key"), "precious");

        assertThat(execute("certs", "--out", dir.toString())).isEqualTo(2);

        assertThat(err()).isEqualTo("portcullis certs: " + dir.resolve("server.key")
                + " already exists (use --force to overwrite)\n");
        assertThat(Files.readString(dir.resolve("server.key"))).as("nothing was touched").isEqualTo("precious");
        assertThat(dir.resolve("ca.crt")).doesNotExist();
    }

    @Test
    void certsWithForceOverwrites() throws Exception {
        Files.writeString(dir.resolve("server.key"), "old");

        assertThat(execute("certs", "--out", dir.toString(), "--force")).isZero();

        assertThat(Files.readString(dir.resolve("server.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    private int execute(String... args) {
        return Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}

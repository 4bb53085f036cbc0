package dev.portcullis.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands that finish by themselves, run against the real jar. */
class CliIT {

    @TempDir
    Path dir;

    @Test
    void versionComesFromTheJarManifest() throws Exception {
        PortcullisJar.Result result = PortcullisJar.run("--version");

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).matches("portcullis \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
        assertThat(result.stderr()).as("no Log4j status noise: the shaded plugins were found").isEmpty();
    }

    @Test
    void helpListsEveryCommand() throws Exception {
        PortcullisJar.Result result = PortcullisJar.run("--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout()).contains("--config FILE", "validate", "demo", "certs --out DIR", "--version");
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void typoIsOneUsageLineWithDidYouMeanAndExitTwo() throws Exception {
        PortcullisJar.Result result = PortcullisJar.run("valdate", "--config", "x.yaml");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).isEqualTo("portcullis: unknown command \"valdate\" (did you mean \"validate\"?)\n");
        assertThat(result.stdout()).isEmpty();
    }

    @Test
    void certsWritesSixFilesAndRefusesToOverwriteThem() throws Exception {
        Path out = dir.resolve("pki");

        PortcullisJar.Result first = PortcullisJar.run("certs", "--out", out.toString());

        assertThat(first.exitCode()).isZero();
        assertThat(first.stdout().lines()).hasSize(6);
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                    "ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key");
        }
        assertThat(first.stderr()).isEmpty();

        PortcullisJar.Result second = PortcullisJar.run("certs", "--out", out.toString());

        assertThat(second.exitCode()).isEqualTo(2);
        assertThat(second.stderrLines()).singleElement().asString()
                .isEqualTo("portcullis certs: " + out.resolve("ca.crt") + " already exists (use --force to overwrite)");
    }

    @Test
    void validateOfABadConfigPrintsExactlyOneLineAndExitsTwo() throws Exception {
        assertThat(PortcullisJar.run("certs", "--out", dir.toString()).exitCode()).isZero();
        Path config = goodConfig().replace("client_auth: require", "client_auth: maybe").write(dir);

        PortcullisJar.Result result = PortcullisJar.run("validate", "--config", config.toString());

        assertThat(result.stderrLines()).as("stderr: " + result.stderr()).singleElement().asString()
                .contains("tls.client_auth").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stdout()).isEmpty();
    }

    @Test
    void validateOfAMissingFileIsAConfigError() throws Exception {
        PortcullisJar.Result result = PortcullisJar.run("validate", "--config", dir.resolve("nope.yaml").toString());

        assertThat(result.stderrLines()).as("stderr: " + result.stderr()).hasSize(1);
        assertThat(result.exitCode()).isEqualTo(2);
    }

    @Test
    void validateOfAGoodConfigFromCertsPrintsOk() throws Exception {
        assertThat(PortcullisJar.run("certs", "--out", dir.toString()).exitCode()).isZero();
        Path config = goodConfig().write(dir);

        PortcullisJar.Result result = PortcullisJar.run("validate", "--config", config.toString());

        assertThat(result.stderr()).isEmpty();
        assertThat(result.stdout()).isEqualTo("ok\n");
        assertThat(result.exitCode()).isZero();
    }

    /** A config that is valid once {@code certs --out} has written the PKI next to it. */
    private static Yaml goodConfig() {
        return new Yaml("""
                listen: "127.0.0.1:0"
                tls:
                  cert: server.crt
                  key: server.key
                  client_ca: ca.crt
                  client_auth: require
                upstream:
                  url: "http://127.0.0.1:9"
                admin:
                  listen: "127.0.0.1:0"
                """);
    }

    private record Yaml(String text) {

        Yaml replace(String from, String to) {
            return new Yaml(text.replace(from, to));
        }

        Path write(Path dir) throws java.io.IOException {
            return Files.writeString(dir.resolve("portcullis.yaml"), text);
        }
    }
}

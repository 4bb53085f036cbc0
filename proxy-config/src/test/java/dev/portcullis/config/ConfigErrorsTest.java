package dev.portcullis.config;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * One YAML fixture per error case under {@code config-errors/}. Each fixture's first line is
 * {@code # expect: <the whole message>}, with {@code <dir>} standing for the directory the fixtures
 * are copied to (next to freshly generated PEM files, so file checks see real keys).
 */
class ConfigErrorsTest {

    private static final String EXPECT = "# expect: ";
    private static final Map<String, String> ENVIRONMENT = Map.of("PRESENT", "value");

    @TempDir
    static Path dir;

    @BeforeAll
    static void copyFixturesNextToPemFiles() throws IOException {
        TestPki.writeServerFiles(dir);
        for (Path fixture : fixtures().toList()) {
            Files.copy(fixtureDir().resolve(fixture), dir.resolve(fixture));
        }
    }

    static Stream<Path> fixtures() throws IOException {
        try (Stream<Path> files = Files.list(fixtureDir())) {
            return files.map(Path::getFileName).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void eachBadConfigFailsWithItsOneLineMessage(Path fixture) throws IOException {
        Path file = dir.resolve(fixture);
        String firstLine = Files.readAllLines(file).get(0);
        assertThat(firstLine).as("fixture must state its message on line 1").startsWith(EXPECT);
        String expected = firstLine.substring(EXPECT.length()).replace("<dir>", dir.toString());

        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(file, ENVIRONMENT::get));

        assertThat(e).as("%s must be refused", fixture).isNotNull();
        assertThat(e.getMessage()).isEqualTo(expected);
        assertThat(e.getMessage()).as("operators see one line, never a stack trace").doesNotContain("\n", "Exception");
    }

    @Test
    void aMissingConfigFileIsNamed() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(dir.resolve("nope.yaml"), ENVIRONMENT::get));

        assertThat(e.getMessage()).isEqualTo(dir.resolve("nope.yaml") + ": config file not found");
    }

    @Test
    void keyErrorsNeverQuoteKeyMaterial() throws IOException {
        Path file = dir.resolve("cert-is-key.yaml");
        Files.writeString(file, "tls:\n  cert: other.key\n  key: tls.key\n  client_ca: ca.crt\n");
        List<String> keyLines = Files.readAllLines(dir.resolve("other.key")).stream()
                .filter(line -> !line.startsWith("-----")).toList();

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, ENVIRONMENT::get));

        assertThat(e.getMessage()).endsWith("no PEM certificate found");
        assertThat(keyLines).allSatisfy(line -> assertThat(e.getMessage()).doesNotContain(line));
    }

    private static Path fixtureDir() {
        try {
            return Path.of(ConfigErrorsTest.class.getResource("/config-errors").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * h2spec (summerwind/h2spec, the HTTP/2 conformance suite) against the real proxy, only with
 * {@code mvn -B -pl proxy-core verify -Ph2spec -Dtest=H2SpecTest} and an {@code h2spec} binary
 * ({@code -Dh2spec.binary=PATH}; it is not packaged in Debian, but builds offline from Debian's Go
 * libraries: README "Tests"). h2spec presents no client certificate, so this proxy runs with
 * {@code client_auth: optional}. The three cases Netty's codec answers differently from what
 * h2spec expects are listed in docs/security.md; anything beyond them fails the test.
 */
@EnabledIfSystemProperty(named = "portcullis.h2spec", matches = ".+")
class H2SpecTest {

    /** Netty 4.2.18's answers to 5.1/6, 5.1/12 and 5.1.1/2 (see the class note). */
    private static final int KNOWN_FAILURES = 3;
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) tests, (\\d+) passed, (\\d+) skipped, (\\d+) failed");

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().clientAuth("optional").build();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void conformance() throws Exception {
        File report = File.createTempFile("h2spec", ".txt");
        Process h2spec = new ProcessBuilder(List.of(System.getProperty("portcullis.h2spec"), "-h", "127.0.0.1",
                "-p", String.valueOf(proxy.address().getPort()), "-t", "-k", "-o", "3"))
                .redirectErrorStream(true).redirectOutput(report).start();
        assertThat(h2spec.waitFor(4, TimeUnit.MINUTES)).as("h2spec finished").isTrue();
        String output = java.nio.file.Files.readString(report.toPath(), StandardCharsets.UTF_8);
        Matcher summary = SUMMARY.matcher(output);
        assertThat(summary.find()).as("h2spec's summary in:\n%s", output).isTrue();
        System.out.println("h2spec: " + summary.group());
        assertThat(Integer.parseInt(summary.group(4))).as(output).isLessThanOrEqualTo(KNOWN_FAILURES);
    }
}

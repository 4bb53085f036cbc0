package dev.portcullis.bench;

import dev.portcullis.bench.load.LoadOptions;
import dev.portcullis.bench.load.Mode;
import dev.portcullis.bench.load.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The driver's command line: defaults, and usage errors that name the option and what it expects. */
class LoadOptionsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsMatchTheDocumentedOnes() throws Exception {
        LoadOptions options = LoadOptions.parse(required());

        assertThat(options.mode()).isEqualTo(Mode.KEEPALIVE);
        assertThat(options.connections()).isEqualTo(50);
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.threads()).isEqualTo(1);
        assertThat(options.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.json()).isNull();
        assertThat(options.messageSize()).as("message size of the HTTP modes (unused)").isEqualTo(1024);
        assertThat(options.streams()).as("streams per connection (h2 modes)").isEqualTo(1);
    }

    @Test
    void streamsArePerConnectionInTheH2Modes() throws Exception {
        LoadOptions options = LoadOptions.parse(required("--mode", "h2", "--connections", "4", "--streams", "50"));

        assertThat(options.mode()).isEqualTo(Mode.H2);
        assertThat(options.mode().http2()).isTrue();
        assertThat(options.connections()).isEqualTo(4);
        assertThat(options.streams()).isEqualTo(50);
        assertThat(LoadOptions.parse(required("--mode", "h2-idle")).mode().holdsConnections()).isTrue();
    }

    @Test
    void messageSizeDefaultsByModeAndTakesBytesOrBinaryUnits() throws Exception {
        assertThat(LoadOptions.parse(required("--mode", "ws-throughput")).messageSize()).isEqualTo(64 * 1024);
        assertThat(LoadOptions.parse(required("--mode", "ws-roundtrip")).messageSize()).isEqualTo(1024);
        assertThat(LoadOptions.parse(required("--mode", "ws-idle")).messageSize()).isEqualTo(1024);
        assertThat(LoadOptions.parse(required("--mode", "ws-roundtrip", "--message-size", "100")).messageSize())
                .isEqualTo(100);
        assertThat(LoadOptions.parse(required("--mode", "ws-throughput", "--message-size", "1MiB")).messageSize())
                .isEqualTo(1 << 20);
    }

    @Test
    void equalsFormAndOverridesAreRead() throws Exception {
        LoadOptions options = LoadOptions.parse(required("--mode=resume", "--connections", "7", "--duration", "500ms",
                "--warmup", "0", "--protocol", "tlsv1.2", "--threads", "2", "--json", "out.json"));

        assertThat(options.mode()).isEqualTo(Mode.RESUME);
        assertThat(options.connections()).isEqualTo(7);
        assertThat(options.duration()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.warmup()).isZero();
        assertThat(options.protocols()).containsExactly("TLSv1.2");
        assertThat(options.threads()).isEqualTo(2);
        assertThat(options.json()).isEqualTo(Path.of("out.json"));
    }

    @Test
    void usageErrorsNameTheOptionAndWhatItExpects() throws Exception {
        assertUsage(required("--mode", "burst"), "--mode: \"burst\" (expected: keepalive, handshake, resume, idle,"
                + " ws-throughput, ws-roundtrip, ws-idle, h2 or h2-idle)");
        assertUsage(required("--streams", "10"), "--streams: only the h2 modes (h2, h2-idle) multiplex streams");
        assertUsage(required("--mode", "h2", "--streams", "0"),
                "--streams: \"0\" (expected a whole number from 1 to 10000)");
        assertUsage(required("--message-size", "17MiB"),
                "--message-size: \"17MiB\" (expected a size from 1B to 16MiB, such as 1024, 1KiB or 64KiB)");
        assertUsage(required("--message-size", "1KB"),
                "--message-size: \"1KB\" (expected a size from 1B to 16MiB, such as 1024, 1KiB or 64KiB)");
        assertUsage(required("--connections", "0"), "--connections: \"0\" (expected a whole number from 1 to 100000)");
        assertUsage(required("--duration", "0"), "--duration: \"0\" (expected a duration such as 500ms, 10s or 2m)");
        assertUsage(required("--protocol", "TLSv1.1"), "--protocol: \"TLSv1.1\" (expected TLSv1.3 or TLSv1.2)");
        assertUsage(required("--bogus", "1"), "unknown option: --bogus");
        assertUsage(required("--mode"), "--mode: missing value");
        assertUsage(new String[] {"--url", "http://127.0.0.1/"}, "--url: must start with https:// or wss:// (got http://127.0.0.1/)");
        assertUsage(new String[] {"--url", "https://127.0.0.1/"}, "--url, --cert, --key and --cacert are required");
        assertUsage(new String[] {"--cert", dir.resolve("missing.crt").toString()},
                "--cert: cannot read file " + dir.resolve("missing.crt"));
    }

    private void assertUsage(String[] args, String message) {
        assertThatThrownBy(() -> LoadOptions.parse(args)).isInstanceOf(UsageException.class).hasMessage(message);
    }

    private String[] required(String... more) throws Exception {
        Path file = Files.writeString(dir.resolve("f.pem"), "x");
        List<String> args = new ArrayList<>(List.of("--url", "https://127.0.0.1:8443/", "--cert", file.toString(),
                "--key", file.toString(), "--cacert", file.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }
}

package dev.portcullis.bench;

import dev.portcullis.bench.echo.EchoUpstream;
import dev.portcullis.bench.load.LoadDriver;
import dev.portcullis.bench.load.LoadOptions;
import dev.portcullis.bench.load.LoadResult;
import dev.portcullis.bench.load.Mode;
import dev.portcullis.core.pki.PemWriter;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The CI smoke run of the driver's WebSocket modes, about three seconds in all, in-process as in
 * the benchmark: the driver over mTLS to the real proxy, the proxy over plain TCP to the
 * benchmark's echo upstream. It proves that the tunnels upgrade through the proxy, that every
 * message comes back byte for byte without errors (and without leaking a buffer: the build runs
 * paranoid leak detection), that ws-idle holds its tunnels, and that a refused upgrade is
 * counted as such. It measures nothing worth comparing.
 */
class WebSocketLoadSmokeTest {

    /** Started before the proxy, whose upstream it is (static fields initialise in order). */
    private static final EchoUpstream echo = startEcho();

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder()
            .set("upstream.url", "http://127.0.0.1:" + echo.address().getPort())
            .build();

    @TempDir
    static Path dir;

    private static Path cert;
    private static Path key;
    private static Path caCert;

    private static EchoUpstream startEcho() {
        try {
            return EchoUpstream.start(new InetSocketAddress("127.0.0.1", 0), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The client's files, as the CLI takes them: chain (leaf + Client CA), PKCS#8 key, server root. */
    @BeforeAll
    static void writeClientFiles() throws Exception {
        ClientCredentials client = proxy.pki().validClient();
        cert = Files.writeString(dir.resolve("client.crt"), PemWriter.certificates(client.chain()));
        key = dir.resolve("client.key");
        PemWriter.writePrivateKey(key, client.privateKey());
        caCert = Files.writeString(dir.resolve("ca.crt"), PemWriter.certificates(client.serverTrust()));
    }

    @AfterAll
    static void stopEcho() {
        echo.close();
    }

    @Test
    void roundtripEchoesEveryKibibyteMessageUnchanged() throws Exception {
        LoadResult result = report(LoadDriver.run(options(Mode.WS_ROUNDTRIP, EchoUpstream.PATH, 4, "1s", "200ms")));

        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.requests()).as("round trips in the window").isPositive();
        assertThat(result.responseBytes()).as("payload bytes tunnelled: each echo counts its message both ways")
                .isEqualTo(result.requests() * 2 * 1024);
        assertThat(result.p50Ms()).isPositive().isLessThanOrEqualTo(result.p99Ms());
        assertThat(result.summaryLine()).startsWith("ws-roundtrip c=4 1KiB 1.0s: " + result.requests() + " msg, ")
                .contains(" MiB/s, errors 0, p50 ", "TLSv1.3");
        assertThat(result.toJson()).startsWith("{\"mode\":\"ws-roundtrip\",\"connections\":4,\"duration_s\":1.000,")
                .contains("\"message_size\":1024,\"mib_per_s\":");
    }

    @Test
    void throughputMovesLargeMessagesBothWays() throws Exception {
        LoadResult result = report(LoadDriver.run(options(Mode.WS_THROUGHPUT, EchoUpstream.PATH, 2, "1s", "200ms")));

        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.requests()).isPositive();
        assertThat(result.messageSize()).isEqualTo(64 * 1024);
        assertThat(result.mibPerSecond()).isPresent();
        assertThat(result.mibPerSecond().getAsDouble())
                .as("MiB/s, both directions").isCloseTo(result.requests() * 2 / 16.0 / result.durationSeconds(),
                        within(0.01));
    }

    @Test
    void idleHoldsEveryTunnelAfterOneRoundTripAndSaysReady() throws Exception {
        double openedBefore = tunnelsOpened();
        List<Integer> readyCalls = new ArrayList<>();
        List<Double> openedWhenReady = new ArrayList<>();
        LoadResult result = report(LoadDriver.run(options(Mode.WS_IDLE, EchoUpstream.PATH, 20, "300ms", "0"), n -> {
            readyCalls.add(n);
            openedWhenReady.add(tunnelsOpened() - openedBefore);
        }));

        assertThat(readyCalls).as("READY once, with every tunnel").containsExactly(20);
        assertThat(openedWhenReady).as("tunnels the proxy opened (upstream's 101) by READY: each one is really"
                + " tunnelled by the proxy, none answered by it").containsExactly(20.0);
        assertThat(result.established()).isEqualTo(20);
        assertThat(result.requests()).as("one round trip per tunnel, none while held").isEqualTo(20);
        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.toJson()).contains("\"mode\":\"ws-idle\"", "\"established\":20", "\"mib_per_s\":0.000");
    }

    @Test
    void refusedUpgradeIsCountedAsSuchAndNothingIsMeasured() throws Exception {
        // the echo answers 200 to anything outside its WebSocket path, and the proxy relays it: no 101
        LoadResult result = report(LoadDriver.run(options(Mode.WS_ROUNDTRIP, "/plain", 1, "300ms", "0")));

        assertThat(result.requests()).isZero();
        assertThat(result.errorsByKind()).as("errors: %s", result.errorExamples()).containsKey("websocket_upgrade");
    }

    private static double tunnelsOpened() {
        return Meters.counter(proxy.registry(), "portcullis.websocket.tunnels");
    }

    /** The summary in the build log, so a CI run shows what the smoke run did. */
    private static LoadResult report(LoadResult result) {
        System.out.println(result.summaryLine());
        return result;
    }

    private static LoadOptions options(Mode mode, String path, int connections, String duration, String warmup)
            throws Exception {
        return LoadOptions.parse(
                "--url", "wss://127.0.0.1:" + proxy.address().getPort() + path,
                "--cert", cert.toString(), "--key", key.toString(), "--cacert", caCert.toString(),
                "--mode", mode.label(), "--connections", Integer.toString(connections),
                "--duration", duration, "--warmup", warmup, "--timeout", "5s");
    }
}

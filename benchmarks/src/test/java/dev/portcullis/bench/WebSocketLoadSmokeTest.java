package dev.portcullis.bench;

import dev.portcullis.bench.echo.EchoUpstream;
import dev.portcullis.bench.load.LoadDriver;
import dev.portcullis.bench.load.LoadOptions;
import dev.portcullis.bench.load.LoadResult;
import dev.portcullis.bench.load.Mode;
import dev.portcullis.core.pki.PemWriter;
import dev.portcullis.testing.ClientCredentials;
import dev.portcullis.testing.TestPki;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI smoke run of the driver's WebSocket modes, about three seconds in all, against the
 * benchmark's echo upstream, reached over mTLS directly (the echo wraps its connections in TLS
 * with the test PKI here; in the benchmark it is plain TCP behind the proxy). It proves that the
 * tunnels upgrade, that every message comes back byte for byte without errors (and without
 * leaking a buffer: the build runs paranoid leak detection), that ws-idle holds its tunnels, and
 * that a refused upgrade is counted as such. It measures nothing worth comparing.
 */
class WebSocketLoadSmokeTest {

    @TempDir
    static Path dir;

    private static EchoUpstream echo;
    private static Path cert;
    private static Path key;
    private static Path caCert;

    @BeforeAll
    static void startEchoOverMtls() throws Exception {
        TestPki pki = TestPki.create();
        ClientCredentials client = pki.validClient();
        cert = Files.writeString(dir.resolve("client.crt"), PemWriter.certificates(client.chain()));
        key = dir.resolve("client.key");
        PemWriter.writePrivateKey(key, client.privateKey());
        caCert = Files.writeString(dir.resolve("ca.crt"), PemWriter.certificates(client.serverTrust()));
        SslContext tls = SslContextBuilder
                .forServer(pki.server().keyPair().getPrivate(), pki.serverChain().toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(pki.root().certificate())
                .clientAuth(ClientAuth.REQUIRE)
                .build();
        echo = EchoUpstream.start(new InetSocketAddress("127.0.0.1", 0), 1, tls);
    }

    @AfterAll
    static void stopEcho() {
        if (echo != null) {
            echo.close();
        }
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
                        org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void idleHoldsEveryTunnelAfterOneRoundTripAndSaysReady() throws Exception {
        List<Integer> readyCalls = new ArrayList<>();
        LoadResult result = report(LoadDriver.run(options(Mode.WS_IDLE, EchoUpstream.PATH, 20, "300ms", "0"),
                readyCalls::add));

        assertThat(readyCalls).as("READY once, with every tunnel").containsExactly(20);
        assertThat(result.established()).isEqualTo(20);
        assertThat(result.requests()).as("one round trip per tunnel, none while held").isEqualTo(20);
        assertThat(result.errors()).as("errors: %s", result.errorExamples()).isZero();
        assertThat(result.toJson()).contains("\"mode\":\"ws-idle\"", "\"established\":20", "\"mib_per_s\":0.000");
    }

    @Test
    void refusedUpgradeIsCountedAsSuchAndNothingIsMeasured() throws Exception {
        // the echo answers 200 to anything outside its WebSocket path: no 101
        LoadResult result = report(LoadDriver.run(options(Mode.WS_ROUNDTRIP, "/plain", 1, "300ms", "0")));

        assertThat(result.requests()).isZero();
        assertThat(result.errorsByKind()).as("errors: %s", result.errorExamples()).containsKey("websocket_upgrade");
    }

    /** The summary in the build log, so a CI run shows what the smoke run did. */
    private static LoadResult report(LoadResult result) {
        System.out.println(result.summaryLine());
        return result;
    }

    private static LoadOptions options(Mode mode, String path, int connections, String duration, String warmup)
            throws Exception {
        return LoadOptions.parse(
                "--url", "wss://127.0.0.1:" + echo.address().getPort() + path,
                "--cert", cert.toString(), "--key", key.toString(), "--cacert", caCert.toString(),
                "--mode", mode.label(), "--connections", Integer.toString(connections),
                "--duration", duration, "--warmup", warmup, "--timeout", "5s");
    }
}

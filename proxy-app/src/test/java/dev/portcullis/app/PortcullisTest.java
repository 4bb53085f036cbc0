package dev.portcullis.app;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.RecordingUpstream;
import dev.portcullis.testing.TestPki;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wiring in {@link Portcullis#start}: one registry from the proxy to {@code /metrics}, start and stop order. */
class PortcullisTest {

    private static TestPki pki;
    private static RecordingUpstream upstream;

    @TempDir
    Path dir;

    @BeforeAll
    static void pkiAndUpstream() {
        pki = TestPki.create();
        upstream = RecordingUpstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @Test
    void adminEndpointServesTheProxysMetricsAndStopsWithIt() throws Exception {
        Path config = ProxyExtension.builder().writeConfig(dir, pki, upstream.url());
        InetSocketAddress adminAddress;
        try (Portcullis portcullis = Portcullis.start(config)) {
            adminAddress = portcullis.adminAddress();
            assertThat(adminAddress.getPort()).as("admin.listen port 0 exposes the bound port").isPositive();
            try (TlsTestClient client = TlsTestClient.connect(portcullis.address(), pki.validClient())) {
                assertThat(client.get("/hello").status()).isEqualTo(200);
            }

            assertThat(adminGet(adminAddress, "/readyz").status()).isEqualTo(200);
            PrometheusText metrics = PrometheusText.parse(adminGet(adminAddress, "/metrics").bodyText());
            assertThat(metrics.value("portcullis_tls_handshakes_total{reason=\"none\",result=\"ok\"}"))
                    .as("the proxy's meters are in the registry the admin endpoint scrapes").isEqualTo(1.0);
        }

        assertThatThrownBy(() -> adminGet(adminAddress, "/healthz"))
                .as("closing Portcullis closes the admin endpoint too").isInstanceOf(IOException.class);
    }

    @Test
    void adminPortInUseIsOneLineExitOneAndLeavesTheProxyPortFree() throws Exception {
        int proxyPort = freePort();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Path config = ProxyExtension.builder()
                    .set("listen", "127.0.0.1:" + proxyPort)
                    .set("admin.listen", "127.0.0.1:" + taken.getLocalPort())
                    .writeConfig(dir, pki, upstream.url());

            assertThatThrownBy(() -> Portcullis.start(config))
                    .isInstanceOfSatisfying(CliError.class, e -> assertThat(e.exitCode()).isEqualTo(1))
                    .hasMessage("portcullis: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                            + " (admin): Address already in use");
        }
        try (ServerSocket again = new ServerSocket(proxyPort, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThat(again.getLocalPort()).as("the proxy started first was closed again").isEqualTo(proxyPort);
        }
    }

    private static RawResponse adminGet(InetSocketAddress admin, String path) throws IOException {
        try (TlsTestClient client = TlsTestClient.connectPlain(admin)) {
            return client.get(path);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}

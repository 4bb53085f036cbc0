package dev.portcullis.core.connection;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.portcullis.testing.Meters;
import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.Options;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLContext;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Memory stays flat under connection churn: 2,000 concurrent idle mTLS connections, opened and
 * closed three times, leave no buffered bytes behind and Netty's direct memory where it started.
 */
class ConnectionMemoryTest {

    private static final int CONNECTIONS = 2000;
    private static final int ROUNDS = 3;
    private static final long SLACK = 1024 * 1024;

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().build();

    @Test
    void churnOfTwoThousandIdleConnectionsLeavesNothingBehind() throws Exception {
        // each connection costs a descriptor on both ends, and both ends live in this JVM
        assumeThat(maxFileDescriptors()).as("open file limit").isGreaterThan(2L * CONNECTIONS + 1000);
        SSLContext tls = TlsTestClient.sslContext(proxy.pki().validClient());
        ConnectionRegistry connections = proxy.server().connections();
        round(tls, connections); // warm-up: the allocator's first chunks, the session cache, JIT
        long directBefore = PlatformDependent.usedDirectMemory();

        for (int i = 0; i < ROUNDS; i++) {
            round(tls, connections);
        }

        assertThat(Meters.gauge(proxy.registry(), "portcullis.connection.buffered.bytes")).isZero();
        assertThat(Meters.gauge(proxy.registry(), "portcullis.connections.active")).isZero();
        assertThat(PlatformDependent.usedDirectMemory()).isBetween(directBefore - SLACK, directBefore + SLACK);
    }

    private static void round(SSLContext tls, ConnectionRegistry connections) throws Exception {
        List<TlsTestClient> open = new ArrayList<>(CONNECTIONS);
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                open.add(proxy.client(proxy.pki().validClient(), Options.defaults().sslContext(tls)));
            }
            awaitSize(connections, CONNECTIONS);
            assertThat(connections.size()).isEqualTo(CONNECTIONS);
        } finally {
            open.forEach(TlsTestClient::close);
        }
        awaitSize(connections, 0);
    }

    private static void awaitSize(ConnectionRegistry connections, int size) throws InterruptedException {
        for (long deadline = System.nanoTime() + 30_000_000_000L; connections.size() != size; Thread.sleep(10)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + size + " live connections, have " + connections.size());
            }
        }
    }

    private static long maxFileDescriptors() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : 0;
    }
}

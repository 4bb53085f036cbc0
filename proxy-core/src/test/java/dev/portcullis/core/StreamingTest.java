package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.TestBodies;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.BodyFraming;
import dev.portcullis.testing.TlsTestClient.StreamedResponse;
import dev.portcullis.testing.TlsTestClient.Upload;
import dev.portcullis.testing.UpstreamBehaviour;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bodies stream through without aggregation: 50 MiB each way while Netty's direct memory (shared
 * here by client-facing, upstream and test server buffers) stays a small fraction of the body.
 */
class StreamingTest {

    private static final long BODY = 50 * TestBodies.MiB;
    private static final long MEMORY_BOUND = 24 * TestBodies.MiB;

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().maxBodySize("64MiB").build();

    private final AtomicLong peakDirectMemory = new AtomicLong();
    private ScheduledExecutorService sampler;

    @BeforeEach
    void sampleDirectMemory() {
        var metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peakDirectMemory.accumulateAndGet(metric.usedDirectMemory(), Math::max),
                0, 5, TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void stopSampling() {
        sampler.shutdownNow();
    }

    @Test
    void fiftyMebibyteUploadStreamsToTheUpstreamIntact() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            Upload sent = client.sendStreamingRequest("POST", "/upload", BODY, BodyFraming.CONTENT_LENGTH);
            assertThat(client.readResponse().status()).isEqualTo(200);

            RecordedRequest received = proxy.upstream().takeRequest();
            assertThat(received.bodyBytes()).isEqualTo(BODY);
            assertThat(received.bodySha256()).isEqualTo(sent.sha256());
        }
        assertThat(peakDirectMemory.get()).as("direct memory while streaming 50 MiB").isLessThan(MEMORY_BOUND);
    }

    @Test
    void fiftyMebibyteChunkedUploadStreamsToTheUpstreamIntact() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            Upload sent = client.sendStreamingRequest("PUT", "/upload", BODY, BodyFraming.CHUNKED);
            assertThat(client.readResponse().status()).isEqualTo(200);

            RecordedRequest received = proxy.upstream().takeRequest();
            assertThat(received.bodyBytes()).isEqualTo(BODY);
            assertThat(received.bodySha256()).isEqualTo(sent.sha256());
        }
        assertThat(peakDirectMemory.get()).isLessThan(MEMORY_BOUND);
    }

    @Test
    void fiftyMebibyteResponseStreamsToTheClientIntact() throws Exception {
        proxy.upstream().behaviour(UpstreamBehaviour.streamBody(BODY, true));
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("GET /download HTTP/1.1\r\nHost: localhost\r\n\r\n");
            StreamedResponse response = client.readResponseStreaming();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.bodyBytes()).isEqualTo(BODY);
            assertThat(response.bodySha256()).isEqualTo(TestBodies.sha256(BODY));
        }
        assertThat(peakDirectMemory.get()).isLessThan(MEMORY_BOUND);
    }
}

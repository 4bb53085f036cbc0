package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RawResponse;
import dev.portcullis.testing.TlsTestClient;
import dev.portcullis.testing.TlsTestClient.BodyFraming;
import dev.portcullis.testing.TlsTestClient.Upload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An answer sent while the client is still uploading (RFC 9112 §9.6): closing at once would
 * leave the upload unread, the kernel would answer it with a reset, and the client could lose
 * the answer. Portcullis half-closes and discards the rest instead, within a bound.
 */
class LingeringCloseTest {

    private static final long LIMIT = 1024 * 1024;

    @RegisterExtension
    static final ProxyExtension proxy = ProxyExtension.builder().maxBodySize("1MiB").build();

    @Test
    void a413FromContentLengthReachesAClientThatKeepsUploading() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            // one byte over the limit: the lingering close discards at most max_body_size bytes, so
            // the whole of a body this size is taken whatever part of it arrived before the answer
            CompletableFuture<Upload> upload = client.sendStreamingRequestInBackground("POST", "/too-big",
                    LIMIT + 1, BodyFraming.CONTENT_LENGTH);

            RawResponse response = client.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.bodyText()).contains("\"error\":\"body_too_large\"");
            assertThat(response.connectionClose()).isTrue();
            assertThat(upload.get(10, TimeUnit.SECONDS).bytes()).as("the whole upload was taken, and discarded")
                    .isEqualTo(LIMIT + 1);
            assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(proxy.upstream().requestCount()).as("never forwarded").isZero();
    }
}

package dev.portcullis.core;

import dev.portcullis.testing.ProxyExtension;
import dev.portcullis.testing.RecordedRequest;
import dev.portcullis.testing.TlsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** DESIGN.md step 7: a trailer could carry a forged identity header, so request trailers are never forwarded. */
class RequestTrailersTest {

    @RegisterExtension
    static final ProxyExtension proxy = new ProxyExtension();

    @Test
    void aForgedIdentityInTheTrailersNeverReachesTheUpstream() throws Exception {
        try (TlsTestClient client = proxy.client()) {
            client.sendRaw("POST /orders HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\nX-Client-DN: CN=admin\r\nX_Client_DN: CN=admin\r\nX-Request-Note: fine\r\n\r\n");
            assertThat(client.readResponse().status()).isEqualTo(200);
        }

        RecordedRequest seen = proxy.upstream().takeRequest();
        assertThat(seen.bodyText()).as("the body itself is forwarded").isEqualTo("hello");
        assertThat(seen.trailers()).as("no trailer at all: a backend may merge them into headers").isEmpty();
        assertThat(seen.headers("X-Client-DN")).containsExactly("CN=alice,OU=eng,O=Example");
    }
}

package dev.portcullis.core.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HopByHopHeadersTest {

    @Test
    void removesConnectionAndEveryNameItListsAcrossRepeatedHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Connection", "close, X-A")
                .add("Connection", "x-b ,,")
                .add("X-A", "1").add("X-B", "2").add("X-C", "3")
                .add("Keep-Alive", "timeout=5").add("TE", "trailers").add("Trailer", "X-T")
                .add("Upgrade", "h2c").add("Proxy-Connection", "keep-alive");

        HopByHopHeaders.remove(headers);

        assertThat(headers.names()).containsExactly("X-C");
    }

    @Test
    void framingHeadersListedInConnectionAreKeptSoAMessageCannotBeUnframed() {
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("Connection", "Content-Length, Transfer-Encoding, Host")
                .add("Content-Length", "5").add("Host", "x");

        HopByHopHeaders.remove(headers);

        assertThat(headers.names()).containsExactlyInAnyOrder("Content-Length", "Host");
    }
}

package dev.portcullis.core.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class WebSocketUpgradeTest {

    @ParameterizedTest(name = "{0} {1} Connection: {2} / Upgrade: {3} / {4} -> {5}")
    @CsvSource(delimiter = '|', value = {
            "GET  | HTTP/1.1 | Upgrade                 | websocket        |                    | true",
            "GET  | HTTP/1.1 | keep-alive, UPGRADE     | WebSocket        |                    | true",
            "GET  | HTTP/1.1 | upgrade                 | h2c, websocket   |                    | true",
            "GET  | HTTP/1.1 | upgrade                 | h2c              |                    | false",
            "GET  | HTTP/1.1 | keep-alive              | websocket        |                    | false",
            "GET  | HTTP/1.1 | upgraded                | websocket        |                    | false",
            "GET  | HTTP/1.1 | upgrade                 | websockets       |                    | false",
            "GET  | HTTP/1.0 | upgrade                 | websocket        |                    | false",
            "POST | HTTP/1.1 | upgrade                 | websocket        |                    | false",
            "GET  | HTTP/1.1 | upgrade                 | websocket        | Content-Length: 5  | false",
            "GET  | HTTP/1.1 | upgrade                 | websocket        | Content-Length: 0  | true",
            "GET  | HTTP/1.1 | upgrade                 | websocket        | Transfer-Encoding: chunked | false",
    })
    void onlyABodilessHttp11GetListingBothTokensIsAnUpgrade(String method, String version, String connection,
                                                             String upgrade, String extra, boolean expected) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.valueOf(version), HttpMethod.valueOf(method), "/ws");
        request.headers().set("Connection", connection).set("Upgrade", upgrade);
        if (extra != null) {
            String[] header = extra.split(": ");
            request.headers().set(header[0], header[1]);
        }
        assertThat(WebSocketUpgrade.requested(request)).isEqualTo(expected);
    }

    @Test
    void theForwardedUpgradeSaysOnlyWebsocket() {
        HttpHeaders headers = new DefaultHttpHeaders();
        WebSocketUpgrade.setRequestHeaders(headers);
        assertThat(headers.getAll("Connection")).containsExactly("upgrade");
        assertThat(headers.getAll("Upgrade")).containsExactly("websocket");
    }

    @ParameterizedTest(name = "{0} Upgrade: {1}, accept: {2} -> {3}")
    @CsvSource({
            "101, websocket, true,  true",
            "101, WebSocket, true,  true",
            "101, websocket, false, false",
            "101, h2c,       true,  false",
            "200, websocket, true,  false",
    })
    void onlyA101ThatCompletesTheHandshakeOpensATunnel(int status, String upgrade, boolean accept, boolean expected) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        response.headers().set("Upgrade", upgrade);
        if (accept) {
            response.headers().set("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        }
        assertThat(WebSocketUpgrade.accepted(response)).isEqualTo(expected);
    }

    @Test
    void theRelayed101ClaimsNoBody() {
        HttpHeaders headers = new DefaultHttpHeaders().set("Content-Length", "0").set("Transfer-Encoding", "chunked");
        WebSocketUpgrade.setResponseHeaders(headers);
        assertThat(headers.names()).containsExactlyInAnyOrder("connection", "upgrade");
    }
}

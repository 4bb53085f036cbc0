package dev.portcullis.app;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class EchoUpstreamTest {

    private EchoUpstream upstream;

    @BeforeEach
    void start() throws InterruptedException {
        upstream = EchoUpstream.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    @Test
    void echoesMethodUriAndEveryHeaderAsJson() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri("/hello?x=1"))
                .header("X-Client-Verify", "SUCCESS")
                .header("X-Client-DN", "CN=dev-client,O=Portcullis Dev")
                .header("X-Quote", "say \"hi\" \\ bye")
                .header("X-Repeated", "a")
                .header("X-Repeated", "b")
                .timeout(Duration.ofSeconds(10))
                .build();

        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.body())
                .contains("\"method\": \"GET\"")
                .contains("\"uri\": \"/hello?x=1\"")
                .containsIgnoringCase("\"X-Client-Verify\": \"SUCCESS\"")
                .containsIgnoringCase("\"X-Client-DN\": \"CN=dev-client,O=Portcullis Dev\"")
                .as("quotes and backslashes are escaped, so the body stays valid JSON")
                .containsIgnoringCase("\"X-Quote\": \"say \\\"hi\\\" \\\\ bye\"")
                .as("a repeated header keeps every value, in order")
                .containsIgnoringCase("\"X-Repeated\": [\"a\", \"b\"]")
                .contains("\"body_bytes\": 0");
    }

    @Test
    void countsTheRequestBody() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri("/upload"))
                .POST(HttpRequest.BodyPublishers.ofString("hello"))
                .build();

        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.body()).contains("\"method\": \"POST\"").contains("\"body_bytes\": 5");
    }

    @Test
    void keepsAnHttp11ConnectionOpenForTheNextRequest() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /one HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String first = readResponse(socket.getInputStream());
            out.write("GET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String second = readUntilClosed(socket.getInputStream());

            assertThat(first).startsWith("HTTP/1.1 200 OK").contains("\"uri\": \"/one\"");
            assertThat(second).as("the second request arrived on the same connection")
                    .startsWith("HTTP/1.1 200 OK").contains("\"uri\": \"/two\"")
                    .containsIgnoringCase("connection: close");
        }
    }

    @Test
    void closesAnHttp10ConnectionAfterTheResponse() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write("GET /old HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();

            assertThat(readUntilClosed(socket.getInputStream()))
                    .startsWith("HTTP/1.0 200 OK").contains("\"uri\": \"/old\"");
        }
    }

    private URI uri(String path) {
        return URI.create("http://" + Portcullis.hostPort(upstream.address()) + path);
    }

    private Socket connect() throws Exception {
        Socket socket = new Socket();
        socket.connect(upstream.address(), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** One response with a Content-Length body, leaving the connection open. */
    private static String readResponse(InputStream in) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IllegalStateException("closed early: " + bytes);
            }
            bytes.write(b);
            String head = bytes.toString(StandardCharsets.US_ASCII);
            int end = head.indexOf("\r\n\r\n");
            if (end >= 0) {
                int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
                return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
            }
        }
    }

    private static String readUntilClosed(InputStream in) throws Exception {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}

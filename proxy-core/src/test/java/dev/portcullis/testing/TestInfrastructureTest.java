package dev.portcullis.testing;

import dev.portcullis.testing.TlsTestClient.BodyFraming;
import dev.portcullis.testing.TlsTestClient.HandshakeResult;
import dev.portcullis.testing.TlsTestClient.StreamedResponse;
import dev.portcullis.testing.TlsTestClient.Upload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Proves the end-to-end test tools themselves, without the proxy: {@link TestPki} issues what
 * it promises, {@link TlsTestClient} presents exactly its chain and parses every framing, and
 * {@link RecordingUpstream} records wire-exact requests and answers as configured.
 */
class TestInfrastructureTest {

    static final TestPki PKI = TestPki.create();

    @Nested
    class Pki {

        @Test
        void validClientCarriesAliceIdentityAndPresentsItsIntermediate() throws Exception {
            ClientCredentials alice = PKI.validClient();
            X509Certificate leaf = alice.certificate().orElseThrow();

            assertThat(alice.subjectDn()).isEqualTo("CN=alice,OU=eng,O=Example");
            assertThat(alice.issuerDn()).isEqualTo(PKI.intermediate().certificate()
                    .getSubjectX500Principal().getName(X500Principal.RFC2253));
            assertThat(leaf.getSubjectAlternativeNames()).as("SAN order is part of the X-Client-SAN contract")
                    .containsExactly(List.of(6, "spiffe://example.org/alice"), List.of(2, "alice.example.org"),
                            List.of(1, "alice@example.org"));
            assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
            assertThat(alice.chain()).containsExactly(leaf, PKI.intermediate().certificate());
            assertThat(alice.fingerprint()).hasSize(64).isLowerCase();
            assertThat(PKI.validClient()).as("generated once per PKI").isSameAs(alice);
            validate(alice.chain(), PKI.root().certificate());
        }

        @Test
        void serverChainIsLocalhostUnderItsOwnIntermediate() throws Exception {
            X509Certificate server = PKI.server().certificate();
            assertThat(server.getSubjectAlternativeNames())
                    .containsExactly(List.of(2, "localhost"), List.of(7, "127.0.0.1"));
            assertThat(PKI.serverChain()).containsExactly(server, PKI.serverIntermediate().certificate());
            assertThat(PKI.serverIntermediate().certificate()).as("no server cert may complete a client chain")
                    .isNotEqualTo(PKI.intermediate().certificate());
            validate(PKI.serverChain(), PKI.root().certificate());
        }

        @Test
        void badClientsAreBadInExactlyOneWay() throws Exception {
            X509Certificate expired = PKI.expiredClient().certificate().orElseThrow();
            X509Certificate future = PKI.notYetValidClient().certificate().orElseThrow();
            assertThat(expired.getNotAfter()).isInThePast();
            assertThat(future.getNotBefore()).isInTheFuture();
            assertThat(PKI.clientWithoutClientAuthEku().certificate().orElseThrow().getExtendedKeyUsage())
                    .containsExactly("1.3.6.1.5.5.7.3.1");
            assertThat(PKI.clientFromUnknownCa().chain()).hasSize(1);
            assertThat(PKI.clientIssuedByIntermediateWithoutChain().chain())
                    .containsExactly(PKI.validClient().certificate().orElseThrow());
            assertThat(PKI.noClientCert().presentsCertificate()).isFalse();
        }

        @Test
        void clientChainHasTheAskedNumberOfIntermediatesNearestFirst() throws Exception {
            ClientCredentials deep = PKI.clientChain(3);
            assertThat(deep.chain()).hasSize(4);
            assertThat(deep.chain().get(0).getIssuerX500Principal()).isEqualTo(deep.chain().get(1).getSubjectX500Principal());
            assertThat(deep.chain().get(3).getIssuerX500Principal()).isEqualTo(PKI.root().certificate().getSubjectX500Principal());
            validate(deep.chain(), PKI.root().certificate());
            assertThat(PKI.clientChain(0).chain()).hasSize(1);
            validate(PKI.clientChain(0).chain(), PKI.root().certificate());
        }

        @Test
        void writesPemFilesTheJdkReadsBack(@TempDir Path dir) throws Exception {
            TestPki.ServerFiles files = PKI.writeServerFiles(dir, TestPki.ClientCaFile.ROOT_AND_INTERMEDIATE);
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            List<java.security.cert.Certificate> chain;
            try (var in = Files.newInputStream(files.cert())) {
                chain = List.copyOf(x509.generateCertificates(in));
            }
            assertThat(chain).containsExactlyElementsOf(List.copyOf(PKI.serverChain()));
            try (var in = Files.newInputStream(files.clientCa())) {
                assertThat(x509.generateCertificates(in)).hasSize(2);
            }
            assertThat(Files.readString(files.key())).startsWith("-----BEGIN PRIVATE KEY-----");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.key()))).isEqualTo("rw-------");
            PKI.writeClientCa(files.clientCa(), TestPki.ClientCaFile.ROOT_ONLY);
            try (var in = Files.newInputStream(files.clientCa())) {
                assertThat(List.<java.security.cert.Certificate>copyOf(x509.generateCertificates(in)))
                        .containsExactly(PKI.root().certificate());
            }
        }

        private void validate(List<X509Certificate> chain, X509Certificate root) throws Exception {
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            parameters.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
        }
    }

    /** A JDK TLS server requiring a client certificate that chains to the PKI root. */
    @Nested
    class Client {

        JdkTlsServer server;

        @AfterEach
        void stopServer() {
            if (server != null) {
                server.close();
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
        void presentsLeafAndIntermediateAndVerifiesTheServerHostname(String protocol) throws Exception {
            server = JdkTlsServer.start(protocol);
            try (TlsTestClient client = TlsTestClient.connect(server.address(), PKI.validClient())) {
                RawResponse response = client.get("/whoami");

                assertThat(response.status()).isEqualTo(200);
                assertThat(response.framing()).isEqualTo(RawResponse.Framing.CONTENT_LENGTH);
                assertThat(response.bodyText()).isEqualTo("CN=alice,OU=eng,O=Example|2|" + protocol);
                assertThat(client.session().getPeerCertificates()[0]).isEqualTo(PKI.server().certificate());
            }
        }

        @Test
        void parsesChunkedBodiesWithTrailersThenCloseDelimitedBodies() throws Exception {
            server = JdkTlsServer.start("TLSv1.3");
            try (TlsTestClient client = TlsTestClient.connect(server.address(), PKI.validClient())) {
                RawResponse chunked = client.get("/chunked", "X-Mixed-Case", "v");
                assertThat(chunked.framing()).isEqualTo(RawResponse.Framing.CHUNKED);
                assertThat(chunked.bodyText()).isEqualTo("hello, world");
                assertThat(chunked.trailers()).containsExactly(Map.entry("X-Trailer", "t"));
                assertThat(chunked.headerNames()).containsExactly("Transfer-Encoding", "X-Echo-Names");
                assertThat(chunked.header("x-echo-names")).as("request header names arrive as written")
                        .contains("Host,X-Mixed-Case");

                RawResponse untilClose = client.get("/close");
                assertThat(untilClose.framing()).isEqualTo(RawResponse.Framing.UNTIL_CLOSE);
                assertThat(untilClose.bodyText()).isEqualTo("bye");
                assertThat(client.isClosedByPeer(Duration.ofSeconds(2))).isTrue();
            }
        }

        @Test
        void pipelinedRawRequestsGetResponsesInOrderAndSilenceIsNotClose() throws Exception {
            server = JdkTlsServer.start("TLSv1.3");
            try (TlsTestClient client = TlsTestClient.connect(server.address(), PKI.validClient())) {
                client.sendRaw("GET /whoami HTTP/1.1\r\nHost: a\r\n\r\nGET /chunked HTTP/1.1\r\nHost: a\r\n\r\n");
                assertThat(client.readResponse().bodyText()).startsWith("CN=alice");
                assertThat(client.readResponse().bodyText()).isEqualTo("hello, world");
                assertThat(client.isClosedByPeer(Duration.ofMillis(200))).isFalse();
                assertThat(client.get("/whoami").status()).as("still usable after a timed-out probe").isEqualTo(200);
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
        void handshakeOnlyReportsTheServersVerdict(String protocol) throws Exception {
            server = JdkTlsServer.start(protocol);
            InetSocketAddress address = server.address();

            assertThat(TlsTestClient.handshakeOnly(address, PKI.validClient()).succeeded()).isTrue();
            for (ClientCredentials rejected : List.of(PKI.clientIssuedByIntermediateWithoutChain(),
                    PKI.clientFromUnknownCa(), PKI.expiredClient(), PKI.noClientCert())) {
                HandshakeResult result = TlsTestClient.handshakeOnly(address, rejected);
                assertThat(result.succeeded()).as("%s must be rejected over %s", rejected, protocol).isFalse();
                assertThat(result.failure()).as("the server's alert, not a broken pipe").isInstanceOf(SSLException.class);
                assertThat(result.alert()).as(result.failureMessage()).isNotBlank();
            }
        }

        @Test
        void rejectedCertificateSurfacesAsSslExceptionOnFirstExchange() throws Exception {
            server = JdkTlsServer.start("TLSv1.3");
            assertThatThrownBy(() -> {
                try (TlsTestClient client = TlsTestClient.connect(server.address(), PKI.expiredClient())) {
                    client.get("/whoami");
                }
            }).isInstanceOf(SSLException.class);
        }
    }

    @Nested
    class Upstream {

        static RecordingUpstream upstream;

        @BeforeAll
        static void startUpstream() {
            upstream = RecordingUpstream.start();
        }

        @AfterAll
        static void stopUpstream() {
            upstream.close();
        }

        @AfterEach
        void reset() {
            upstream.reset();
        }

        TlsTestClient connect() throws IOException {
            return TlsTestClient.connectPlain(upstream.address());
        }

        @Test
        void recordsHeaderNamesExactlyAsReceivedAndAnswersOk() throws Exception {
            try (TlsTestClient client = connect()) {
                client.sendRaw("POST /p?q=1 HTTP/1.1\r\nHost: h\r\nx-lower: 1\r\nX-Dup: a\r\nX-DUP: b\r\n"
                        + "content-length: 5\r\n\r\nhello");
                RawResponse response = client.readResponse();

                assertThat(response.status()).isEqualTo(200);
                assertThat(response.header("Content-Type")).contains("text/plain");
                assertThat(response.header("Content-Length")).contains("2");
                assertThat(response.bodyText()).isEqualTo("ok");
            }
            RecordedRequest request = upstream.takeRequest();
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.uri()).isEqualTo("/p?q=1");
            assertThat(request.headerNames()).as("names must be recorded as sent: case, order, duplicates")
                    .containsExactly("Host", "x-lower", "X-Dup", "X-DUP", "content-length");
            assertThat(request.headers("x-dup")).containsExactly("a", "b");
            assertThat(request.bodyText()).isEqualTo("hello");
            assertThat(request.bodySha256()).isEqualTo(TestBodies.sha256("hello".getBytes(StandardCharsets.UTF_8)));
            assertThat(request.complete()).isTrue();
            assertThat(upstream.requestCount()).isEqualTo(1);
        }

        @Test
        void keepsOneConnectionForPipelinedRequestsAndAnswersInOrder() throws Exception {
            upstream.route(head -> UpstreamBehaviour.respond(UpstreamBehaviour.Response.of(200, "text/plain", head.uri())));
            try (TlsTestClient client = connect()) {
                client.sendRaw("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
                        + "HEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(client.readResponse().bodyText()).isEqualTo("/1");
                assertThat(client.readResponse().bodyText()).isEqualTo("/2");
                RawResponse head = client.readHeadResponse();
                assertThat(head.header("Content-Length")).contains("2");
                assertThat(client.get("/4").bodyText()).isEqualTo("/4");
            }
            List<RecordedRequest> requests = List.of(upstream.takeRequest(), upstream.takeRequest(),
                    upstream.takeRequest(), upstream.takeRequest());
            assertThat(requests).extracting(RecordedRequest::sequence).containsExactly(1, 2, 3, 4);
            assertThat(requests).extracting(RecordedRequest::connectionId).containsOnly(requests.get(0).connectionId());
            assertThat(upstream.connectionsAccepted()).isEqualTo(1);
        }

        @Test
        void customResponsesKeepDuplicateHeaders() throws Exception {
            upstream.behaviour(UpstreamBehaviour.respond(UpstreamBehaviour.Response.of(201, "application/json", "{}")
                    .header("Set-Cookie", "a=1").header("Set-Cookie", "b=2").header("Server", "gunicorn")));
            try (TlsTestClient client = connect()) {
                RawResponse response = client.get("/");
                assertThat(response.status()).isEqualTo(201);
                assertThat(response.headers("set-cookie")).containsExactly("a=1", "b=2");
                assertThat(response.header("Server")).contains("gunicorn");
            }
        }

        @ParameterizedTest
        @ValueSource(booleans = {true, false})
        void streamsLargeResponseBodiesMatchingThePattern(boolean chunked) throws Exception {
            long size = 8 * TestBodies.MiB + 123;
            upstream.behaviour(UpstreamBehaviour.streamBody(size, chunked));
            try (TlsTestClient client = connect()) {
                client.sendRaw("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
                StreamedResponse response = client.readResponseStreaming();
                assertThat(response.framing()).isEqualTo(chunked ? RawResponse.Framing.CHUNKED : RawResponse.Framing.CONTENT_LENGTH);
                assertThat(response.bodyBytes()).isEqualTo(size);
                assertThat(response.bodySha256()).isEqualTo(TestBodies.sha256(size));
                assertThat(client.get("/again").status()).as("keep-alive after a streamed body").isEqualTo(200);
            }
        }

        @ParameterizedTest
        @ValueSource(strings = {"CONTENT_LENGTH", "CHUNKED"})
        void echoesLargeUploadsStreamedWhileCountingWithoutKeeping(BodyFraming framing) throws Exception {
            long size = 6 * TestBodies.MiB + 7;
            upstream.behaviour(UpstreamBehaviour.echo());
            try (TlsTestClient client = connect()) {
                CompletableFuture<Upload> upload = client.sendStreamingRequestInBackground("PUT", "/echo", size, framing);
                StreamedResponse echoed = client.readResponseStreaming();
                Upload sent = upload.get(10, TimeUnit.SECONDS);

                assertThat(sent.sha256()).isEqualTo(TestBodies.sha256(size));
                assertThat(echoed.bodyBytes()).isEqualTo(size);
                assertThat(echoed.bodySha256()).isEqualTo(sent.sha256());
            }
            RecordedRequest request = upstream.takeRequest();
            assertThat(request.bodyBytes()).isEqualTo(size);
            assertThat(request.bodySha256()).isEqualTo(TestBodies.sha256(size));
            assertThat(request.body()).as("large bodies are counted, not kept").isNull();
        }

        @Test
        void delaysTheResponse() throws Exception {
            upstream.behaviour(UpstreamBehaviour.delay(Duration.ofMillis(300), UpstreamBehaviour.ok()));
            try (TlsTestClient client = connect()) {
                long start = System.nanoTime();
                assertThat(client.get("/slow").status()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
            }
        }

        @Test
        void closesOrResetsWithoutAResponseAfterRecording() throws Exception {
            upstream.behaviour(UpstreamBehaviour.closeWithoutResponse());
            try (TlsTestClient client = connect()) {
                assertThatThrownBy(() -> client.get("/gone")).isInstanceOf(EOFException.class);
            }
            assertThat(upstream.takeRequest().uri()).isEqualTo("/gone");

            upstream.behaviour(UpstreamBehaviour.resetConnection());
            try (TlsTestClient client = connect()) {
                client.sendRaw("GET /reset HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(client.isClosedByPeer(Duration.ofSeconds(5))).isTrue();
            }
            assertThat(upstream.takeRequest().uri()).isEqualTo("/reset");
            assertThat(upstream.connectionsAccepted()).isEqualTo(2);
        }

        @Test
        void recordsARequestCutOffMidBodyAsIncomplete() throws Exception {
            try (TlsTestClient client = connect()) {
                client.sendRaw("POST /cut HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789");
                assertThat(client.isClosedByPeer(Duration.ofMillis(200))).isFalse();
            }
            RecordedRequest request = upstream.takeRequest();
            assertThat(request.complete()).isFalse();
            assertThat(request.bodyBytes()).isEqualTo(10);
        }

        @Test
        void recordsWhatItsDecoderRejected() throws Exception {
            try (TlsTestClient client = connect()) {
                client.sendRaw("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
                assertThat(client.readResponse().status()).isEqualTo(400);
            }
            assertThat(upstream.takeRequest().decoderFailure()).isNotNull();
        }

        @Test
        void countsConnectionsAndPollsNothingWhenNothingCame() throws Exception {
            try (TlsTestClient a = connect(); TlsTestClient b = connect()) {
                a.get("/a");
                b.get("/b");
                assertThat(upstream.activeConnections()).isEqualTo(2);
            }
            upstream.drainRequests();
            assertThat(upstream.pollRequest(Duration.ofMillis(100))).isNull();
            assertThat(upstream.connectionsAccepted()).isEqualTo(2);
        }
    }

    @Nested
    class Config {

        @Test
        void rendersDefaultsMergedWithOverridesAsTheLoaderWillReadThem(@TempDir Path dir) throws Exception {
            ProxyExtension.Builder builder = ProxyExtension.builder()
                    .clientAuth("optional")
                    .verifyDepth(1)
                    .protocols("TLSv1.3")
                    .yaml("limits:\n  max_body_size: 1MiB\n  idle_timeout: 2s\naccess_log: off\n")
                    .set("identity.strip", List.of("X-Debug", "X-Internal"))
                    .set("upstream.max_connections", 4);
            Path file = builder.writeConfig(dir, PKI, "http://127.0.0.1:1234");
            String text = Files.readString(file);

            assertThat(text).as("a snippet's plain scalar stays plain, not a YAML boolean").contains("access_log: off\n");
            assertThat(text).contains("  client_auth: \"optional\"\n", "  verify_depth: 1\n");
            Map<String, Object> parsed = new Yaml().load(text);
            assertThat(parsed).containsEntry("listen", "127.0.0.1:0");
            assertThat(parsed.get("tls")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("cert", dir.toAbsolutePath().resolve("server.crt").toString())
                    .containsEntry("client_ca", dir.toAbsolutePath().resolve("client-ca.crt").toString())
                    .containsEntry("protocols", List.of("TLSv1.3"));
            assertThat(parsed.get("limits")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("max_body_size", "1MiB").containsEntry("idle_timeout", "2s");
            assertThat(parsed.get("upstream")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("url", "http://127.0.0.1:1234").containsEntry("max_connections", 4);
            assertThat(parsed.get("identity")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("strip", List.of("X-Debug", "X-Internal"));
            assertThat(dir.resolve("server.crt")).exists();
            assertThat(dir.resolve("server.key")).exists();
        }

        @Test
        void removedDefaultsStayRemovedAndListsOfMappingsRender(@TempDir Path dir) throws Exception {
            String text = ProxyExtension.builder()
                    .remove("tls.client_ca")
                    .set("identity.allow", List.of(Map.of("subject", "CN=billing,O=Example"),
                            Map.of("san_uri", "spiffe://example.org/ns/*")))
                    .renderYaml(dir, "http://127.0.0.1:1");
            Map<String, Object> parsed = new Yaml().load(text);
            assertThat(parsed.get("tls")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .doesNotContainKey("client_ca");
            assertThat(parsed.get("identity")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("allow", List.of(Map.of("subject", "CN=billing,O=Example"),
                            Map.of("san_uri", "spiffe://example.org/ns/*")));
        }
    }

    // ---- a JDK TLS server that requires client certificates --------------------------------

    /**
     * Answers {@code /whoami} (Content-Length: subject|chain length|protocol), {@code /chunked}
     * (chunked, with a trailer, echoing the request header names) and {@code /close} (body until
     * close). Trusts only the PKI root, so a leaf without its intermediate fails.
     */
    static final class JdkTlsServer implements AutoCloseable {
        private final SSLServerSocket serverSocket;
        private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jdk-tls-test-server");
            t.setDaemon(true);
            return t;
        });

        private JdkTlsServer(SSLServerSocket serverSocket) {
            this.serverSocket = serverSocket;
        }

        static JdkTlsServer start(String protocol) throws Exception {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", PKI.server().privateKey(), new char[0],
                    PKI.serverChain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            anchors.setCertificateEntry("root", PKI.root().certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

            SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory()
                    .createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            socket.setNeedClientAuth(true);
            socket.setEnabledProtocols(new String[] {protocol});
            JdkTlsServer server = new JdkTlsServer(socket);
            server.executor.execute(server::acceptLoop);
            return server;
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", serverSocket.getLocalPort());
        }

        private void acceptLoop() {
            while (!serverSocket.isClosed()) {
                try {
                    SSLSocket socket = (SSLSocket) serverSocket.accept();
                    executor.execute(() -> serve(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(SSLSocket socket) {
            try (socket) {
                socket.setSoTimeout(10_000);
                socket.startHandshake();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                OutputStream out = socket.getOutputStream();
                for (String requestLine; (requestLine = in.readLine()) != null; ) {
                    List<String> names = new ArrayList<>();
                    for (String line; !(line = in.readLine()).isEmpty(); ) {
                        names.add(line.substring(0, line.indexOf(':')));
                    }
                    String path = requestLine.split(" ")[1];
                    if (path.equals("/whoami")) {
                        var certs = socket.getSession().getPeerCertificates();
                        String body = ((X509Certificate) certs[0]).getSubjectX500Principal().getName(X500Principal.RFC2253)
                                + "|" + certs.length + "|" + socket.getSession().getProtocol();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                                .getBytes(StandardCharsets.ISO_8859_1));
                    } else if (path.equals("/chunked")) {
                        out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Echo-Names: "
                                + String.join(",", names) + "\r\n\r\n"
                                + "7\r\nhello, \r\n5;ext=1\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                    } else {
                        out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbye".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        return;
                    }
                    out.flush();
                }
            } catch (IOException rejectedOrClosed) {
                // handshake failures are what several tests want
            }
        }

        @Override
        public void close() {
            try {
                serverSocket.close();
            } catch (IOException ignored) {
                // test server
            }
            executor.shutdownNow();
        }
    }
}

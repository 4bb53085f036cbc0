package dev.portcullis.app;

import dev.portcullis.core.pki.DevPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Django example in {@code examples/django} with the real jar in front of it: under gunicorn
 * (WSGI), the identity Portcullis verified reaches the view, and identity headers a client sends
 * (dash or underscore spelling, both {@code HTTP_X_CLIENT_DN} to WSGI) do not; under daphne
 * (Django Channels, ASGI), the same holds for a WebSocket consumer, through the tunnel. Needs
 * {@code gunicorn}, {@code daphne}, Django and Channels on the PATH's Python ({@code .ci/run}
 * installs Debian's {@code gunicorn}, {@code daphne}, {@code python3-django} and
 * {@code python3-django-channels}); without them the test fails and says so rather than skipping.
 */
class DjangoBackendIT {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Process gunicorn;
    private Process daphne;
    private Process portcullis;

    /** gunicorn's workers are its children: SIGTERM lets the master stop them, then anything left is killed. */
    @AfterEach
    void stop() throws InterruptedException {
        if (portcullis != null && portcullis.isAlive()) {
            portcullis.destroyForcibly();
        }
        for (Process backend : new Process[] {gunicorn, daphne}) {
            if (backend != null) {
                List<ProcessHandle> workers = backend.descendants().toList();
                backend.destroy();
                if (!backend.waitFor(5, TimeUnit.SECONDS)) {
                    backend.destroyForcibly();
                }
                workers.forEach(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void verifiedIdentityReachesTheViewAndClientSentIdentityHeadersDoNot() throws Exception {
        DevPki pki = DevPki.write(dir);
        int backendPort = PortcullisJar.freePort();
        Path gunicornLog = dir.resolve("gunicorn.txt");
        gunicorn = startGunicorn(backendPort, gunicornLog);
        awaitListening(gunicorn, backendPort, gunicornLog);

        int port = PortcullisJar.freePort();
        Path config = PortcullisJar.writeConfig(dir, port, backendPort, 0, "access_log: \"off\"\n");
        Path portcullisLog = dir.resolve("portcullis.txt");
        portcullis = PortcullisJar.start(portcullisLog, "--config", config.toString());
        awaitListening(portcullis, port, portcullisLog);

        HttpClient mtls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(Pem.clientContext(pki.clientCert(), pki.clientKey(), pki.caCert()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Pem.certificate(pki.clientCert()).getEncoded()));

        HttpResponse<String> plain = get(mtls, "https://localhost:" + port + "/whoami");
        assertThat(plain.statusCode()).as("body: %s; gunicorn: %s", plain.body(), PortcullisJar.read(gunicornLog))
                .isEqualTo(200);
        Map<String, Object> identity = json(plain.body());
        assertThat(identity).as("the view sees the identity Portcullis verified")
                .containsEntry("verified", true)
                .containsEntry("subject", DevPki.CLIENT_SUBJECT)
                .containsEntry("fingerprint", fingerprint);
        assertThat(identity.get("san")).asList().contains("URI:" + DevPki.CLIENT_SAN_URI);

        HttpResponse<String> spoofed = get(mtls, "https://localhost:" + port + "/whoami",
                "X_Client_DN", "CN=admin",
                "X-Client-DN", "CN=admin",
                "X_Client_Fingerprint", "0".repeat(64),
                "X-Client-Verify", "SUCCESS",
                "X-SSL-Client-S-DN", "CN=admin");
        assertThat(spoofed.statusCode()).isEqualTo(200);
        assertThat(json(spoofed.body()))
                .as("client-sent identity headers, dash or underscore, must not reach the view: %s", spoofed.body())
                .containsEntry("subject", DevPki.CLIENT_SUBJECT)
                .containsEntry("fingerprint", fingerprint);
        assertThat(spoofed.body()).doesNotContain("admin").doesNotContain("0".repeat(64));

        HttpClient direct = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String backend = "http://127.0.0.1:" + backendPort + "/whoami";
        assertThat(get(direct, backend).statusCode())
                .as("the middleware refuses a request that did not come through Portcullis").isEqualTo(403);
        HttpResponse<String> bypass = get(direct, backend, "X-Client-Verify", "SUCCESS", "X_Client_DN", "CN=admin");
        assertThat(bypass.body())
                .as("control: without Portcullis in front, WSGI hands the underscore spelling to the view, "
                        + "which is why the backend must listen on loopback only")
                .contains("CN=admin");

        assertThat(PortcullisJar.terminate(portcullis, Duration.ofSeconds(15))).isZero();
    }

    @Test
    void aChannelsWebSocketConsumerSeesTheVerifiedIdentityThroughTheTunnel() throws Exception {
        DevPki pki = DevPki.write(dir);
        int backendPort = PortcullisJar.freePort();
        Path daphneLog = dir.resolve("daphne.txt");
        daphne = startDaphne(backendPort, daphneLog);
        awaitListening(daphne, backendPort, daphneLog);

        int port = PortcullisJar.freePort();
        Path config = PortcullisJar.writeConfig(dir, port, backendPort, 0,
                "access_log: \"off\"\nshutdown:\n  drain_timeout: 1s\n");
        Path portcullisLog = dir.resolve("portcullis.txt");
        portcullis = PortcullisJar.start(portcullisLog, "--config", config.toString());
        awaitListening(portcullis, port, portcullisLog);

        HttpClient mtls = HttpClient.newBuilder()
                .sslContext(Pem.clientContext(pki.clientCert(), pki.clientKey(), pki.caCert()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Pem.certificate(pki.clientCert()).getEncoded()));
        Messages through = new Messages();
        WebSocket socket = mtls.newWebSocketBuilder()
                .header("X_Client_DN", "CN=admin")
                .header("X-Client-DN", "CN=admin")
                .header("X-Client-Verify", "SUCCESS")
                .buildAsync(URI.create("wss://localhost:" + port + "/ws/whoami"), through)
                .get(10, TimeUnit.SECONDS);
        String first = through.next();
        assertThat(json(first)).as("the consumer's first message: the identity of the upgrade request; daphne: %s",
                        PortcullisJar.read(daphneLog))
                .containsEntry("verified", true)
                .containsEntry("subject", DevPki.CLIENT_SUBJECT)
                .containsEntry("fingerprint", fingerprint);
        assertThat(first).doesNotContain("admin");
        socket.sendText("over the tunnel", true).get(5, TimeUnit.SECONDS);
        assertThat(through.next()).isEqualTo("over the tunnel");

        HttpClient direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI backend = URI.create("ws://127.0.0.1:" + backendPort + "/ws/whoami");
        assertThat(direct.newWebSocketBuilder().buildAsync(backend, new Messages()))
                .as("the consumer refuses a WebSocket that did not come through Portcullis")
                .failsWithin(Duration.ofSeconds(10));
        Messages bypassed = new Messages();
        direct.newWebSocketBuilder().header("X-Client-Verify", "SUCCESS").header("X-Client-DN", "CN=admin")
                .buildAsync(backend, bypassed).get(10, TimeUnit.SECONDS);
        assertThat(bypassed.next())
                .as("control: without Portcullis in front, any identity a client claims reaches the consumer "
                        + "(daphne drops underscore names, CVE-2015-0219, but not this), which is why the backend "
                        + "must listen on loopback only")
                .contains("CN=admin");

        assertThat(PortcullisJar.terminate(portcullis, Duration.ofSeconds(15)))
                .as("SIGTERM with the tunnel open: drained for drain_timeout, then closed, exit 0").isZero();
        assertThat(through.closed).as("the tunnel closed with the proxy").succeedsWithin(Duration.ofSeconds(5));
    }

    /** Text messages as they complete, and the end of the connection. */
    private static final class Messages implements WebSocket.Listener {

        private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final CompletableFuture<Void> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(null);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        String next() throws InterruptedException {
            String message = messages.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("a WebSocket message within 10 s").isNotNull();
            return message;
        }
    }

    /** gunicorn from the PATH, serving {@code examples/django} over WSGI; its output goes to {@code log}. */
    private static Process startGunicorn(int port, Path log) throws IOException {
        return startBackend(List.of("gunicorn", "--bind", "127.0.0.1:" + port, "--workers", "1", "--preload",
                "portcullis_example.wsgi"), log, "gunicorn and Django: apt-get install gunicorn python3-django");
    }

    /** daphne from the PATH, serving {@code examples/django} over ASGI (HTTP and WebSocket). */
    private static Process startDaphne(int port, Path log) throws IOException {
        return startBackend(List.of("daphne", "-b", "127.0.0.1", "-p", String.valueOf(port),
                "portcullis_example.asgi:application"), log,
                "daphne and Django Channels: apt-get install daphne python3-django-channels");
    }

    private static Process startBackend(List<String> command, Path log, String needs) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(repositoryRoot().resolve("examples/django").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        try {
            return builder.start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not on the PATH (" + e.getMessage() + "); this test needs "
                    + needs + " (.ci/run does)", e);
        }
    }

    /** The directory holding {@code examples/django}, found from the working directory (proxy-app under failsafe). */
    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("examples/django/portcullis_example/wsgi.py"))) {
                return dir;
            }
        }
        throw new AssertionError("examples/django not found above " + Path.of("").toAbsolutePath());
    }

    /** Bounded wait for a TCP listener; fails with the child's output if it exits or never listens. */
    private static void awaitListening(Process process, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError(process.info().command().orElse("child") + " exited with "
                        + process.exitValue() + " before listening on " + port + " (the Python backends need Django: "
                        + "apt-get install python3-django); output:\n" + PortcullisJar.read(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("nothing listening on " + port + " after " + STARTUP + "; output:\n"
                            + PortcullisJar.read(log));
                }
                Thread.sleep(100);
            }
        }
    }

    private static HttpResponse<String> get(HttpClient client, String uri, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Django's JSON is a flow mapping, which SnakeYAML (already a test dependency) reads. */
    private static Map<String, Object> json(String body) {
        return new Yaml().load(body);
    }
}

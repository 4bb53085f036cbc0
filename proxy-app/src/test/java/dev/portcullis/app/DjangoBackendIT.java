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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Django example in {@code examples/django} under gunicorn, with the real jar in front of it:
 * the identity Portcullis verified reaches the view, and identity headers a client sends (dash or
 * underscore spelling, both {@code HTTP_X_CLIENT_DN} to WSGI) do not. Needs {@code gunicorn} and
 * Django on the PATH's Python ({@code .ci/run} installs Debian's {@code gunicorn} and
 * {@code python3-django}); without them the test fails and says so rather than skipping.
 */
class DjangoBackendIT {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Process gunicorn;
    private Process portcullis;

    /** gunicorn's workers are its children: SIGTERM lets the master stop them, then anything left is killed. */
    @AfterEach
    void stop() throws InterruptedException {
        if (portcullis != null && portcullis.isAlive()) {
            portcullis.destroyForcibly();
        }
        if (gunicorn != null) {
            List<ProcessHandle> workers = gunicorn.descendants().toList();
            gunicorn.destroy();
            if (!gunicorn.waitFor(5, TimeUnit.SECONDS)) {
                gunicorn.destroyForcibly();
            }
            workers.forEach(ProcessHandle::destroyForcibly);
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

    /** gunicorn from the PATH, serving {@code examples/django}; its output goes to {@code log}. */
    private static Process startGunicorn(int port, Path log) throws IOException {
        Path project = repositoryRoot().resolve("examples/django");
        List<String> command = List.of("gunicorn", "--bind", "127.0.0.1:" + port, "--workers", "1",
                "--preload", "--chdir", project.toString(), "portcullis_example.wsgi");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        try {
            return builder.start();
        } catch (IOException e) {
            throw new AssertionError("gunicorn is not on the PATH (" + e.getMessage() + "); this test needs "
                    + "gunicorn and Django: apt-get install gunicorn python3-django (.ci/run does)", e);
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
                        + process.exitValue() + " before listening on " + port + " (gunicorn needs Django: "
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

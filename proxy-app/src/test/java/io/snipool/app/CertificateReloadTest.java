package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.HttpBackend;
import io.snipool.core.testbed.TestPki;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates of terminating routes are re-read by a reload: new handshakes get the new certificate, a keep-alive
 * connection made before keeps working with its own, and a broken file keeps the old set.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CertificateReloadTest {

    private static final TestPki PKI = new TestPki();

    @TempDir
    Path dir;

    private Vertx vertx;
    private HttpBackend backend;
    private Snipool snipool;
    private Path file;
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        backend = Await.result(HttpBackend.start(vertx, "backend"));
        file = dir.resolve("snipool.yaml");
        Files.writeString(file, """
                listeners:
                  - name: edge
                    bind: "127.0.0.1:0"
                    mode: tls
                    tls: { certificates: [ { cert: a.pem, key: a.key } ] }
                    routes:
                      - { hosts: [a.test], terminate: true, backends: ["127.0.0.1:%d"] }
                metrics: { bind: "127.0.0.1:0" }
                access_log: { enabled: false }
                """.formatted(backend.port()));
    }

    @AfterEach
    void stop() throws Exception {
        if (snipool != null) {
            snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private void install(TestPki.Leaf leaf) throws IOException {
        Files.writeString(dir.resolve("a.pem"), leaf.certificatePem());
        Files.writeString(dir.resolve("a.key"), leaf.privateKeyPem());
    }

    @Test
    void newHandshakesGetTheNewCertificateWhileAnOpenConnectionKeepsWorking() throws Exception {
        TestPki.Leaf first = PKI.leaf("a.test");
        TestPki.Leaf second = PKI.leaf("a.test");
        install(first);
        snipool = Snipool.start(new ConfigLoader(name -> null).load(file), file, name -> null,
                Duration.ofSeconds(30));

        try (SSLSocket kept = connect()) {
            assertThat(get(kept)).isEqualTo("backend");
            assertThat(kept.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());

            install(second);
            assertThat(reload().statusCode()).isEqualTo(200);
            try (SSLSocket fresh = connect()) {
                assertThat(fresh.getSession().getPeerCertificates()[0]).as("a handshake after the reload")
                        .isEqualTo(second.certificate());
                assertThat(get(fresh)).isEqualTo("backend");
            }
            assertThat(get(kept)).as("the connection made before the reload, with its own certificate")
                    .isEqualTo("backend");

            Files.writeString(dir.resolve("a.key"), "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
            HttpResponse<String> refused = reload();
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(refused.body()).contains("a.key");
            try (SSLSocket fresh = connect()) {
                Certificate served = fresh.getSession().getPeerCertificates()[0];
                assertThat(served).as("a broken file keeps the set in use").isEqualTo(second.certificate());
            }
            assertThat(get(kept)).isEqualTo("backend");
        }
    }

    @Test
    void aSecretAndAConfigMapMountedAsDirectoriesReloadWhenTheKubeletSwapsThem() throws Exception {
        TestPki.Leaf first = PKI.leaf("a.test");
        TestPki.Leaf second = PKI.leaf("a.test");
        ConfigWatcherTest.KubeletVolume secret = ConfigWatcherTest.KubeletVolume.create(dir.resolve("secret"),
                "tls.crt", first.certificatePem());
        secret.update("tls.key", first.privateKeyPem());
        ConfigWatcherTest.KubeletVolume configMap = ConfigWatcherTest.KubeletVolume.create(dir.resolve("config"),
                "snipool.yaml", Files.readString(file).replace("{ cert: a.pem, key: a.key }",
                        "{ cert: ../secret/tls.crt, key: ../secret/tls.key }")
                        + "reload: { watch: true, watch_delay: 100ms }\n");
        Path mounted = configMap.file("snipool.yaml");
        snipool = Snipool.start(new ConfigLoader(name -> null).load(mounted), mounted, name -> null,
                Duration.ofSeconds(30));
        try (ConfigWatcher watcher = Main.watch(snipool).orElseThrow(); SSLSocket before = connect()) {
            assertThat(before.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());

            secret.update(Map.of("tls.crt", second.certificatePem(), "tls.key", second.privateKeyPem()));

            Await.until(Await.SLOW_TIMEOUT, "new handshakes get the rotated certificate", this::served,
                    served -> served.equals(second.certificate()));
            configMap.update("snipool.yaml", Files.readString(mounted) + "timeouts: { idle: 301s }\n");
            Await.until(Await.SLOW_TIMEOUT, "the ConfigMap's new version is in use",
                    () -> snipool.config().timeouts().idle(), idle -> idle.equals(Duration.ofSeconds(301)));
            try (SSLSocket after = connect()) {
                assertThat(get(after)).isEqualTo("backend");
            }
        }
    }

    private Certificate served() {
        try (SSLSocket socket = connect()) {
            return socket.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private SSLSocket connect() throws IOException {
        SSLSocket socket = (SSLSocket) PKI.clientContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), snipool.listenerPort("edge"));
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("a.test")));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    /** One keep-alive GET on {@code socket}; the response body. */
    private static String get(SSLSocket socket) throws IOException {
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200");
        int length = head.lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
                .map(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).strip())).findFirst()
                .orElseThrow(() -> new AssertionError("no Content-Length in " + head));
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the middle of a response head: " + head);
            }
            head.write(b);
            byte[] bytes = head.toByteArray();
            int n = bytes.length;
            if (n >= 4 && new String(bytes, n - 4, 4, StandardCharsets.US_ASCII).equals("\r\n\r\n")) {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    private HttpResponse<String> reload() throws Exception {
        return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + snipool.adminPort()
                        + "/api/reload")).POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}

package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.ClosedPort;
import io.snipool.core.testbed.HttpBackend;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TlsBackend;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the alert rules in {@code deploy/} name only metrics snipool exports: a snipool with an
 * HTTP listener (a live backend with health checks, a route of dead backends, a re-encrypting route) and a
 * terminating TLS listener is driven until every meter registered at its first event exists, and each
 * {@code snipool_*} name in the two files must then appear in its {@code /metrics}.
 */
class DashboardMetricsTest {

    /** The files checked, relative to the repository root. */
    private static final String[] DEPLOY_FILES = {
        "deploy/grafana/snipool-dashboard.json",
        "deploy/prometheus/snipool-alerts.yaml",
    };
    private static final Pattern METRIC_NAME = Pattern.compile("snipool_[a-z_]+");
    /** A sample line's name, or a {@code # TYPE} line's (the base name of a histogram). */
    private static final Pattern EXPORTED_NAME = Pattern.compile("^(?:# TYPE )?(snipool_[a-z_]+)",
            Pattern.MULTILINE);
    private static final TestPki PKI = new TestPki();

    @TempDir
    Path dir;

    private Vertx vertx;
    private Snipool snipool;
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        HttpBackend plain = Await.result(HttpBackend.start(vertx, "plain"));
        TlsBackend secure = Await.result(TlsBackend.start(vertx, "secure", PKI.leaf("b.test")));
        TestPki.Leaf edge = PKI.leaf("a.test");
        Files.writeString(dir.resolve("a.pem"), edge.certificatePem());
        Files.writeString(dir.resolve("a.key"), edge.privateKeyPem());
        Path file = dir.resolve("snipool.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes:
                      - { hosts: [a.test], backends: ["127.0.0.1:%1$d"],
                          health_check: { type: http, interval: 50ms, timeout: 50ms } }
                      - { hosts: [dead.test], backends: ["127.0.0.1:%2$d", "127.0.0.1:%3$d"] }
                      - { hosts: [b.test], backends: ["127.0.0.1:%4$d"], backend_tls: { verify: false } }
                  - name: edge
                    bind: "127.0.0.1:0"
                    mode: tls
                    tls: { certificates: [ { cert: a.pem, key: a.key } ] }
                    routes:
                      - { hosts: [a.test], terminate: true, backends: ["127.0.0.1:%1$d"] }
                metrics: { bind: "127.0.0.1:0" }
                access_log: { enabled: false }
                """.formatted(plain.port(), ClosedPort.get(), ClosedPort.get(), secure.port()));
        snipool = Snipool.start(new ConfigLoader(name -> null).load(file), file, name -> null,
                Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws Exception {
        if (snipool != null) {
            snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void theDashboardAndTheAlertRulesNameOnlyExportedMetrics() throws Exception {
        Set<String> named = new TreeSet<>();
        for (String file : DEPLOY_FILES) {
            Matcher names = METRIC_NAME.matcher(Files.readString(repositoryRoot().resolve(file)));
            while (names.find()) {
                named.add(names.group());
            }
        }
        assertThat(named).as("the names found in the files")
                .contains("snipool_pool_hits_total", "snipool_request_duration_seconds_bucket", "snipool_backend_up",
                        "snipool_connections_limit", "snipool_tls_certificate_expiry_timestamp_seconds");

        int web = snipool.listenerPort("web");
        request(web, "a.test");
        request(web, "a.test");
        request(web, "b.test");
        for (int i = 0; i < 6; i++) {
            request(web, "dead.test"); // connect errors, retries, then an ejection
        }
        request(snipool.listenerPort("edge"), "a.test"); // plain HTTP to a TLS listener: a refused ClientHello

        Set<String> missing = Await.until(Await.SLOW_TIMEOUT, "every metric the files name is exported",
                () -> notExported(named), Set::isEmpty);
        assertThat(missing).isEmpty();
    }

    /** The names of {@code named} that snipool's {@code /metrics} does not show now. */
    private Set<String> notExported(Set<String> named) {
        Set<String> exported = new TreeSet<>();
        Matcher names = EXPORTED_NAME.matcher(scrape());
        while (names.find()) {
            exported.add(names.group(1));
        }
        Set<String> missing = new TreeSet<>(named);
        missing.removeAll(exported);
        return missing;
    }

    private String scrape() {
        try {
            return admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + snipool.adminPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One {@code Connection: close} request for {@code host}, read to the end, whatever the answer. */
    private static void request(int port, String host) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            in.readAllBytes();
        }
    }

    /**
     * The repository root: the system property {@code snipool.repository} if set, else the parent of the module
     * directory surefire runs in.
     */
    private static Path repositoryRoot() {
        Path root = Path.of(System.getProperty("snipool.repository", "..")).toAbsolutePath().normalize();
        assertThat(root.resolve(DEPLOY_FILES[0])).as("the dashboard under the repository root").exists();
        return root;
    }
}

package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.HttpBackend;
import io.snipool.core.testbed.RawClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The status page on the admin server: its files from the jar, and {@code /api/stats} with traffic flowing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusPageTest {

    private static final int REQUESTS = 20;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Vertx vertx;
    private HttpBackend backend;
    private Path file;
    private Snipool snipool;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        backend = Await.result(HttpBackend.start(vertx, "hello"));
        file = dir.resolve("snipool.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes: [ { hosts: [localhost], backends: ["127.0.0.1:%d"] } ]
                metrics: { bind: "127.0.0.1:0" }
                """.formatted(backend.port()));
        snipool = Snipool.start(new ConfigLoader(name -> null).load(file), file, name -> null, Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws Exception {
        if (snipool != null) {
            snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + snipool.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void statsShowTheBackendsConnectionsReusedUnderTraffic() throws Exception {
        for (int i = 0; i < REQUESTS; i++) {
            // One client connection after another: only the pool can spare the backend a connection each.
            try (RawClient client = RawClient.connect(snipool.listenerPort("web"))) {
                String response = new String(client.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)).readUntilClosed(), StandardCharsets.US_ASCII);
                assertThat(response).startsWith("HTTP/1.1 200").endsWith("hello");
            }
        }

        JsonObject stats = Await.until("every request counted in /api/stats", () -> {
            try {
                return new JsonObject(admin("GET", "/api/stats").body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, seen -> seen.getJsonArray("listeners").getJsonObject(0).getJsonObject("requests").getLong("2xx")
                == REQUESTS);

        assertThat(Instant.ofEpochMilli(stats.getLong("time"))).isBeforeOrEqualTo(Instant.now());
        JsonObject listener = stats.getJsonArray("listeners").getJsonObject(0);
        assertThat(listener.getString("name")).isEqualTo("web");
        assertThat(listener.getLong("connections_total")).isEqualTo(REQUESTS);
        assertThat(listener.getJsonObject("latency").getLong("requests")).isEqualTo(REQUESTS);
        assertThat(listener.getJsonObject("latency").getDouble("p99_ms")).isPositive();
        JsonArray backends = stats.getJsonArray("backends");
        assertThat(backends).hasSize(1);
        JsonObject row = backends.getJsonObject(0);
        assertThat(row.getString("backend")).isEqualTo("127.0.0.1:" + backend.port());
        assertThat(row.getString("state")).isEqualTo("up");
        assertThat(row.getBoolean("pooled")).isTrue();
        // Each event loop has its own pool: the first request on each opens a connection, every other reuses one.
        int opened = backend.accepted();
        assertThat(opened).isBetween(1, Runtime.getRuntime().availableProcessors());
        assertThat(row.getDouble("hit_ratio")).isEqualTo((REQUESTS - opened) / (double) REQUESTS).isPositive();
        assertThat(row.getDouble("requests_per_connection")).isEqualTo(REQUESTS / (double) opened);
        assertThat(stats.getJsonObject("config").getValue("last_reload")).isNull();
    }

    @Test
    void aRefusedReloadShowsWithItsProblems() throws Exception {
        Files.writeString(file, "listeners: [ { name: web, bind: nowhere } ]\n");
        assertThat(admin("POST", "/api/reload").statusCode()).isEqualTo(422);

        JsonObject reload = new JsonObject(admin("GET", "/api/stats").body()).getJsonObject("config")
                .getJsonObject("last_reload");

        assertThat(reload.getBoolean("applied")).isFalse();
        assertThat(reload.getJsonArray("problems")).isNotEmpty();
    }

    @Test
    void thePageAndItsFilesComeFromTheJar() throws Exception {
        for (String path : new String[] {"/", "/status"}) {
            HttpResponse<String> page = admin("GET", path);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(policy ->
                    assertThat(policy).startsWith("default-src 'self'"));
            assertThat(page.body()).contains("<table id=\"backends\">").contains("src=\"status/status.js\"")
                    .doesNotContain("http://").doesNotContain("https://");
        }
        assertThat(admin("GET", "/status/status.js").body()).contains("fetch('api/stats'");
        assertThat(admin("GET", "/status/status.css").headers().firstValue("content-type"))
                .hasValue("text/css; charset=utf-8");
        HttpResponse<String> uplot = admin("GET", "/status/uPlot.iife.min.js");
        assertThat(uplot.statusCode()).isEqualTo(200);
        assertThat(uplot.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(uplot.body()).contains("uPlot");
        assertThat(admin("GET", "/status/uPlot.min.css").body()).contains(".uplot");
        assertThat(admin("POST", "/").statusCode()).as("read-only").isEqualTo(404);
    }
}

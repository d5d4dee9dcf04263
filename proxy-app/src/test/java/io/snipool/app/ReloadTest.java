package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.snipool.config.ConfigLoader;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.HttpBackend;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload while requests keep coming: nothing fails, new routes apply, kept pools keep their connections. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReloadTest {

    @TempDir
    Path dir;

    private Vertx vertx;
    private HttpBackend blue;
    private HttpBackend green;
    private Snipool snipool;
    private Path file;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        blue = Await.result(HttpBackend.start(vertx, "blue"));
        green = Await.result(HttpBackend.start(vertx, "green"));
        file = dir.resolve("snipool.yaml");
        write(config("blue", blue.port(), 0));
        snipool = Snipool.start(new ConfigLoader(name -> null).load(file), file, name -> null, Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws Exception {
        if (snipool != null) {
            snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** A listener on a fixed port once bound (so reloads keep it), routing "localhost" to one backend. */
    private String config(String route, int backendPort, int listenerPort) {
        return """
                listeners:
                  - name: web
                    bind: "127.0.0.1:%d"
                    mode: http
                    routes:
                      - { hosts: [localhost], backends: ["127.0.0.1:%d"] }
                      - { hosts: ["127.0.0.1"], backends: ["127.0.0.1:%d"] }
                metrics: { bind: "127.0.0.1:0" }
                access_log: { enabled: false }
                """.formatted(listenerPort, backendPort, blue.port()) + "# route: " + route + "\n";
    }

    private void write(String yaml) throws Exception {
        Files.writeString(file, yaml);
    }

    private HttpResponse<String> get(String host) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + snipool.listenerPort("web") + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + snipool.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void reloadsUnderLoadWithoutAFailedRequest() throws Exception {
        int port = snipool.listenerPort("web");
        assertThat(get("localhost").body()).isEqualTo("blue");

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            workers.add(load.submit(() -> {
                while (running.get()) {
                    try {
                        HttpResponse<String> response = get(i(ok) % 2 == 0 ? "localhost" : "127.0.0.1");
                        if (response.statusCode() != 200) {
                            failures.add(response.statusCode() + " " + response.body());
                        }
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
                return null;
            }));
        }
        for (int reload = 0; reload < 6; reload++) {
            int before = ok.get();
            Await.until(Await.SLOW_TIMEOUT, "requests flow between reloads", ok::get, count -> count > before + 50);
            boolean toGreen = reload % 2 == 0;
            write(config(toGreen ? "green" : "blue", toGreen ? green.port() : blue.port(), 0));
            HttpResponse<String> answer = admin("POST", "/api/reload");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(get("localhost").body()).as("the new route applies at once").isEqualTo(toGreen ? "green" : "blue");
            // The backend that stayed in the file keeps its warm connections.
            JsonArray pools = new JsonArray(admin("GET", "/api/pools").body());
            JsonObject kept = pools.stream().map(JsonObject.class::cast)
                    .filter(pool -> pool.getString("backend").equals("127.0.0.1:" + blue.port())).findFirst()
                    .orElseThrow();
            assertThat(kept.getLong("idle") + kept.getLong("active")).as("kept pool after reload " + reload)
                    .isPositive();
        }
        running.set(false);
        for (Future<?> worker : workers) {
            worker.get(30, TimeUnit.SECONDS);
        }
        load.shutdown();

        assertThat(failures).as("failed requests during reloads").isEmpty();
        assertThat(ok.get()).isGreaterThan(300);
        assertThat(snipool.listenerPort("web")).as("an unchanged :0 keeps its port").isEqualTo(port);
        String metrics = admin("GET", "/metrics").body();
        assertThat(metrics).contains("snipool_config_reloads_total{result=\"success\"} 6.0");
        assertThat(metrics).contains("snipool_config_last_reload_success_timestamp_seconds");
    }

    private static int i(AtomicInteger counter) {
        return counter.get();
    }

    @Test
    void theConnectionLimitGaugeShowsTheLimitInForce() throws Exception {
        assertThat(admin("GET", "/metrics").body()).as("the default")
                .contains("\nsnipool_connections_limit 10000.0\n");

        write(config("blue", blue.port(), 0) + "limits: { max_connections: 50 }\n");
        assertThat(admin("POST", "/api/reload").statusCode()).isEqualTo(200);

        assertThat(admin("GET", "/metrics").body()).contains("\nsnipool_connections_limit 50.0\n");
    }

    @Test
    void theIdleConnectionsOfARemovedBackendAreClosed() throws Exception {
        assertThat(get("localhost").body()).isEqualTo("blue");
        assertThat(get("127.0.0.1").body()).isEqualTo("blue");
        Await.until(Await.SLOW_TIMEOUT, "blue has an idle connection", () -> idle(blue.port()), idle -> idle > 0);

        // Neither route reaches blue any more.
        write(config("green", green.port(), 0).replace("127.0.0.1:" + blue.port(), "127.0.0.1:" + green.port()));
        assertThat(admin("POST", "/api/reload").statusCode()).isEqualTo(200);

        Await.until(Await.SLOW_TIMEOUT, "blue's idle connections are closed", () -> idle(blue.port()),
                idle -> idle == 0);
        Await.until(Await.SLOW_TIMEOUT, "blue sees every connection closed", blue::open, open -> open == 0);
        // Every connection blue ever accepted was idle in the pool and retired by the reload, each counted once.
        Await.until(Await.SLOW_TIMEOUT, "the retired connections are counted", () -> removed(blue.port()),
                count -> count >= blue.accepted());
        assertThat(removed(blue.port())).isEqualTo(blue.accepted());
        assertThat(get("localhost").body()).isEqualTo("green");
    }

    /** The pool's evictions of a removed backend's connections, 0 before the backend's meters exist. */
    private double removed(int backendPort) {
        Counter removed = snipool.registry().find(PoolMeters.EVICTIONS).tag("backend", "127.0.0.1:" + backendPort)
                .tag("reason", "removed").counter();
        return removed == null ? 0 : removed.count();
    }

    private long idle(int backendPort) {
        try {
            return new JsonArray(admin("GET", "/api/pools").body()).stream().map(JsonObject.class::cast)
                    .filter(pool -> pool.getString("backend").equals("127.0.0.1:" + backendPort))
                    .mapToLong(pool -> pool.getLong("idle")).sum();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anInvalidFileChangesNothingAndSaysWhy() throws Exception {
        write(config("green", green.port(), 0).replace("mode: http", "mode: htp"));

        HttpResponse<String> answer = admin("POST", "/api/reload");

        assertThat(answer.statusCode()).isEqualTo(422);
        JsonObject body = new JsonObject(answer.body());
        assertThat(body.getBoolean("applied")).isFalse();
        assertThat(body.getJsonArray("problems").getString(0))
                .isEqualTo("listeners[0].mode: expected one of tls, http; got 'htp' (did you mean 'http'?)"
                        + " (line 4, column 11)");
        assertThat(get("localhost").body()).as("still the old route").isEqualTo("blue");
        assertThat(admin("GET", "/metrics").body()).contains("snipool_config_reloads_total{result=\"failure\"} 1.0");
    }

    @Test
    void aListenerCanBeAddedAndRemoved() throws Exception {
        String withSecond = Files.readString(file).replace("metrics:", """
                  - name: extra
                    bind: "127.0.0.1:0"
                    mode: http
                    routes: [ { hosts: ["*"], backends: ["127.0.0.1:%d"] } ]
                metrics:""".formatted(green.port()));
        write(withSecond);
        assertThat(admin("POST", "/api/reload").statusCode()).isEqualTo(200);
        int extraPort = snipool.listenerPort("extra");
        HttpResponse<String> viaExtra = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + extraPort + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(viaExtra.body()).isEqualTo("green");

        write(config("blue", blue.port(), 0));
        assertThat(admin("POST", "/api/reload").statusCode()).isEqualTo(200);
        assertThat(snipool.proxy().listenerNames()).containsExactly("web");
        Await.until(Await.SLOW_TIMEOUT, "the removed listener's port is released", () -> refused(extraPort),
                refused -> refused);
    }

    private static boolean refused(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    @Test
    void aReloadThatCannotBindChangesNothing() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            write(Files.readString(file).replace("metrics:", """
                      - name: clash
                        bind: "127.0.0.1:%d"
                        mode: http
                        routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ]
                    metrics:""".formatted(taken.getLocalPort())));

            HttpResponse<String> answer = admin("POST", "/api/reload");

            assertThat(answer.statusCode()).isEqualTo(422);
            assertThat(answer.body()).contains("listener 'clash' cannot bind 127.0.0.1:" + taken.getLocalPort());
            assertThat(snipool.proxy().listenerNames()).containsExactly("web");
            assertThat(get("localhost").body()).isEqualTo("blue");
        }
    }

    @Test
    void withoutAFileThereIsNothingToReload() throws Exception {
        Snipool bare = Snipool.start(new ConfigLoader(Map.<String, String>of()::get).load(file), Duration.ofSeconds(30));
        try {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + bare.adminPort() + "/api/reload"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(422);
            assertThat(answer.body()).contains("started without a configuration file");
        } finally {
            bare.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}

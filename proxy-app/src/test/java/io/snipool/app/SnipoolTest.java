package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ProxyConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A whole snipool on ephemeral ports: binds, serves the admin endpoints, stops cleanly. */
@ExtendWith(VertxExtension.class)
class SnipoolTest {

    private static final String CONFIG = """
            listeners:
              - { name: web, bind: "127.0.0.1:0", mode: http, routes: [ { hosts: [a.test], backends: ["127.0.0.1:1"] } ] }
              - { name: edge, bind: "127.0.0.1:0", mode: tls, routes: [ { hosts: [a.test], backends: ["127.0.0.1:1"] } ] }
            metrics: { bind: "127.0.0.1:0" }
            """;

    private Snipool snipool;

    @BeforeEach
    void start() throws Exception {
        ProxyConfig config = new ConfigLoader(Map.<String, String>of()::get).parse(CONFIG, "test.yaml");
        snipool = Snipool.start(config, Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws Exception {
        if (snipool != null) {
            snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private io.vertx.core.Future<Response> get(Vertx vertx, String path) {
        HttpClient client = vertx.createHttpClient();
        return client.request(HttpMethod.GET, snipool.adminPort(), "127.0.0.1", path)
                .compose(request -> request.send() // body() inside send()'s callback, or the body may be lost
                        .compose(response -> response.body().map(body -> new Response(response, body))))
                .eventually(client::close);
    }

    private record Response(HttpClientResponse response, Buffer body) {
        int status() {
            return response.statusCode();
        }

        String text() {
            return body.toString();
        }
    }

    @Test
    void bindsEveryListenerOnItsOwnPort() {
        assertThat(snipool.listenerPort("web")).isPositive();
        assertThat(snipool.listenerPort("edge")).isPositive().isNotEqualTo(snipool.listenerPort("web"));
        assertThat(snipool.adminPort()).isPositive();
    }

    @Test
    void healthAndReadiness(Vertx vertx, VertxTestContext test) {
        get(vertx, "/healthz").compose(health -> {
            test.verify(() -> {
                assertThat(health.status()).isEqualTo(200);
                assertThat(health.text()).isEqualTo("ok\n");
            });
            return get(vertx, "/readyz");
        }).compose(ready -> {
            test.verify(() -> assertThat(ready.status()).isEqualTo(200));
            snipool.readiness().set(Readiness.State.DRAINING);
            return get(vertx, "/readyz");
        }).onComplete(test.succeeding(draining -> test.verify(() -> {
            assertThat(draining.status()).isEqualTo(503);
            assertThat(draining.text()).isEqualTo("draining\n");
            test.completeNow();
        })));
    }

    @Test
    void metricsShowJvmVertxAndSnipoolMeters(Vertx vertx, VertxTestContext test) {
        // One connection to a listener first, so the listener's meters and Vert.x's net server meters have data.
        NetClient client = vertx.createNetClient();
        client.connect(snipool.listenerPort("web"), "127.0.0.1")
                .compose(socket -> {
                    // A request without Host: answered 400 and closed at once.
                    socket.write("GET / HTTP/1.1\r\n\r\n");
                    return closed(socket);
                })
                .compose(ignored -> get(vertx, "/metrics"))
                .onComplete(test.succeeding(metrics -> test.verify(() -> {
                    assertThat(metrics.status()).isEqualTo(200);
                    assertThat(metrics.response().getHeader("content-type")).startsWith("text/plain; version=0.0.4");
                    assertThat(metrics.text())
                            .contains("jvm_memory_used_bytes{")
                            .contains("jvm_threads_live_threads")
                            .contains("vertx_http_server_active_connections")
                            .doesNotContain("vertx_net_server_active_connections")
                            .contains("snipool_connections_total{listener=\"web\",outcome=\"accepted\"} 1.0")
                            .contains("snipool_connections_active{listener=\"web\"}");
                    test.completeNow();
                })));
    }

    private static io.vertx.core.Future<Void> closed(NetSocket socket) {
        io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
        socket.closeHandler(closed::tryComplete);
        return closed.future();
    }

    @Test
    void poolsApiIsAJsonList(Vertx vertx, VertxTestContext test) {
        get(vertx, "/api/pools").onComplete(test.succeeding(pools -> test.verify(() -> {
            assertThat(pools.status()).isEqualTo(200);
            assertThat(pools.response().getHeader("content-type")).isEqualTo("application/json");
            assertThat(new JsonArray(pools.text())).isEmpty();
            test.completeNow();
        })));
    }

    @Test
    void poolEventsApiIsAJsonList(Vertx vertx, VertxTestContext test) {
        get(vertx, "/api/pool-events").onComplete(test.succeeding(events -> test.verify(() -> {
            assertThat(events.status()).isEqualTo(200);
            assertThat(new JsonArray(events.text())).isEmpty();
            test.completeNow();
        })));
    }

    @Test
    void backendsApiShowsEveryConfiguredBackendAndMetricsTheirState(Vertx vertx, VertxTestContext test) {
        get(vertx, "/api/backends").compose(backends -> {
            test.verify(() -> {
                assertThat(backends.status()).isEqualTo(200);
                assertThat(backends.response().getHeader("content-type")).isEqualTo("application/json");
                JsonArray list = new JsonArray(backends.text());
                assertThat(list).hasSize(1);
                JsonObject backend = list.getJsonObject(0);
                assertThat(backend.getString("backend")).isEqualTo("127.0.0.1:1");
                assertThat(backend.getJsonArray("routes")).containsExactly(new JsonObject().put("route", "a.test")
                        .put("weight", 1).put("backup", false));
                assertThat(backend.getString("state")).isEqualTo("up");
                assertThat(backend.getLong("active")).isZero();
                assertThat(backend.getLong("ejections")).isZero();
                assertThat(backend.getValue("check")).as("not probed: no health_check").isNull();
                assertThat(java.time.Instant.parse(backend.getString("since"))).isBeforeOrEqualTo(
                        java.time.Instant.now());
            });
            return get(vertx, "/metrics");
        }).onComplete(test.succeeding(metrics -> test.verify(() -> {
            assertThat(metrics.text()).contains("snipool_backend_up{backend=\"127.0.0.1:1\",route=\"a.test\"} 1.0");
            test.completeNow();
        })));
    }

    @Test
    void anythingElseIs404(Vertx vertx, VertxTestContext test) {
        get(vertx, "/admin").onComplete(test.succeeding(response -> test.verify(() -> {
            assertThat(response.status()).isEqualTo(404);
            assertThat(response.text()).isEqualTo("not found: /admin\n");
            test.completeNow();
        })));
    }

    @Test
    void stopReleasesThePorts(Vertx vertx, VertxTestContext test) throws Exception {
        int port = snipool.listenerPort("web");
        snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        snipool = null;

        vertx.createNetClient().connect(port, "127.0.0.1").onComplete(test.failing(cause -> test.verify(() -> {
            assertThat(cause).isInstanceOf(ConnectException.class);
            test.completeNow();
        })));
    }

    @Test
    void theHookBeforeReadyRunsOnAStartedProcessThatIsNotReadyYet() throws Exception {
        ProxyConfig config = new ConfigLoader(Map.<String, String>of()::get).parse(CONFIG, "test.yaml");
        AtomicReference<Readiness.State> atHook = new AtomicReference<>();
        AtomicReference<Integer> portAtHook = new AtomicReference<>();
        Snipool second = Snipool.start(config, null, name -> null, Duration.ofSeconds(30), started -> {
            atHook.set(started.readiness().state());
            portAtHook.set(started.listenerPort("web"));
        });
        try {
            assertThat(atHook).as("signal handlers go in before /readyz turns 200").hasValue(Readiness.State.STARTING);
            assertThat(portAtHook.get()).as("the listeners are bound by then").isPositive();
            assertThat(second.readiness().state()).isEqualTo(Readiness.State.READY);
        } finally {
            second.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}

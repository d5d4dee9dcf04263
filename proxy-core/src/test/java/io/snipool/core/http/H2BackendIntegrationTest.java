package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.snipool.config.RouteConfig;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.snipool.core.testbed.GrpcStyleBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code backend_protocol: h2c} end to end: HTTP/1.1 clients through snipool to an HTTP/2 backend on Netty's server
 * codec: streams multiplexed on pooled connections (reuse, the per-connection stream limit and the backend's own),
 * GOAWAY, a backend that closes, the idle timeout.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class H2BackendIntegrationTest {

    static String route(GrpcStyleBackend backend) {
        return "{ hosts: [a.test], backends: [\"127.0.0.1:" + backend.port() + "\"], backend_protocol: h2c }";
    }

    /** One event loop, so that one pool sees every request and connection counts are exact. */
    static ProxyUnderTest proxy(Vertx vertx, GrpcStyleBackend backend, String settings) {
        return new ProxyUnderTest(vertx, route(backend), settings, "", 1);
    }

    /** {@code count} GETs at once, each on a client connection of its own; the bodies in request order. */
    static List<String> concurrently(Vertx vertx, int port, int count) {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(count));
        try {
            return send(client, port, 0, count).stream().map(Await::result).toList();
        } finally {
            Await.result(client.close());
        }
    }

    /** GETs {@code from} to {@code to - 1} at once, without waiting: their answers, status and body. */
    static List<Future<String>> send(HttpClient client, int port, int from, int to) {
        List<Future<String>> answers = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String n = Integer.toString(i);
            answers.add(client.request(HttpMethod.GET, port, "127.0.0.1", "/n/" + i)
                    // body() inside send()'s callback: chained after it from this thread, the body could be lost.
                    .compose(request -> request.putHeader("Host", "a.test").putHeader("x-n", n).send()
                            .compose(response -> response.body().map(body -> response.statusCode() + " "
                                    + body.toString(StandardCharsets.UTF_8)))));
        }
        return answers;
    }

    @Test
    void sequentialRequestsShareOneBackendConnectionAsSuccessiveStreams(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend, "");
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 10; i++) {
                HttpWire.Response response = client.exchange(RawClient.get("a.test", "/seq", "x-n: " + i));
                assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
                // Netty's client codec starts at stream 3 (stream 1 is the one an h2c upgrade would take).
                assertThat(response.bodyText()).isEqualTo("n=" + i + " connection=1 stream=" + (2 * i + 3) + "\n");
            }
            assertThat(backend.connections()).isEqualTo(1);
            GrpcStyleBackend.Seen first = backend.seen().get(0);
            assertThat(first.headers()).containsEntry(":authority", "a.test").containsEntry(":scheme", "http")
                    .containsEntry(":method", "GET").containsEntry(":path", "/seq").doesNotContainKey("host")
                    .doesNotContainKey("connection");
            assertThat(first.headers().keySet()).noneMatch(name -> name.startsWith("x-http2-"));
            assertThat(proxy.count(PoolMeters.HITS)).isEqualTo(9);
            assertThat(proxy.count(PoolMeters.MISSES)).isEqualTo(1);
        }
    }

    @Test
    void twoHundredConcurrentRequestsWithAHundredStreamsEachTakeExactlyTwoConnections(Vertx vertx)
            throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options().holdUntilOpen(200));
             ProxyUnderTest proxy = proxy(vertx, backend, "pool: { max_streams_per_connection: 100 }\n")) {
            List<String> answers = concurrently(vertx, proxy.port(), 200);

            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i)).startsWith("200 n=" + i + " ");
            }
            assertThat(backend.connections()).isEqualTo(2);
            assertThat(backend.mostOpenOnOneConnection()).isEqualTo(100);
        }
    }

    @Test
    void theBackendsMaxConcurrentStreamsLowersTheLimit(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options()
                .maxConcurrentStreams(10).holdUntilOpen(30));
             ProxyUnderTest proxy = proxy(vertx, backend, "")) {
            List<String> answers = concurrently(vertx, proxy.port(), 30);

            assertThat(answers).allMatch(answer -> answer.startsWith("200 "));
            assertThat(backend.connections()).isEqualTo(3);
            assertThat(backend.mostOpenOnOneConnection()).isEqualTo(10);
        }
    }

    @Test
    void aGoAwayDrainsItsConnectionAndTheUnprocessedStreamsGoToANewOneOnce(Vertx vertx) throws Exception {
        // The 20th stream of the first connection brings a GOAWAY naming the 10th: 11..20 were never processed.
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options().goAway(20, 10));
             ProxyUnderTest proxy = proxy(vertx, backend, "")) {
            List<String> answers = concurrently(vertx, proxy.port(), 40);

            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i)).startsWith("200 n=" + i + " ");
            }
            Map<String, Long> processed = backend.seen().stream()
                    .collect(Collectors.groupingBy(seen -> seen.headers().get("x-n"), Collectors.counting()));
            assertThat(processed).hasSize(40).allSatisfy((n, times) -> assertThat(times).as("request " + n)
                    .isEqualTo(1));
            assertThat(backend.seen().stream().filter(seen -> seen.connection() == 1)).hasSize(10);
            assertThat(backend.connections()).isGreaterThanOrEqualTo(2);
            assertThat(proxy.count(ProxyMetrics.RETRIES)).isGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void aBackendThatClosesBeforeAnsweringIsA502AndMidResponseCutsTheClient(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend, "")) {
            try (RawClient client = new RawClient(proxy.port())) {
                // POST is not retried once sent (RFC 9110 §9.2.2): the close is the answer.
                HttpWire.Response response = client.exchange("POST /close HTTP/1.1\r\nHost: a.test\r\n"
                        + "Content-Length: 2\r\n\r\nhi");
                assertThat(response.status()).isEqualTo(502);
            }
            try (RawClient client = new RawClient(proxy.port())) {
                client.send(RawClient.get("a.test", "/cut"));
                // The head went out: the body cannot be completed honestly, so the client connection is cut.
                assertThatThrownBy(client::read).isInstanceOf(java.io.IOException.class);
            }
            try (RawClient client = new RawClient(proxy.port())) {
                HttpWire.Response after = client.exchange(RawClient.get("a.test", "/after", "x-n: 7"));
                assertThat(after.status()).as("a new connection serves the next request").isEqualTo(200);
            }
        }
    }

    @Test
    void anHttp2ConnectionWithoutStreamsClosesAfterTheIdleTimeout(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend, "pool: { idle_timeout: 300ms }\n");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("a.test", "/once", "x-n: 1")).status()).isEqualTo(200);
            assertThat(backend.connectionsOpen()).isEqualTo(1);

            Await.until("the idle HTTP/2 connection closed", backend::connectionsOpen, open -> open == 0);
            // Counted on the pool's loop just after the close, so possibly after the backend saw it: waited for.
            Await.until("the close counted as idle_timeout", () -> evictions(proxy, "idle_timeout"),
                    count -> count >= 1);
            assertThat(evictions(proxy, "idle_timeout")).isEqualTo(1);
        }
    }

    @Test
    void thePoolApiShowsOneConnectionCarryingTheStreamsInFlight(Vertx vertx) throws Exception {
        // The backend holds every answer until a sixth stream is open: five stay in flight while the API is read.
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options().holdUntilOpen(6));
             ProxyUnderTest proxy = proxy(vertx, backend, "")) {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(6));
            try {
                List<Future<String>> held = send(client, proxy.port(), 0, 5);
                JsonObject key = Await.until("five streams in flight", () -> firstKey(proxy),
                        found -> found != null && found.getLong("streams_active") == 5);
                assertThat(key.getString("protocol")).isEqualTo("h2c");
                assertThat(key.getLong("active")).as("connections carrying streams").isEqualTo(1);
                assertThat(proxy.gauge(PoolMeters.STREAMS_ACTIVE)).isEqualTo(5);

                List<Future<String>> last = send(client, proxy.port(), 5, 6);
                assertThat(Await.result(last.get(0))).startsWith("200 n=5 ");
                for (Future<String> answer : held) {
                    assertThat(Await.result(answer)).startsWith("200 ");
                }
                Await.until("no stream in flight", () -> proxy.gauge(PoolMeters.STREAMS_ACTIVE), v -> v == 0);
            } finally {
                Await.result(client.close());
            }
        }
    }

    @Test
    void aReloadKeepsTheWarmHttp2ConnectionAndOneToHttp1RetiresIt(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend, "");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("a.test", "/", "x-n: 1")).bodyText()).contains("connection=1 ");
            Await.result(proxy.server().reload(proxy.server().config()));
            assertThat(client.exchange(RawClient.get("a.test", "/", "x-n: 2")).bodyText()).contains("connection=1 ");

            Await.result(proxy.server().reload(BackendTlsConfigs.withRoutes(proxy.server().config(),
                    route -> new RouteConfig(route.hosts(), route.backends(), route.proxyProtocol(), route.pool(),
                            route.allowPrivateTargets(), route.terminate(), route.backendTls(),
                            route.backendPolicy(), route.health()))));
            Await.until("the h2c connection retired", backend::connectionsOpen, open -> open == 0);
            // Counted on the pool's loop, which may come after the backend saw the close: waited for, not read once.
            Await.until("the retirement counted as removed", () -> evictions(proxy, "removed"), count -> count >= 1);
            assertThat(evictions(proxy, "removed")).isEqualTo(1);
        }
    }

    /**
     * {@code snipool_pool_evictions_total} for {@code reason}; 0 before the backend's meters exist. The pool counts an
     * eviction right after it closes the connection, so a test that saw the close waits for the count.
     */
    static double evictions(ProxyUnderTest proxy, String reason) {
        Counter evictions = proxy.registry().find(PoolMeters.EVICTIONS).tag("reason", reason).counter();
        return evictions == null ? 0 : evictions.count();
    }

    private static JsonObject firstKey(ProxyUnderTest proxy) {
        try {
            JsonArray pools = PoolReport.pools(proxy.server().pools()).get(10, TimeUnit.SECONDS);
            return pools.isEmpty() ? null : pools.getJsonObject(0).getJsonArray("keys").getJsonObject(0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

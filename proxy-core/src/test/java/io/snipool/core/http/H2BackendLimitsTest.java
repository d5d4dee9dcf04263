package io.snipool.core.http;

import static io.snipool.core.http.H2BackendIntegrationTest.concurrently;
import static io.snipool.core.http.H2BackendIntegrationTest.evictions;
import static io.snipool.core.http.H2BackendIntegrationTest.proxy;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.HostPort;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.GrpcStyleBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pool keys at their edges on HTTP/2 backends: {@code max_streams_per_connection: 1}, the stream budget of
 * {@code max_requests_per_connection}, and {@code max_connections_per_host}, under which requests wait for a free
 * stream instead of a connection.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class H2BackendLimitsTest {

    @Test
    void oneStreamPerConnectionOpensAConnectionPerConcurrentRequest(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options().holdUntilOpen(3));
             ProxyUnderTest proxy = proxy(vertx, backend, "pool: { max_streams_per_connection: 1 }\n")) {
            List<String> answers = concurrently(vertx, proxy.port(), 3);

            assertThat(answers).allMatch(answer -> answer.startsWith("200 "));
            assertThat(backend.connections()).isEqualTo(3);
            assertThat(backend.mostOpenOnOneConnection()).isEqualTo(1);
        }
    }

    @Test
    void maxRequestsPerConnectionCountsStreamsAndRetiresTheConnectionAfterItsLast(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend, "pool: { max_requests_per_connection: 3 }\n");
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 7; i++) {
                HttpWire.Response response = client.exchange(RawClient.get("a.test", "/budget", "x-n: " + i));
                assertThat(response.bodyText()).startsWith("n=" + i + " connection=" + (i / 3 + 1) + " ");
            }
            assertThat(backend.connections()).isEqualTo(3);
            assertThat(proxy.registry().find(PoolMeters.EVICTIONS).tag("reason", "max_requests").counter().count())
                    .isEqualTo(2);
        }
    }

    @Test
    void atTheConnectionCapRequestsWaitForAFreeStream(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend,
                     "pool: { max_connections_per_host: 1, max_streams_per_connection: 2 }\n")) {
            List<String> answers = concurrently(vertx, proxy.port(), 12);

            for (int i = 0; i < answers.size(); i++) {
                assertThat(answers.get(i)).startsWith("200 n=" + i + " connection=1 ");
            }
            assertThat(backend.connections()).isEqualTo(1);
            assertThat(backend.mostOpenOnOneConnection()).isBetween(1, 2);
        }
    }

    @Test
    void aBackendThatAllowsNoStreamFailsTheRequestInsteadOfLoopingOnItsConnection(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options()
                .maxConcurrentStreams(0));
             ProxyUnderTest proxy = proxy(vertx, backend, "");
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(RawClient.get("a.test", "/none"));

            assertThat(response.status()).isEqualTo(502);
            assertThat(backend.seen()).isEmpty();
            assertThat(proxy.registry().find(PoolMeters.EVICTIONS).tag("reason", "not_reusable").counter().count())
                    .isEqualTo(backend.connections());
        }
    }

    @Test
    void aBackendGoingDownRetiresItsBusyConnectionWhichFinishesItsStreamsAndTakesNoNewOne(Vertx vertx)
            throws Exception {
        // Two answers are held until a third stream is open: that one must come on a connection of its own.
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options().holdUntilOpen(3));
             ProxyUnderTest proxy = proxy(vertx, backend, "")) {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(3));
            try {
                List<Future<String>> first = H2BackendIntegrationTest.send(client, proxy.port(), 0, 2);
                Await.until("two streams in flight", () -> proxy.gauge(PoolMeters.STREAMS_ACTIVE), v -> v == 2);
                proxy.server().pools().backendDown(new HostPort("127.0.0.1", backend.port())).get(5, TimeUnit.SECONDS);

                List<Future<String>> third = H2BackendIntegrationTest.send(client, proxy.port(), 2, 3);
                assertThat(Await.result(third.get(0))).startsWith("200 n=2 connection=2 ");
                for (Future<String> answer : first) {
                    assertThat(Await.result(answer)).contains(" connection=1 ");
                }
                Await.until("the retired connection closed", backend::connectionsOpen, open -> open == 1);
                // Counted on the pool's loop just after the close, so possibly after the backend saw it: waited for.
                Await.until("the retirement counted as backend_down", () -> evictions(proxy, "backend_down"),
                        count -> count >= 1);
                assertThat(evictions(proxy, "backend_down")).isEqualTo(1);
            } finally {
                Await.result(client.close());
            }
        }
    }

    @Test
    void anH2cRouteToABackendThatSpeaksOnlyHttp1FailsTheConnect(Vertx vertx) throws Exception {
        try (RawBackend http1 = new RawBackend(RawBackend.replying(request ->
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, "{ hosts: [a.test], backends: [\"127.0.0.1:"
                     + http1.port() + "\"], backend_protocol: h2c }", "", "", 1);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(RawClient.get("a.test", "/"));

            assertThat(response.status()).isEqualTo(502);
            assertThat(proxy.count(PoolMeters.CONNECT_ERRORS)).isGreaterThanOrEqualTo(1);
        }
    }
}

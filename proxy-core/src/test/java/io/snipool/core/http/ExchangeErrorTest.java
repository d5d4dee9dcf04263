package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static io.snipool.core.http.ExchangeRefusalTest.assertRefusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.config.PoolSettings;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.ClosedPort;
import io.snipool.core.testbed.LeakCheck;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.EOFException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failures on the backend side: snipool's own small answers (502, 503, 504, 421) before any byte of a response,
 * a cut connection after, and backend connections left in a state that must not be reused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExchangeErrorTest {

    private static final String GET_A = RawClient.get("a.test", "/");
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void noRouteIs421(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(RawClient.get("Other.Test.", "/"));
            assertRefusal(response, 421);
            assertThat(response.bodyText()).contains("no route for host 'other.test'");
            assertThat(client.closedByPeer()).isTrue();
            assertThat(backend.accepted()).isZero();
        }
    }

    @Test
    void refusedConnectIs502(Vertx vertx) throws Exception {
        int closedPort = ClosedPort.get();
        try (ProxyUnderTest proxy = new ProxyUnderTest(vertx,
                "{ hosts: [a.test], backends: [\"127.0.0.1:" + closedPort + "\"] }", "");
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(GET_A);
            assertRefusal(response, 502);
            assertThat(response.bodyText()).contains("127.0.0.1:" + closedPort);
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void aRefusedBackendFailsOverToTheNextOne(Vertx vertx) throws Exception {
        int closedPort = ClosedPort.get();
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, "{ hosts: [a.test], backends: [\"127.0.0.1:"
                     + closedPort + "\", \"" + backend.address() + "\"] }", "");
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 4; i++) {
                assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            }
            assertThat(proxy.count(io.snipool.core.metrics.ProxyMetrics.BACKEND_CONNECT_ERRORS)).isPositive();
        }
    }

    @Test
    void bytesArrivingOnAnIdleConnectionEvictIt(Vertx vertx) throws Exception {
        CountDownLatch strayWritten = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write(OK);
            if (connection.index == 0) {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged");
                strayWritten.countDown();
            }
            while (connection.readRequest() != null) {
                connection.write(OK);
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "", "", 1);
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            assertThat(strayWritten.await(10, TimeUnit.SECONDS)).isTrue();
            record Eviction(double unexpectedData, boolean backendClosed) {
            }
            Await.until("the connection evicted",
                    () -> new Eviction(evictions(proxy, "unexpected_data"),
                            backend.connections().get(0).socket.isClosed()),
                    seen -> seen.unexpectedData() == 1 || seen.backendClosed());
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            assertThat(backend.accepted()).isEqualTo(2);
        }
    }

    @Test
    void bytesOnAConnectionReturnedAfterAClosingClientEvictItAndAreNeverAnAnswer(Vertx vertx) throws Exception {
        // The client's Connection: close ends its connection as the response completes; the backend connection goes
        // back to the pool at that moment and must still be read while idle.
        CountDownLatch clientAnswered = new CountDownLatch(1);
        CountDownLatch strayWritten = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write(OK);
            if (connection.index == 0) {
                // Only once the proxy has handed the answer on, so these bytes cannot arrive with it.
                await(clientAnswered);
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged");
                strayWritten.countDown();
            }
            while (connection.readRequest() != null) {
                connection.write(OK);
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "", "", 1)) {
            try (RawClient client = new RawClient(proxy.port())) {
                assertThat(client.exchange(RawClient.get("a.test", "/", "Connection: close")).bodyText())
                        .isEqualTo("ok");
            }
            clientAnswered.countDown();
            assertThat(strayWritten.await(10, TimeUnit.SECONDS)).isTrue();
            Await.until("the connection evicted for the bytes it got while idle",
                    () -> evictions(proxy, "unexpected_data"), evicted -> evicted == 1);
            try (RawClient client = new RawClient(proxy.port())) {
                assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            }
            assertThat(backend.accepted()).isEqualTo(2);
        }
    }

    @Test
    void aFinOnAConnectionReturnedAfterAClosingClientEvictsIt(Vertx vertx) throws Exception {
        CountDownLatch answered = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write(OK);
            answered.countDown(); // and the connection closes: a FIN while it sits idle in the pool
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "", "", 1)) {
            try (RawClient client = new RawClient(proxy.port())) {
                assertThat(client.exchange(RawClient.get("a.test", "/", "Connection: close")).bodyText())
                        .isEqualTo("ok");
            }
            assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();
            record Eviction(double closedByPeer, double idle) {
            }
            Await.until("the connection evicted for the FIN it got while idle",
                    () -> new Eviction(evictions(proxy, "closed_by_peer"),
                            proxy.gauge(io.snipool.core.metrics.PoolMeters.IDLE)),
                    seen -> seen.closedByPeer() == 1 && seen.idle() == 0);
        }
    }

    private static double evictions(ProxyUnderTest proxy, String reason) {
        return proxy.registry().find(io.snipool.core.metrics.PoolMeters.EVICTIONS).tag("reason", reason).counters()
                .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void backendClosingBeforeAnyResponseByteOnAFreshConnectionIs502(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> connection.readRequest());
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(GET_A), 502);
            assertThat(client.closedByPeer()).isTrue();
            assertThat(backend.accepted()).as("retried once (retry.attempts), then given up").isEqualTo(2);
            assertThat(proxy.staleRetries()).isZero();
        }
    }

    @Test
    void malformedResponseIs502(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(GET_A), 502);
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void noResponseWithinResponseHeaderIs504AndLeavesNothingBehind(Vertx vertx) throws Exception {
        CountDownLatch proxyClosed = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            for (HttpWire.Request request = connection.readRequest(); request != null;
                 request = connection.readRequest()) {
                if (request.target().equals("/stall")) {
                    if (connection.read() < 0) {
                        proxyClosed.countDown();
                    }
                    return;
                }
                connection.write(OK);
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { response_header: 300ms }\n")) {
            try (RawClient warm = new RawClient(proxy.port())) {
                assertThat(warm.exchange(GET_A).bodyText()).isEqualTo("ok");
            }
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), backend::openSockets);
            try (RawClient client = new RawClient(proxy.port())) {
                HttpWire.Response response = client.exchange(RawClient.get("a.test", "/stall"));
                assertRefusal(response, 504);
                assertThat(response.bodyText()).contains("300ms");
                assertThat(client.closedByPeer()).isTrue();
            }
            assertThat(proxyClosed.await(10, TimeUnit.SECONDS)).as("the backend connection closed").isTrue();
            leaks.assertNothingLeaked(PoolSettings.DEFAULT_MAX_IDLE_PER_HOST * 2);
        }
    }

    @Test
    void aBackendStalledInTheMiddleOfABodyIsCutAfterTheIdleTimeout(Vertx vertx) throws Exception {
        CountDownLatch proxyClosed = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf.");
            if (connection.read() < 0) {
                proxyClosed.countDown();
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { idle: 400ms }\n");
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            HttpWire.Response head = client.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(client.readBytes(5)).isEqualTo("half.");
            assertThat(client.closedByPeer()).as("the client connection is cut: the body can never be completed")
                    .isTrue();
            assertThat(proxyClosed.await(10, TimeUnit.SECONDS)).as("the stalled backend connection closed").isTrue();
        }
    }

    @Test
    void anInterimResponseDoesNotStopTheResponseHeaderTimer(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
            connection.read(); // and never a final response
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { response_header: 300ms }\n");
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            assertThat(client.read().status()).isEqualTo(103);
            assertRefusal(client.read(), 504);
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void fullWaitQueueIs503(Vertx vertx) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstArrived = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            while (connection.readRequest() != null) {
                firstArrived.countDown();
                await(release);
                connection.write(OK);
            }
        });
             // One event loop: the per-host cap is per loop, so with two the second request could find room.
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "pool: { max_connections_per_host: 1, max_pending_per_host: 0 }\n", "", 1);
             RawClient first = new RawClient(proxy.port())) {
            first.send(GET_A);
            assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
            try (RawClient second = new RawClient(proxy.port())) {
                HttpWire.Response response = second.exchange(GET_A);
                assertRefusal(response, 503);
                assertThat(response.bodyText()).contains("max_pending_per_host");
                assertThat(second.closedByPeer()).isTrue();
            } finally {
                release.countDown();
            }
            assertThat(first.read().bodyText()).isEqualTo("ok");
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void aMalformedResponseOnAReusedConnectionIsNotReplayed(Vertx vertx) throws Exception {
        assertNotReplayed(vertx, "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n");
    }

    @Test
    void anInterimResponseThenACloseOnAReusedConnectionIsNotReplayed(Vertx vertx) throws Exception {
        assertNotReplayed(vertx, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
    }

    @Test
    void aPartialHeadThenACloseOnAReusedConnectionIsNotReplayed(Vertx vertx) throws Exception {
        assertNotReplayed(vertx, "HTTP/1.1 200 OK\r\nContent-Le");
    }

    /**
     * The backend's first connection answers one request, then meets the second with {@code reply} and closes:
     * some response bytes arrived, so the request may have been acted on and is not replayed (a replay would
     * reach the second connection, which answers normally).
     */
    private static void assertNotReplayed(Vertx vertx, String reply) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write(OK);
            if (connection.index == 0 && connection.readRequest() != null) {
                connection.write(reply);
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            client.send(GET_A);
            HttpWire.Response response = client.read();
            while (response.status() < 200) {
                response = client.read();
            }
            assertRefusal(response, 502);
            assertThat(proxy.staleRetries()).isZero();
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void responseCutAfterItStartedClosesTheClient(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            assertThatThrownBy(client::read).isInstanceOf(EOFException.class)
                    .hasMessageContaining("body ended after 9 of 100 bytes");
        }
    }

    @Test
    void bytesAfterAShortContentLengthAreDroppedAndTheConnectionIsNotReused(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            HttpWire.Response second = client.exchange(GET_A);
            assertThat(second.bodyText()).as("the next request never gets the stray bytes").isEqualTo("ok");
            assertThat(backend.accepted()).isEqualTo(2);
        }
    }

    @Test
    void backendClosingRightAfterEachResponseCostsNoFailure(Vertx vertx) throws Exception {
        // Announces keep-alive, then closes: the proxy either sees the FIN while the connection is idle, or reuses
        // it a moment too early and must replay the request on a fresh connection.
        try (RawBackend backend = new RawBackend(connection -> {
            if (connection.readRequest() != null) {
                connection.write(OK);
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 50; i++) {
                HttpWire.Response response = client.exchange(GET_A);
                assertThat(response.status()).as("request %d", i).isEqualTo(200);
                assertThat(response.bodyText()).isEqualTo("ok");
            }
            // Each connection serves one request whether it was replayed onto or not; a replay never doubles one.
            assertThat(backend.accepted()).isEqualTo(50);
            assertThat(backend.connections()).allSatisfy(connection ->
                    assertThat(new String(connection.received(), java.nio.charset.StandardCharsets.ISO_8859_1))
                            .startsWith("GET / HTTP/1.1"));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

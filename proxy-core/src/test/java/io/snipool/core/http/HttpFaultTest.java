package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static io.snipool.core.http.ExchangeRefusalTest.assertRefusal;
import static io.snipool.core.testbed.RawClient.closedAfterSending;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.ClosedPort;
import io.snipool.core.testbed.Dribbler;
import io.snipool.core.testbed.LeakCheck;
import io.snipool.core.testbed.RandomBytesFlood;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults around an HTTP listener: a backend killed in the middle of a response, backends that refuse connections, a
 * dynamic target whose name does not resolve, {@code limits.max_connections} overflowing, a client dribbling its
 * head (slowloris), and a thousand connections of random bytes beside good traffic. After each, {@link LeakCheck}:
 * no client slot, active connection or leased backend connection left, the idle pool within its caps, and the
 * process's descriptors back to their baseline.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpFaultTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final String GET_A = RawClient.get("a.test", "/");
    private static final int MAX_IDLE_PER_HOST = 4;
    private static final String POOL = "pool: { max_idle_per_host: " + MAX_IDLE_PER_HOST + " }\n";
    /** Two event loops, a pool each: the idle cap of one backend. */
    private static final int MAX_IDLE = 2 * MAX_IDLE_PER_HOST;

    @ParameterizedTest(name = "reset {0}")
    @ValueSource(booleans = {false, true})
    void aBackendKilledInTheMiddleOfAResponseCutsTheClientAndIsNotReused(boolean reset, Vertx vertx)
            throws Exception {
        CountDownLatch clientGotPart = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            for (HttpWire.Request request = connection.readRequest(); request != null;
                 request = connection.readRequest()) {
                if (request.target().equals("/die")) {
                    connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf of it");
                    try {
                        clientGotPart.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    // A killed process: the kernel closes its sockets, with a reset if asked to linger 0.
                    connection.socket.setSoLinger(reset, 0);
                    return;
                }
                connection.write(OK);
            }
        });
             // One event loop, so the warm connection is the one /die meets and the next request could meet.
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), POOL, "", 1)) {
            try (RawClient warm = new RawClient(proxy.port())) {
                for (int i = 0; i < 3; i++) {
                    assertThat(warm.exchange(GET_A).bodyText()).isEqualTo("ok");
                }
            }
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), backend::openSockets);

            try (RawClient client = new RawClient(proxy.port())) {
                client.send(RawClient.get("a.test", "/die"));
                HttpWire.Response head = client.readHead();
                assertThat(head.status()).isEqualTo(200);
                assertThat(client.readBytes(10)).isEqualTo("half of it");
                clientGotPart.countDown();
                assertThat(client.closedByPeer()).as("the client connection is cut").isTrue();
            }
            try (RawClient next = new RawClient(proxy.port())) {
                assertThat(next.exchange(GET_A).bodyText()).isEqualTo("ok");
            }
            assertThat(backend.accepted()).as("the next request needed a new backend connection").isEqualTo(2);
            assertThat(proxy.staleRetries()).as("a request whose response began is never replayed").isZero();
            leaks.assertNothingLeaked(MAX_IDLE_PER_HOST);
        }
    }

    @Test
    void refusedConnectsFailOverToTheNextBackendAndAre502WhenNoneIsLeft(Vertx vertx) throws Exception {
        int dead = ClosedPort.get();
        int alsoDead = ClosedPort.get();
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx,
                     // Failover order only: passive ejection (HealthIntegrationTest) would take the dead backends
                     // out of the order after five refusals.
                     "{ hosts: [pair.test], outlier_detection: { enabled: false }, backends: [\"127.0.0.1:" + dead
                             + "\", \"" + backend.address() + "\"] }\n"
                             + "{ hosts: [dead.test], outlier_detection: { enabled: false }, backends: [\"127.0.0.1:"
                             + dead + "\", \"127.0.0.1:" + alsoDead + "\"] }", POOL)) {
            exchangeOnNewConnection(proxy, RawClient.get("pair.test", "/warm"));
            assertRefusal(exchangeOnNewConnection(proxy, RawClient.get("dead.test", "/warm")), 502);
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), backend::openSockets);
            double connectErrors = proxy.count(ProxyMetrics.BACKEND_CONNECT_ERRORS);

            for (int i = 0; i < 6; i++) {
                assertThat(exchangeOnNewConnection(proxy, RawClient.get("pair.test", "/" + i)).bodyText())
                        .isEqualTo("ok");
                HttpWire.Response refused = exchangeOnNewConnection(proxy, RawClient.get("dead.test", "/" + i));
                assertRefusal(refused, 502);
            }
            assertThat(proxy.count(ProxyMetrics.BACKEND_CONNECT_ERRORS) - connectErrors)
                    .as("both dead backends tried for each dead.test request").isGreaterThanOrEqualTo(12);
            leaks.assertNothingLeaked(MAX_IDLE);
        }
    }

    @Test
    void aDynamicTargetWhoseNameDoesNotResolveIs502(Vertx vertx) throws Exception {
        // ProxyUnderTest's resolver fails every lookup, as NXDOMAIN would.
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend) + "\n"
                     + "{ hosts: [\"*.dyn.test\"], backends: [\"${host}:8080\"], allow_private_targets: true }",
                     POOL)) {
            exchangeOnNewConnection(proxy, GET_A);
            assertRefusal(exchangeOnNewConnection(proxy, RawClient.get("warm.dyn.test", "/")), 502);
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), backend::openSockets);

            for (int i = 0; i < 6; i++) {
                HttpWire.Response response = exchangeOnNewConnection(proxy, RawClient.get("n" + i + ".dyn.test", "/"));
                assertRefusal(response, 502);
                assertThat(response.bodyText()).contains("n" + i + ".dyn.test");
                assertThat(exchangeOnNewConnection(proxy, GET_A).bodyText()).isEqualTo("ok");
            }
            leaks.assertNothingLeaked(MAX_IDLE);
        }
    }

    @Test
    void connectionsOverMaxConnectionsAreClosedAtOnceAndTheirSlotsCountRight(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     POOL + "limits: { max_connections: 2 }\n")) {
            exchangeOnNewConnection(proxy, GET_A);
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), backend::openSockets);

            RawClient first = new RawClient(proxy.port());
            try (RawClient second = new RawClient(proxy.port())) {
                assertThat(first.exchange(GET_A).bodyText()).isEqualTo("ok");
                assertThat(second.exchange(GET_A).bodyText()).isEqualTo("ok");
                for (int i = 0; i < 5; i++) {
                    try (RawClient over = new RawClient(proxy.port())) {
                        assertThat(over.closedByPeer()).as("closed at once, with no response").isTrue();
                    }
                }
                assertThat(proxy.server().limiter().open()).isEqualTo(2);
                first.close();
                Await.until("the first slot given back", () -> proxy.server().limiter().open(), open -> open == 1);
                try (RawClient third = new RawClient(proxy.port())) {
                    assertThat(third.exchange(GET_A).bodyText()).isEqualTo("ok");
                }
                assertThat(second.exchange(GET_A).bodyText()).isEqualTo("ok");
            }
            assertThat(proxy.registry().find(ProxyMetrics.CONNECTIONS)
                    .tag("outcome", ProxyMetrics.Outcome.OVER_LIMIT.label()).counter().count()).isEqualTo(5);
            leaks.assertNothingLeaked(MAX_IDLE);
        }
    }

    @Test
    void aClientDribblingItsHeadIsClosedAtTheRequestHeadTimeoutAndItsSlotFreed(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     POOL + "limits: { max_connections: 1 }\ntimeouts: { request_head: 500ms }\n")) {
            exchangeOnNewConnection(proxy, GET_A);
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), backend::openSockets);

            byte[] head = RawClient.get("a.test", "/slow", "User-Agent: slowloris").getBytes(StandardCharsets.US_ASCII);
            try (RawClient slow = new RawClient(proxy.port())) {
                Await.until("the slot taken", () -> proxy.server().limiter().open(), open -> open == 1);
                long start = System.nanoTime();
                try (Dribbler dribbler = Dribbler.start(head, Duration.ofMillis(100), slow::send)) {
                    try (RawClient other = new RawClient(proxy.port())) {
                        assertThat(other.closedByPeer()).as("the only slot is the slow client's").isTrue();
                    }
                    assertRefusal(slow.read(), 408);
                    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertThat(slow.closedByPeer()).isTrue();
                    // Each byte does not restart the clock: the head had 500 ms from its first byte, not its last.
                    assertThat(elapsedMillis).isBetween(500L, 2_000L);
                    assertThat(dribbler.sent()).as("bytes dribbled before the close").isLessThan(head.length);
                }
            }
            Await.until("the slot freed", () -> proxy.server().limiter().open(), open -> open == 0);
            assertThat(exchangeOnNewConnection(proxy, GET_A).bodyText()).isEqualTo("ok");
            assertThat(backend.receivedText()).doesNotContain("/slow");
            leaks.assertNothingLeaked(MAX_IDLE);
        }
    }

    @Test
    void aThousandConnectionsOfRandomBytesReachNoBackendWhileGoodTrafficFlows(Vertx vertx) throws Exception {
        Queue<String> targets = new ConcurrentLinkedQueue<>();
        try (RawBackend backend = new RawBackend(RawBackend.replying(request -> {
            targets.add(request.target());
            return OK;
        }));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     POOL + "timeouts: { request_head: 500ms }\n")) {
            exchangeOnNewConnection(proxy, GET_A);
            assertThat(closedAfterSending(proxy.port(), "GARBAGE\u0000\r\n".getBytes(StandardCharsets.ISO_8859_1)))
                    .isTrue();
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), backend::openSockets);

            int served = RandomBytesFlood.run(proxy.port(), servedBefore -> {
                try (RawClient client = new RawClient(proxy.port())) {
                    for (int i = 0; i < 10; i++) {
                        assertThat(client.exchange(RawClient.get("a.test", "/good" + (servedBefore + i))).bodyText())
                                .isEqualTo("ok");
                    }
                }
                return 10;
            });

            assertThat(targets).as("only good requests reached the backend").allMatch(target ->
                    target.equals("/") || target.startsWith("/good")).hasSize(served + 1);
            assertThat(backend.failures()).isEmpty();
            leaks.assertNothingLeaked(MAX_IDLE);
        }
    }

    private static HttpWire.Response exchangeOnNewConnection(ProxyUnderTest proxy, String request)
            throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            return client.exchange(request);
        }
    }
}

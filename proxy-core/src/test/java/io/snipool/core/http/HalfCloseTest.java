package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.Counter;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that ends its sending side (a TCP FIN, or on TLS a close_notify and a FIN) but goes on reading, as
 * {@code nc -N}, scripts, health checkers and some HTTP/1.0 clients do. After complete requests it gets every
 * response, in order, and then the connection closes; in the middle of a request, that request is aborted and
 * nothing of it stays in the pool. The native transports report the FIN at once, even while snipool is not reading,
 * so these cases would otherwise depend on whether the response or the FIN comes first.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HalfCloseTest {

    private static final String GET_A = RawClient.get("a.test", "/");
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    /** How long a backend holds its answer after the client's FIN: ample time for the proxy to act on the FIN. */
    private static final Duration GRACE = Duration.ofMillis(500);
    private static final byte[] BODY = Payloads.bytes(200_000, 3);

    /** How the client ends its sending side, through which entrance, and on which TLS engine. */
    enum Ending {
        /** A TCP FIN on a plain HTTP listener. */
        PLAIN_FIN(ProxyUnderTest.Entrance.PLAIN, "auto"),
        /** A TCP FIN beneath a terminated TLS connection, with no close_notify before it. */
        TLS_FIN(ProxyUnderTest.Entrance.TERMINATED, "openssl"),
        /**
         * TLS 1.3's half-close, a close_notify alert and then the FIN (RFC 8446 §6.1), on the JDK's engine, which
         * keeps its own side open after it.
         */
        TLS13_CLOSE_NOTIFY(ProxyUnderTest.Entrance.TERMINATED, "jdk");

        final ProxyUnderTest.Entrance entrance;
        final String tlsProvider;

        Ending(ProxyUnderTest.Entrance entrance, String tlsProvider) {
            this.entrance = entrance;
            this.tlsProvider = tlsProvider;
        }

        ProxyUnderTest start(Vertx vertx, String routes, String settings) {
            return new ProxyUnderTest(vertx, entrance, tlsProvider, routes, settings);
        }

        void end(RawClient client) throws IOException {
            if (this == TLS13_CLOSE_NOTIFY) {
                client.shutdownOutput();
            } else {
                client.sendFin();
            }
        }
    }

    /**
     * Answers each request with {@link #BODY}, but only once the client has ended its side and the proxy has had
     * {@link #GRACE} to act on it: a proxy that gives up on the exchange closes this connection, and gets nothing.
     */
    private static RawBackend.Script answeringAfter(CountDownLatch clientEnded) {
        return connection -> {
            while (connection.readRequest() != null) {
                await(clientEnded);
                if (connection.closedWithin(GRACE)) {
                    return;
                }
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length + "\r\n\r\n");
                connection.write(BODY);
            }
        };
    }

    /** Waits for the test's own signal (given by the test thread), failing after 10 s. */
    static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).as("the test's signal").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void aCompleteRequestIsAnsweredInFullAndThenTheConnectionCloses(Ending ending, Vertx vertx) throws Exception {
        CountDownLatch clientEnded = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(answeringAfter(clientEnded));
             ProxyUnderTest proxy = ending.start(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            client.send(GET_A);
            ending.end(client);
            clientEnded.countDown();
            HttpWire.Response response = client.read();
            assertThat(response.status()).isEqualTo(200);
            assertThat(Payloads.sha256(response.body())).isEqualTo(Payloads.sha256(BODY));
            assertThat(client.closedByPeer()).as("closed by snipool after the response").isTrue();
            // A clean exchange: its backend connection went back to the pool, and nothing counts as a failure.
            Await.until("the backend connection idle in the pool", () -> proxy.gauge(PoolMeters.IDLE),
                    idle -> idle == 1);
            proxy.awaitQuiet();
            assertThat(proxy.count(PoolMeters.EVICTIONS)).isZero();
            assertThat(proxy.count(RequestMeters.REQUEST_FAILURES)).isZero();
            assertThat(backend.failures()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void pipelinedRequestsSentBeforeTheEndAreAllAnsweredInOrder(Ending ending, Vertx vertx) throws Exception {
        CountDownLatch clientEnded = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            for (HttpWire.Request request = connection.readRequest(); request != null;
                 request = connection.readRequest()) {
                await(clientEnded);
                if (connection.closedWithin(GRACE)) {
                    return;
                }
                String body = "answer to " + request.target();
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            }
        });
             ProxyUnderTest proxy = ending.start(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            client.send(RawClient.get("a.test", "/1") + RawClient.get("a.test", "/2") + RawClient.get("a.test", "/3"));
            ending.end(client);
            clientEnded.countDown();
            for (String path : List.of("/1", "/2", "/3")) {
                HttpWire.Response response = client.read();
                assertThat(response.bodyText()).isEqualTo("answer to " + path);
                if (!path.equals("/3")) {
                    assertThat(response.header("Connection")).as("a close before the last answer").isNull();
                }
            }
            assertThat(client.closedByPeer()).isTrue();
            proxy.awaitQuiet();
            assertThat(proxy.count(RequestMeters.REQUEST_FAILURES)).isZero();
        }
    }

    @Test
    void aCloseNotifyThatClosesTheEngineBothWaysAbandonsTheExchangeAtOnce(Vertx vertx) throws Exception {
        // NIO reads only what the session asks for, so during an exchange it does not see the close_notify: the
        // response goes out first (and a TLS 1.3 client, whose close_notify closed only its side, reads it).
        assumeTrue(vertx.isNativeTransportEnabled(), "the native transports read the close_notify at once");
        CountDownLatch requestArrived = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            requestArrived.countDown();
            connection.read(); // never answers: returns once the proxy gives up on the exchange
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, ProxyUnderTest.Entrance.TERMINATED, "openssl",
                     route("a.test", backend), "timeouts: { response_header: 60s, idle: 60s }\n");
             RawClient client = proxy.connect()) {
            client.send(GET_A);
            await(requestArrived);
            // Netty's OpenSSL engine answers a close_notify with its own and sends nothing after it, in TLS 1.3 too.
            client.shutdownOutput();
            assertThat(client.closedByPeer()).isTrue();
            Await.until("the backend connection closed", () -> backend.connections().get(0).socket.isClosed(),
                    closed -> closed);
            Await.until("the request counted as aborted", () -> failures(proxy, "client_aborted"),
                    count -> count == 1);
            assertThat(proxy.gauge(PoolMeters.IDLE)).isZero();
        }
    }

    @Test
    void anEndBeforeTheSwitchToAnotherProtocolIsCarriedThroughTheTunnel(Vertx vertx) throws Exception {
        CountDownLatch clientEnded = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            await(clientEnded);
            if (connection.closedWithin(GRACE)) {
                return;
            }
            connection.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" + UpgradingBackend.GREETING);
            // The client's end, passed on by the tunnel, ends this read; the backend then closes its side.
            assertThat(connection.read()).as("the client's FIN through the tunnel").isEqualTo(-1);
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "timeouts: { idle: 60s }\n");
             RawClient client = new RawClient(proxy.port())) {
            client.send("GET /chat HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            client.sendFin();
            clientEnded.countDown();
            assertThat(client.readHead().status()).isEqualTo(101);
            assertThat(client.readBytes(UpgradingBackend.GREETING.length())).isEqualTo(UpgradingBackend.GREETING);
            assertThat(client.closedByPeer()).as("the tunnel ended with both sides done").isTrue();
            Await.until("the backend connection closed", () -> backend.connections().get(0).socket.isClosed(),
                    closed -> closed);
            assertThat(backend.failures()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void anEndInTheMiddleOfAHeadClosesWithNothingSentToABackend(Ending ending, Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = ending.start(vertx, route("a.test", backend),
                     "timeouts: { request_head: 60s, idle: 60s }\n");
             RawClient client = proxy.connect()) {
            client.send("GET /partial HTTP/1.1\r\nHost: a.te");
            ending.end(client);
            // Closed at once, not after request_head: the head can never be completed.
            assertThat(client.closedByPeer()).isTrue();
            proxy.awaitQuiet();
            assertThat(backend.accepted()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Ending.class)
    void anEndAfterACompleteRequestAndAPartialOneAnswersTheFirstOnly(Ending ending, Vertx vertx) throws Exception {
        CountDownLatch clientEnded = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(answeringAfter(clientEnded));
             ProxyUnderTest proxy = ending.start(vertx, route("a.test", backend),
                     "timeouts: { request_head: 60s, idle: 60s }\n");
             RawClient client = proxy.connect()) {
            client.send(GET_A + "GET /partial HTTP/1.1\r\nHost: a.te");
            ending.end(client);
            clientEnded.countDown();
            HttpWire.Response response = client.read();
            assertThat(Payloads.sha256(response.body())).isEqualTo(Payloads.sha256(BODY));
            assertThat(client.closedByPeer()).isTrue();
            proxy.awaitQuiet();
            assertThat(backend.receivedText()).doesNotContain("/partial");
            assertThat(proxy.gauge(PoolMeters.IDLE)).as("the first exchange's connection, pooled").isEqualTo(1);
        }
    }

    /** Request bodies cut by the client's end: one by length, one chunked, and one awaiting 100-continue. */
    enum CutBody {
        CONTENT_LENGTH("POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\nfour"),
        CHUNKED("POST /upload HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfour\r\n"),
        EXPECTING_CONTINUE("POST /upload HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nContent-Length: 10\r\n"
                + "\r\n");

        final String sent;

        CutBody(String sent) {
            this.sent = sent;
        }
    }

    @ParameterizedTest
    @EnumSource(CutBody.class)
    void anEndInTheMiddleOfABodyAbortsTheRequestAndItsBackendConnection(CutBody cut, Vertx vertx) throws Exception {
        CountDownLatch bodyStarted = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            HttpWire.Request head = HttpWire.readRequestHead(connection::read);
            if (head == null) {
                return;
            }
            if (connection.index > 0) {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh");
                return;
            }
            bodyStarted.countDown();
            // The body never completes: the proxy must end this connection, not hand it back to the pool.
            while (connection.read() >= 0) {
                continue;
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { idle: 60s, response_header: 60s }\n", "", 1);
             RawClient client = new RawClient(proxy.port())) {
            client.send(cut.sent);
            await(bodyStarted);
            client.sendFin();
            assertThat(client.closedByPeer()).as("closed with no answer").isTrue();
            Await.until("the backend connection closed", () -> backend.connections().get(0).socket.isClosed(),
                    closed -> closed);
            Await.until("the aborted request counted", () -> failures(proxy, "client_aborted"), count -> count == 1);
            assertThat(proxy.gauge(PoolMeters.IDLE)).isZero();
            try (RawClient next = new RawClient(proxy.port())) {
                assertThat(next.exchange(GET_A).bodyText()).isEqualTo("fresh");
            }
            assertThat(backend.accepted()).isEqualTo(2);
        }
    }

    @Test
    void aHalfClosedClientStillMeetsTheResponseTimeout(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.read(); // never answers; returns when the proxy gives up
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { response_header: 300ms }\n");
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            client.sendFin();
            HttpWire.Response response = client.read();
            assertThat(response.status()).isEqualTo(504);
            assertThat(client.closedByPeer()).isTrue();
            Await.until("the backend connection closed", () -> backend.connections().get(0).socket.isClosed(),
                    closed -> closed);
        }
    }

    @Test
    void aHalfClosedClientStillMeetsTheIdleTimeoutInTheMiddleOfAResponse(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf.");
            connection.read(); // stalls; returns when the proxy gives up
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "timeouts: { idle: 300ms }\n");
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            client.sendFin();
            assertThat(client.readHead().status()).isEqualTo(200);
            assertThat(client.readBytes(5)).isEqualTo("half.");
            assertThat(client.closedByPeer()).as("cut after timeouts.idle").isTrue();
            Await.until("the exchange counted as idle", () -> failures(proxy, "exchange_idle"), count -> count == 1);
            Await.until("the backend connection closed", () -> backend.connections().get(0).socket.isClosed(),
                    closed -> closed);
        }
    }

    @Test
    void aClientThatEndsBetweenRequestsIsClosedAtOnce(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "timeouts: { idle: 60s }\n");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            client.sendFin();
            assertThat(client.closedByPeer()).as("closed before timeouts.idle").isTrue();
            proxy.awaitQuiet();
            assertThat(proxy.count(RequestMeters.REQUEST_FAILURES)).isZero();
        }
    }

    @Test
    void aClientThatClosedForGoodIsNoticedWhenItsResponseCannotBeWritten(Vertx vertx) throws Exception {
        byte[] large = Payloads.bytes(4 * 1024 * 1024, 4);
        CountDownLatch clientClosed = new CountDownLatch(1);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            await(clientClosed);
            // A FIN looks the same whether the client half-closed or left: the exchange goes on.
            assertThat(connection.closedWithin(GRACE)).as("the exchange dropped at the FIN").isFalse();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + large.length + "\r\n\r\n");
            connection.write(large);
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            client.close();
            clientClosed.countDown();
            Await.until("the request counted as aborted", () -> failures(proxy, "client_aborted"),
                    count -> count == 1);
            Await.until("the backend connection closed", () -> backend.connections().get(0).socket.isClosed(),
                    closed -> closed);
            assertThat(proxy.gauge(PoolMeters.IDLE)).isZero();
            assertThat(backend.failures()).isEmpty();
        }
    }

    private static double failures(ProxyUnderTest proxy, String kind) {
        return proxy.registry().find(RequestMeters.REQUEST_FAILURES).tag("kind", kind).counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}

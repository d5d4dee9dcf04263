package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.LeakCheck;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP path end to end, run once per way a client may send its requests ({@link ClientTransport}): keep-alive,
 * a connection per request with {@code Connection: close}, and pipelined. Backends are raw sockets that count the
 * connections they accept, so reuse is proved by the backend's own count.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class HttpIntegrationBase {

    private final ClientTransport transport;

    HttpIntegrationBase(ClientTransport transport) {
        this.transport = transport;
    }

    /** Describes what the backend received: its name, the request line, the body's digest, forwarding fields. */
    private static RawBackend.Script describing(String name) {
        return RawBackend.replying(request -> {
            String body = "backend=" + name + "\nmethod=" + request.method() + "\npath=" + request.target()
                    + "\nlength=" + request.message().body().length
                    + "\nsha256=" + Payloads.sha256(request.message().body())
                    + "\nxff=" + request.header("X-Forwarded-For")
                    + "\nproto=" + request.header("X-Forwarded-Proto")
                    + "\nxhost=" + request.header("X-Forwarded-Host")
                    + "\nnames=" + String.join(",", request.message().names()) + "\n";
            return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n"
                    + body;
        });
    }

    private static Map<String, String> fields(HttpWire.Response response) {
        return response.bodyText().lines().map(line -> line.split("=", 2))
                .collect(Collectors.toMap(pair -> pair[0], pair -> pair[1]));
    }

    @Test
    void routesEachRequestByItsHost(Vertx vertx) throws Exception {
        try (RawBackend a = new RawBackend(describing("A"));
             RawBackend b = new RawBackend(describing("B"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", a) + "\n" + route("*.b.test", b), "")) {
            List<ClientTransport.Request> requests = IntStream.range(0, 12)
                    .mapToObj(i -> ClientTransport.Request.get(i % 3 == 0 ? "a.test" : "x" + i + ".B.test.", "/" + i))
                    .toList();
            List<HttpWire.Response> responses = transport.exchangeAll(proxy.port(), requests);
            for (int i = 0; i < requests.size(); i++) {
                Map<String, String> seen = fields(responses.get(i));
                assertThat(seen.get("backend")).as("request %d", i).isEqualTo(i % 3 == 0 ? "A" : "B");
                assertThat(seen.get("path")).isEqualTo("/" + i);
            }
            assertThat(a.accepted()).isBetween(1, 2);
            assertThat(b.accepted()).isBetween(1, 2);
        }
    }

    @Test
    void aHundredRequestsNeedAtMostOneBackendConnectionPerEventLoop(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(describing("A"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "")) {
            List<ClientTransport.Request> requests = IntStream.range(0, 100)
                    .mapToObj(i -> ClientTransport.Request.get("a.test", "/" + i)).toList();
            List<HttpWire.Response> responses = transport.exchangeAll(proxy.port(), requests);
            assertThat(responses).extracting(HttpWire.Response::status).containsOnly(200).hasSize(100);
            // Two event loops, a pool each: with Connection: close clients land on both.
            assertThat(backend.accepted()).isBetween(1, 2);
        }
    }

    @Test
    void theBackendSeesForwardingFieldsAndTheClientsFieldsInOrder(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(describing("A"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "")) {
            ClientTransport.Request request = ClientTransport.Request.get("a.test:8080", "/x")
                    .with("x-lower: 1", "X-Forwarded-For: 198.51.100.7", "X-MiXeD: 2",
                            "Connection: X-Hop", "X-Hop: dropped", "Keep-Alive: timeout=5", "TE: trailers");
            Map<String, String> seen = fields(transport.exchangeAll(proxy.port(), List.of(request)).get(0));
            assertThat(seen.get("xff")).as("the client is no trusted proxy: its own is replaced").isEqualTo("127.0.0.1");
            assertThat(seen.get("proto")).isEqualTo("http");
            assertThat(seen.get("xhost")).isEqualTo("a.test:8080");
            assertThat(seen.get("names")).isEqualTo(
                    "Host,x-lower,X-MiXeD,X-Request-Id,X-Forwarded-For,X-Forwarded-Proto,X-Forwarded-Host");
        }
    }

    @Test
    void tenMebibyteUploadsArriveIntact(Vertx vertx) throws Exception {
        byte[] body = Payloads.bytes(Payloads.TEN_MIB, 1);
        try (RawBackend backend = new RawBackend(describing("A"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "")) {
            List<HttpWire.Response> responses = transport.exchangeAll(proxy.port(), List.of(
                    ClientTransport.Request.post("a.test", "/cl", body, false),
                    ClientTransport.Request.post("a.test", "/chunked", body, true)));
            for (HttpWire.Response response : responses) {
                Map<String, String> seen = fields(response);
                assertThat(seen.get("length")).isEqualTo(String.valueOf(body.length));
                assertThat(seen.get("sha256")).isEqualTo(Payloads.sha256(body));
            }
        }
    }

    @Test
    void tenMebibyteDownloadsArriveIntact(Vertx vertx) throws Exception {
        byte[] body = Payloads.bytes(Payloads.TEN_MIB, 2);
        try (RawBackend backend = new RawBackend(connection -> {
            for (HttpWire.Request request = connection.readRequest(); request != null;
                 request = connection.readRequest()) {
                if (request.target().equals("/cl")) {
                    connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n");
                    connection.write(body);
                } else {
                    connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                    connection.write(Payloads.chunked(body, 64 * 1024 - 7));
                }
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "")) {
            List<HttpWire.Response> responses = transport.exchangeAll(proxy.port(), List.of(
                    ClientTransport.Request.get("a.test", "/cl"), ClientTransport.Request.get("a.test", "/chunked")));
            for (HttpWire.Response response : responses) {
                assertThat(response.body()).hasSize(body.length);
                assertThat(Payloads.sha256(response.body())).isEqualTo(Payloads.sha256(body));
            }
        }
    }

    @Test
    void expectContinueGetsTheInterimAndTheFinalResponse(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            while (true) {
                HttpWire.Request head = HttpWire.readRequestHead(connection::read);
                if (head == null) {
                    return;
                }
                assertThat(head.header("Expect")).isEqualTo("100-continue");
                connection.write("HTTP/1.1 100 Continue\r\n\r\n");
                HttpWire.Request request = HttpWire.readRequestBody(connection::read, head);
                String body = "got " + request.message().bodyText();
                connection.write("HTTP/1.1 201 Created\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "")) {
            List<HttpWire.Response> finals = transport.expectContinue(proxy.port(), "a.test", List.of("abc", "de"));
            assertThat(finals).extracting(HttpWire.Response::bodyText).containsExactly("got abc", "got de");
            assertThat(finals).extracting(HttpWire.Response::status).containsOnly(201);
        }
    }

    @Test
    void staleConnectionsNeverFailARequest(Vertx vertx) throws Exception {
        try (IdleClosingBackend idleClosing = new IdleClosingBackend(java.time.Duration.ofMillis(100),
                java.time.Duration.ofMillis(250));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", idleClosing.backend()), "")) {
            assertThat(loadWithPauses(proxy, 2500, 300)).isEmpty();
            // The pool holds idle connections now; the backend's timer closes them within its timeout and period.
            Await.until("idle connections closed by the backend's timer", idleClosing::closedByTimer,
                    closed -> closed > 0);
            assertThat(idleClosing.closedOnArrival()).as("requests that met a closing connection").isPositive();
            // Every request that met a closing connection was replayed; so may be one that reached a connection
            // the timer closed with the request still unread.
            assertThat(proxy.staleRetries()).isBetween((double) idleClosing.closedOnArrival(),
                    (double) idleClosing.closedOnArrival() + idleClosing.closedByTimer());
        }
    }

    @Test
    void connectionsTheBackendClosesAtRandomNeverFailARequestAndLeaveNothing(Vertx vertx) throws Exception {
        // Each idle period of each backend connection ends after a random 0 to 150 ms, checked every 20 ms.
        try (IdleClosingBackend idleClosing = new IdleClosingBackend(java.time.Duration.ZERO,
                java.time.Duration.ofMillis(150), java.time.Duration.ofMillis(20), 7);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", idleClosing.backend()), "")) {
            transport.exchangeAll(proxy.port(), List.of(ClientTransport.Request.get("a.test", "/warm")));
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), idleClosing.backend()::openSockets);

            assertThat(loadWithPauses(proxy, 1500, 100)).isEmpty();
            assertThat(idleClosing.closedByTimer()).as("idle connections closed by the backend's timer").isPositive();
            assertThat(idleClosing.closedOnArrival()).as("requests that met a closing connection").isPositive();
            assertThat(proxy.staleRetries()).isBetween((double) idleClosing.closedOnArrival(),
                    (double) idleClosing.closedOnArrival() + idleClosing.closedByTimer());
            leaks.assertNothingLeaked(2 * io.snipool.config.PoolSettings.DEFAULT_MAX_IDLE_PER_HOST);
        }
    }

    /**
     * Four clients, each sending two requests at a time and then pausing up to {@code maxPauseMillis}, for
     * {@code millis}; returns the failures by client (a status other than 200, or an exception).
     */
    private Map<Integer, Throwable> loadWithPauses(ProxyUnderTest proxy, long millis, int maxPauseMillis)
            throws InterruptedException {
        Map<Integer, Throwable> failures = new ConcurrentHashMap<>();
        List<Thread> clients = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (int c = 0; c < 4; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                java.util.Random random = new java.util.Random(client);
                try {
                    while (System.nanoTime() < end) {
                        List<HttpWire.Response> responses = transport.exchangeAll(proxy.port(), List.of(
                                ClientTransport.Request.get("a.test", "/" + client),
                                ClientTransport.Request.get("a.test", "/" + client)));
                        assertThat(responses).extracting(HttpWire.Response::status).containsOnly(200);
                        // A pause around the backend's idle timeout, so reuse often meets its deadline.
                        Thread.sleep(random.nextInt(maxPauseMillis));
                    }
                } catch (Throwable failure) {
                    failures.put(client, failure);
                }
            }, "load-" + c);
            clients.add(thread);
            thread.start();
        }
        for (Thread thread : clients) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        return failures;
    }

    @Test
    void anUpgradeBecomesATunnelAndItsBackendConnectionIsNeverReused(Vertx vertx) throws Exception {
        UpgradingBackend upgrading = new UpgradingBackend();
        try (RawBackend backend = new RawBackend(upgrading::serve);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "")) {
            transport.upgradeAndEcho(proxy.port(), "a.test");
            assertThat(upgrading.upgraded()).hasSize(1);
            RawBackend.Connection tunnelled = backend.connections().get(upgrading.upgraded().iterator().next());
            // Closing the client closed the tunnel, and with it that backend connection: it never returns to the
            // pool, so the requests after it go to other connections.
            Await.until("the tunnel's backend connection closed", tunnelled.socket::isClosed, closed -> closed);
            int received = tunnelled.received().length;
            List<HttpWire.Response> after = transport.exchangeAll(proxy.port(), List.of(
                    ClientTransport.Request.get("a.test", "/after"), ClientTransport.Request.get("a.test", "/again")));
            assertThat(after).extracting(HttpWire.Response::bodyText).containsExactly("plain /after", "plain /again");
            assertThat(tunnelled.received()).hasSize(received);
            proxy.awaitQuiet();
        }
    }
}

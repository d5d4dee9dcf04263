package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.pool.PoolSnapshot;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.HttpBackend;
import io.snipool.core.testbed.LeakCheck;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.testbed.TlsBackend;
import io.snipool.core.testbed.TlsClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Load in the default run, bounded: {@value #KEEP_ALIVE_CLIENTS} keep-alive clients and {@value #CLOSE_CLIENTS}
 * {@code Connection: close} clients against an HTTP listener in front of a real HTTP server, and
 * {@value #TLS_CLIENTS} TLS clients doing full handshakes through a TLS listener to a real TLS server, all at once,
 * for {@link #LOAD}. Afterwards: no request failed, the backend accepted far fewer connections than it served
 * requests, each event loop's pool keeps at most {@code max_idle_per_host} idle connections, and {@link LeakCheck}
 * finds every count back to zero and every descriptor accounted for.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MixedLoadTest {

    static final int KEEP_ALIVE_CLIENTS = 32;
    static final int CLOSE_CLIENTS = 32;
    static final int TLS_CLIENTS = 8;
    static final Duration LOAD = Duration.ofSeconds(30);
    /**
     * Above the concurrency one event loop sees (about half of the 64 HTTP clients), as docs/http.md advises: a cap
     * below it closes returned connections beyond it ({@code capacity}) and the next burst reconnects.
     */
    private static final int MAX_IDLE_PER_HOST = 40;

    private static final String CONFIG = """
            listeners:
              - name: web
                bind: "127.0.0.1:0"
                mode: http
                max_connections_per_ip: 0
                new_connections_per_ip: 0
                routes:
                  - hosts: [app.test]
                    backends: ["127.0.0.1:${env:H}"]
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                max_connections_per_ip: 0
                new_connections_per_ip: 0
                routes:
                  - hosts: [tls.test]
                    backends: ["127.0.0.1:${env:T}"]
            pool:
              max_idle_per_host: %d
            access_log: { enabled: false }
            """.formatted(MAX_IDLE_PER_HOST);
    private static final String GET = RawClient.get("app.test", "/load");
    private static final String GET_AND_CLOSE = RawClient.get("app.test", "/load", "Connection: close");

    private static TestPki pki;

    @BeforeAll
    static void makeCertificates() {
        pki = new TestPki();
    }

    @Test
    void keepAliveCloseAndTlsClientsAtOnceFailNothingAndLeaveNothing(Vertx vertx) throws Exception {
        HttpBackend http = Await.result(HttpBackend.start(vertx, "app"));
        TlsBackend tls = Await.result(TlsBackend.start(vertx, "tls", pki.leaf("tls.test")));
        TestProxy proxy = TestProxy.start(vertx, CONFIG, Map.of("H", Integer.toString(http.port()),
                "T", Integer.toString(tls.port())), new FakeResolver());
        ExecutorService clients = Executors.newFixedThreadPool(KEEP_ALIVE_CLIENTS + CLOSE_CLIENTS + TLS_CLIENTS);
        try {
            int web = proxy.port("web");
            int edge = proxy.port("edge");
            TlsClient tlsClient = new TlsClient(pki.clientContext());
            for (int i = 0; i < 3; i++) {
                keepAlive(web, System.nanoTime());
                closing(web, System.nanoTime());
                assertThat(tlsClient.backendName(edge, "tls.test")).isEqualTo("tls");
            }
            LeakCheck leaks = LeakCheck.begin(proxy.readings(), () -> http.open() + tls.open());
            int connectionsBefore = http.accepted();
            long requestsBefore = http.requests();
            int handshakesBefore = tls.accepted();

            long end = System.nanoTime() + LOAD.toNanos();
            List<Future<Long>> keepAlive = submit(clients, KEEP_ALIVE_CLIENTS, () -> keepAlive(web, end));
            List<Future<Long>> close = submit(clients, CLOSE_CLIENTS, () -> closing(web, end));
            List<Future<Long>> handshakes = submit(clients, TLS_CLIENTS, () -> {
                long done = 0;
                while (System.nanoTime() < end) {
                    assertThat(tlsClient.backendName(edge, "tls.test")).isEqualTo("tls");
                    done++;
                }
                return done;
            });
            long keepAliveRequests = sum(keepAlive);
            long closeRequests = sum(close);
            long tunnels = sum(handshakes);

            long requests = keepAliveRequests + closeRequests;
            int connections = http.accepted() - connectionsBefore;
            assertThat(http.requests() - requestsBefore).as("requests the backend served").isEqualTo(requests);
            assertThat(closeRequests).as("Connection: close requests").isGreaterThan(CLOSE_CLIENTS);
            assertThat(tunnels).as("TLS tunnels").isGreaterThan(TLS_CLIENTS);
            assertThat(tls.accepted() - handshakesBefore).as("handshakes the TLS backend completed")
                    .isEqualTo((int) tunnels);
            assertThat(connections).as("backend connections for %d requests (%d of them Connection: close); %s",
                    requests, closeRequests, evictions(proxy)).isLessThanOrEqualTo((int) (requests / 20));
            for (PoolSnapshot<BackendKey> loop : proxy.pools().snapshots().get(10, TimeUnit.SECONDS)) {
                assertThat(loop.keys()).allSatisfy(key -> assertThat(key.idle()).as("idle in one loop's pool")
                        .isLessThanOrEqualTo(MAX_IDLE_PER_HOST));
            }
            leaks.assertNothingLeaked(TestProxy.EVENT_LOOPS * MAX_IDLE_PER_HOST);
        } finally {
            clients.shutdownNow();
            proxy.stop();
        }
    }

    /** One keep-alive connection, requests one after another until {@code endNanos}; returns how many. */
    private static long keepAlive(int port, long endNanos) throws Exception {
        long done = 0;
        try (RawClient client = new RawClient(port)) {
            do {
                HttpWire.Response response = client.exchange(GET);
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.bodyText()).isEqualTo("app");
                done++;
            } while (System.nanoTime() < endNanos);
        }
        return done;
    }

    /** A new connection per request, each with {@code Connection: close}, until {@code endNanos}; returns how many. */
    private static long closing(int port, long endNanos) throws Exception {
        long done = 0;
        do {
            try (RawClient client = new RawClient(port)) {
                HttpWire.Response response = client.exchange(GET_AND_CLOSE);
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.bodyText()).isEqualTo("app");
                assertThat(client.closedByPeer()).isTrue();
            }
            done++;
        } while (System.nanoTime() < endNanos);
        return done;
    }

    /** Pool evictions by reason, and the misses and hits, for failure messages. */
    private static String evictions(TestProxy proxy) {
        StringBuilder text = new StringBuilder("evictions");
        proxy.registry().find(io.snipool.core.metrics.PoolMeters.EVICTIONS).counters().forEach(counter ->
                text.append(' ').append(counter.getId().getTag("reason")).append('=').append((long) counter.count()));
        proxy.registry().find(io.snipool.core.metrics.PoolMeters.MISSES).counters().forEach(counter ->
                text.append(", misses ").append((long) counter.count()));
        proxy.registry().find(io.snipool.core.metrics.PoolMeters.HITS).counters().forEach(counter ->
                text.append(", hits ").append((long) counter.count()));
        return text.toString();
    }

    private static List<Future<Long>> submit(ExecutorService clients, int count, Callable<Long> client) {
        List<Future<Long>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(clients.submit(client));
        }
        return futures;
    }

    /** Every client's count; a client that failed fails the test with its own assertion. */
    private static long sum(List<Future<Long>> futures) throws Exception {
        long total = 0;
        for (Future<Long> future : futures) {
            total += future.get(LOAD.toSeconds() + 60, TimeUnit.SECONDS);
        }
        return total;
    }
}
